package otlp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // OTel SDKs and Collectors send gzip
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// rawRequest is an export request as received: the receiver decodes it
// itself, so the bytes it keeps as the batch's original bytes are exactly
// the ones sent.
type rawRequest struct{ b []byte }

// rawCodec hands requests over undecoded and encodes responses as
// protobuf, in place of gRPC's default codec (which would decode requests
// into messages and lose their bytes).
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("otlp: cannot encode %T", v)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	r, ok := v.(*rawRequest)
	if !ok {
		return fmt.Errorf("otlp: cannot decode into %T", v)
	}
	// Materialize copies: gRPC reuses data's buffers once this returns,
	// and the bytes must outlive the call until the batch is durable.
	r.b = data.Materialize()
	return nil
}

// serviceDesc describes the OTLP collector service of sig (the same
// service and method names the generated code registers), with a handler
// taking the request's raw bytes.
func serviceDesc(sig Signal, r *Receiver, workspace string) *grpc.ServiceDesc {
	service := map[Signal]string{
		Logs:    "opentelemetry.proto.collector.logs.v1.LogsService",
		Traces:  "opentelemetry.proto.collector.trace.v1.TraceService",
		Metrics: "opentelemetry.proto.collector.metrics.v1.MetricsService",
	}[sig]
	return &grpc.ServiceDesc{
		ServiceName: service,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Export",
			Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				var req rawRequest
				if err := dec(&req); err != nil {
					return nil, err
				}
				remote := ""
				if p, ok := peer.FromContext(ctx); ok {
					remote = p.Addr.String()
				}
				resp, err := r.Export(ctx, sig, workspace, req.b, false, "otlp-grpc", remote)
				if err != nil {
					return nil, grpcError(err)
				}
				return resp, nil
			},
		}},
		Metadata: "opentelemetry/proto/collector/" + sig.String() + "/v1/" + sig.String() + "_service.proto",
	}
}

// grpcError maps an export error to the status codes OTLP exporters
// act on: InvalidArgument is not retried, Unavailable is.
func grpcError(err error) error {
	var de *InvalidError
	switch {
	case errors.As(err, &de):
		return status.Error(codes.InvalidArgument, err.Error())
	case retryable(err):
		return status.Error(codes.Unavailable, err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	}
	return status.Error(codes.Internal, err.Error())
}

// newGRPCServer returns a gRPC server exporting all three signals into
// workspace, taking messages up to maxBytes, over TLS when tlsConfig is
// not nil.
func newGRPCServer(r *Receiver, workspace string, maxBytes int, tlsConfig *tls.Config) *grpc.Server {
	opts := []grpc.ServerOption{grpc.ForceServerCodecV2(rawCodec{}), grpc.MaxRecvMsgSize(maxBytes)}
	if tlsConfig != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConfig)))
	}
	s := grpc.NewServer(opts...)
	for _, sig := range Signals {
		s.RegisterService(serviceDesc(sig, r, workspace), nil)
	}
	return s
}
