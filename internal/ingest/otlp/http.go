package otlp

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"vigil/internal/ingest"
	"vigil/internal/store"
)

// DefaultMaxBodyBytes bounds an export request after decompression.
const DefaultMaxBodyBytes = 64 << 20

// HandleHTTP serves one OTLP/HTTP export request of sig into workspace
// (an id), as the OTLP specification has it: a POST with a protobuf or
// JSON body (gzip when Content-Encoding says so), answered 200 with the
// export response in the request's encoding once every batch is durable;
// 400 with a google.rpc.Status for a body that does not decode, 415 for
// another content type, 413 over maxBytes, 503 with Retry-After while the
// store is busy. admit, when not nil, is asked about the body's size
// before anything is stored; when it refuses, it has answered the request
// itself (429 with Retry-After, which exporters honour).
func (r *Receiver) HandleHTTP(w http.ResponseWriter, req *http.Request, sig Signal, workspace string, maxBytes int64, admit func(w http.ResponseWriter, n int) bool) {
	isJSON, ok := isJSONContentType(req.Header.Get("Content-Type"))
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeStatus(w, isJSON, http.StatusMethodNotAllowed, codes.InvalidArgument, "OTLP export requests are POSTed")
		return
	}
	if !ok {
		writeStatus(w, false, http.StatusUnsupportedMediaType, codes.InvalidArgument,
			fmt.Sprintf("unsupported Content-Type %q: send %s or %s", req.Header.Get("Content-Type"), ContentTypeProtobuf, ContentTypeJSON))
		return
	}
	body, status, err := readBody(w, req, maxBytes)
	if err != nil {
		writeStatus(w, isJSON, status, codes.InvalidArgument, err.Error())
		return
	}
	if admit != nil && !admit(w, len(body)) {
		return
	}
	resp, err := r.Export(req.Context(), sig, workspace, body, isJSON, "otlp-http", req.RemoteAddr)
	var de *InvalidError
	switch {
	case errors.As(err, &de):
		writeStatus(w, isJSON, http.StatusBadRequest, codes.InvalidArgument, err.Error())
	case err != nil && retryable(err):
		w.Header().Set("Retry-After", "1")
		writeStatus(w, isJSON, http.StatusServiceUnavailable, codes.Unavailable, err.Error())
	case err != nil:
		r.log.Error("OTLP export", "signal", sig.String(), "err", err)
		writeStatus(w, isJSON, http.StatusInternalServerError, codes.Internal, err.Error())
	default:
		writeMessage(w, isJSON, http.StatusOK, resp)
	}
}

// readBody returns the request body, gunzipped when Content-Encoding says
// gzip, refusing more than maxBytes after decompression.
func readBody(w http.ResponseWriter, req *http.Request, maxBytes int64) ([]byte, int, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBodyBytes
	}
	var src io.Reader = http.MaxBytesReader(w, req.Body, maxBytes)
	switch enc := strings.ToLower(req.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("body is not valid gzip: %w", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("unsupported Content-Encoding %q: send gzip or none", enc)
	}
	body, err := io.ReadAll(io.LimitReader(src, maxBytes+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || int64(len(body)) > maxBytes {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body is over the limit of %d bytes", maxBytes)
	}
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("reading body: %w", err)
	}
	return body, 0, nil
}

func writeStatus(w http.ResponseWriter, isJSON bool, httpStatus int, code codes.Code, msg string) {
	writeMessage(w, isJSON, httpStatus, &spb.Status{Code: int32(code), Message: msg})
}

func writeMessage(w http.ResponseWriter, isJSON bool, httpStatus int, m proto.Message) {
	var b []byte
	if isJSON {
		b, _ = protojson.Marshal(m)
		w.Header().Set("Content-Type", ContentTypeJSON)
	} else {
		b, _ = proto.Marshal(m)
		w.Header().Set("Content-Type", ContentTypeProtobuf)
	}
	w.WriteHeader(httpStatus)
	w.Write(b)
}

// Config configures the standalone OTLP listeners. An empty address
// leaves that listener off.
type Config struct {
	// GRPC and HTTP are listen addresses (OTLP's usual ports are 4317 and
	// 4318).
	GRPC, HTTP string
	// Workspace is the id of the workspace telemetry is stored in.
	Workspace string
	// TLSConfig, when set, makes both listeners serve TLS only (gRPC with
	// HTTP/2 negotiated by ALPN as gRPC clients require; HTTP/1.1 and
	// HTTP/2). The listeners do not authenticate senders, so on a network
	// others reach, TLS at least keeps the telemetry private.
	TLSConfig *tls.Config
	// MaxBodyBytes bounds a request (after decompression); default
	// DefaultMaxBodyBytes.
	MaxBodyBytes int
	// Rejects records the items that cannot be stored; nil stores them
	// through the same appender with the default sampling.
	Rejects *ingest.RejectRecorder
}

// Server is the standalone OTLP listeners: gRPC and HTTP, unauthenticated
// like an OpenTelemetry Collector's receivers, storing into one workspace.
type Server struct {
	cfg  Config
	rcv  *Receiver
	grpc *grpc.Server
	http *http.Server
	gln  net.Listener
	hln  net.Listener
	wg   sync.WaitGroup
}

// NewServer returns listeners storing through app.
func NewServer(cfg Config, app store.Appender, log *slog.Logger) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return &Server{cfg: cfg, rcv: NewReceiver(app, cfg.Rejects, log)}
}

// Start opens the configured listeners and serves them in the background.
func (s *Server) Start() error {
	if s.cfg.GRPC != "" {
		ln, err := net.Listen("tcp", s.cfg.GRPC)
		if err != nil {
			return fmt.Errorf("otlp grpc: %w", err)
		}
		s.gln, s.grpc = ln, newGRPCServer(s.rcv, s.cfg.Workspace, s.cfg.MaxBodyBytes, s.cfg.TLSConfig)
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.grpc.Serve(ln) }()
	}
	if s.cfg.HTTP != "" {
		ln, err := net.Listen("tcp", s.cfg.HTTP)
		if err != nil {
			s.Close()
			return fmt.Errorf("otlp http: %w", err)
		}
		mux := http.NewServeMux()
		for _, sig := range Signals {
			mux.HandleFunc(sig.Path(), func(w http.ResponseWriter, r *http.Request) {
				s.rcv.HandleHTTP(w, r, sig, s.cfg.Workspace, int64(s.cfg.MaxBodyBytes), nil)
			})
		}
		s.hln, s.http = ln, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, TLSConfig: s.cfg.TLSConfig}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if s.cfg.TLSConfig != nil {
				// The certificate is in TLSConfig, not in files.
				s.http.ServeTLS(ln, "", "")
				return
			}
			s.http.Serve(ln)
		}()
	}
	return nil
}

// Addrs returns the listeners' addresses (nil when off).
func (s *Server) Addrs() (grpcAddr, httpAddr net.Addr) {
	if s.gln != nil {
		grpcAddr = s.gln.Addr()
	}
	if s.hln != nil {
		httpAddr = s.hln.Addr()
	}
	return grpcAddr, httpAddr
}

// Close stops accepting requests and waits for those in flight, whose
// batches are durable when they are answered.
func (s *Server) Close() error {
	if s.grpc != nil {
		s.grpc.GracefulStop()
	}
	var err error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = s.http.Shutdown(ctx)
	}
	s.wg.Wait()
	return err
}
