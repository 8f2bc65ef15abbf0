// Package storagelog parses the Storage Analytics log format (versions 1.0
// and 2.0), the semicolon-delimited files a storage account writes to its
// $logs container, into the StorageBlobLogs, StorageQueueLogs,
// StorageTableLogs and StorageFileLogs tables.
package storagelog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"strings"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/schema"
	"vigil/internal/store"
)

// Field positions of a log entry, as the format documents them. Version
// 2.0 appends the OAuth fields after client-request-id.
const (
	fVersion = iota
	fRequestStart
	fOperation
	fRequestStatus
	fHTTPStatus
	fEndToEndLatency
	fServerLatency
	fAuthType
	fRequesterAccount
	fOwnerAccount
	fServiceType
	fRequestURL
	fObjectKey
	fRequestID
	fOperationCount
	fRequesterIP
	fRequestVersion
	fRequestHeaderSize
	fRequestPacketSize
	fResponseHeaderSize
	fResponsePacketSize
	fRequestContentLength
	fRequestMD5
	fServerMD5
	fETag
	fLastModified
	fConditions
	fUserAgent
	fReferrer
	fClientRequestID
	v1Fields // the number of fields of a version 1.0 entry

	fUserObjectID = iota - 1
	fTenantID
	fApplicationID
	fAudience
	fIssuer
	fUPN
	fReserved
	fAuthorizationDetail
	v2Fields // the number of fields of a version 2.0 entry
)

// columns are the table columns an entry fills, in the order of row.
var columns = schema.BuiltinColumns("StorageBlobLogs",
	"TimeGenerated", "SchemaVersion", "OperationName", "StatusText", "StatusCode",
	"DurationMs", "ServerLatencyMs", "AuthenticationType", "AccountName", "ServiceType",
	"Uri", "ObjectKey", "CorrelationId", "OperationCount", "CallerIpAddress",
	"OperationVersion", "RequestHeaderSize", "RequestBodySize", "ResponseHeaderSize",
	"ResponseBodySize", "ContentLengthHeader", "RequestMd5", "ResponseMd5", "Etag",
	"LastModifiedTime", "ConditionsUsed", "UserAgentHeader", "ReferrerHeader",
	"ClientRequestId", "Category", "Protocol", "RequesterObjectId", "RequesterTenantId",
	"RequesterAppId", "RequesterAudience", "RequesterTokenIssuer", "RequesterUpn",
	"AuthorizationDetails",
)

// tables maps a log's service type to the table its entries go to.
var tables = map[string]string{
	"blob": "StorageBlobLogs", "queue": "StorageQueueLogs", "table": "StorageTableLogs", "file": "StorageFileLogs",
}

// authTypes maps the format's authentication types to the names the
// resource log tables use, so one query covers both sources.
var authTypes = map[string]string{
	"authenticated": "AccountKey", "sas": "SAS", "anonymous": "Anonymous", "bearer": "OAuth",
}

// Split splits one log entry into its fields. Fields are separated by
// ';'. A field that starts with '"' is quoted and runs to the next '"'
// that ends the entry or is followed by ';': the documented samples quote
// ETags that are themselves quoted (""0x8D..."") and JSON with unescaped
// quotes that way. Quoted fields are HTML-encoded (the format's escape
// for quotes, semicolons and newlines) and are decoded.
func Split(entry string) ([]string, error) {
	fields := make([]string, 0, v2Fields)
	for i := 0; ; {
		if i < len(entry) && entry[i] == '"' {
			end := -1
			for j := i + 1; j < len(entry); j++ {
				if entry[j] == '"' && (j+1 == len(entry) || entry[j+1] == ';') {
					end = j
					break
				}
			}
			if end < 0 {
				return nil, fmt.Errorf("field %d: quoted value not closed", len(fields)+1)
			}
			fields = append(fields, html.UnescapeString(entry[i+1:end]))
			i = end + 1
		} else {
			j := strings.IndexByte(entry[i:], ';')
			if j < 0 {
				j = len(entry) - i
			}
			fields = append(fields, entry[i:i+j])
			i += j
		}
		if i >= len(entry) {
			return fields, nil
		}
		i++ // the ';'
	}
}

// Entry maps one log entry (a line without its newline) to the table it
// belongs in and its row, in the order of the package's columns.
func Entry(entry string) (table string, row []any, err error) {
	f, err := Split(entry)
	if err != nil {
		return "", nil, err
	}
	switch f[fVersion] {
	case "1.0":
		if len(f) < v1Fields {
			return "", nil, fmt.Errorf("version 1.0 entry has %d fields, want %d", len(f), v1Fields)
		}
	case "2.0":
		if len(f) < v2Fields {
			return "", nil, fmt.Errorf("version 2.0 entry has %d fields, want %d", len(f), v2Fields)
		}
	default:
		return "", nil, fmt.Errorf("version %q is not 1.0 or 2.0", clip(f[fVersion]))
	}
	table, ok := tables[f[fServiceType]]
	if !ok {
		return "", nil, fmt.Errorf("service-type %q is not blob, queue, table or file", clip(f[fServiceType]))
	}
	var p fieldParser
	start := p.time(f, fRequestStart, "request-start-time", time.RFC3339Nano)
	e2e := p.number(f, fEndToEndLatency, "end-to-end-latency-in-ms", schema.Real)
	server := p.number(f, fServerLatency, "server-latency-in-ms", schema.Real)
	opCount := p.number(f, fOperationCount, "operation-count", schema.Int)
	reqHeader := p.number(f, fRequestHeaderSize, "request-header-size", schema.Long)
	reqBody := p.number(f, fRequestPacketSize, "request-packet-size", schema.Long)
	respHeader := p.number(f, fResponseHeaderSize, "response-header-size", schema.Long)
	respBody := p.number(f, fResponsePacketSize, "response-packet-size", schema.Long)
	contentLength := p.number(f, fRequestContentLength, "request-content-length", schema.Long)
	lastModified := p.time(f, fLastModified, "last-modified-time", time.RFC850, time.RFC1123, time.RFC3339Nano)
	if p.err != nil {
		return "", nil, p.err
	}
	if start == nil {
		return "", nil, errors.New("request-start-time is empty")
	}
	auth := f[fAuthType]
	if a, ok := authTypes[auth]; ok {
		auth = a
	}
	v2 := make([]any, 7)
	if f[fVersion] == "2.0" {
		for i, k := range []int{fUserObjectID, fTenantID, fApplicationID, fAudience, fIssuer, fUPN} {
			v2[i] = text(f[k])
		}
		v2[6] = authorizationDetails(f[fAuthorizationDetail])
	}
	row = []any{start, f[fVersion], text(f[fOperation]), text(f[fRequestStatus]), text(f[fHTTPStatus]), e2e, server,
		text(auth), text(f[fOwnerAccount]), f[fServiceType], text(f[fRequestURL]), text(f[fObjectKey]),
		text(f[fRequestID]), opCount, callerIP(f[fRequesterIP]), text(f[fRequestVersion]),
		reqHeader, reqBody, respHeader, respBody, contentLength,
		text(f[fRequestMD5]), text(f[fServerMD5]), text(f[fETag]), lastModified, text(f[fConditions]),
		text(f[fUserAgent]), text(f[fReferrer]), text(f[fClientRequestID]), category(f[fOperation]), protocol(f[fRequestURL])}
	return table, append(row, v2...), nil
}

// fieldParser converts typed fields, keeping the first error so the
// caller checks once.
type fieldParser struct{ err error }

// number returns field k as a value of type t, or nil when it is empty.
func (p *fieldParser) number(f []string, k int, name string, t schema.Type) any {
	if f[k] == "" || p.err != nil {
		return nil
	}
	v, err := schema.Convert(t, f[k])
	if err != nil {
		p.err = fmt.Errorf("%s %q is not a number", name, clip(f[k]))
	}
	return v
}

// time returns field k parsed with the first layout that fits, or nil
// when it is empty.
func (p *fieldParser) time(f []string, k int, name string, layouts ...string) any {
	if f[k] == "" || p.err != nil {
		return nil
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, f[k]); err == nil {
			return t.UTC().Truncate(time.Microsecond)
		}
	}
	p.err = fmt.Errorf("%s %q is not a time", name, clip(f[k]))
	return nil
}

// text is s, or nil (null) for an empty field.
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// callerIP drops the port from "address:port" ("[v6]:port" for IPv6).
func callerIP(s string) any {
	if host, _, err := net.SplitHostPort(s); err == nil {
		return host
	}
	return text(s)
}

// category classifies an operation the way the resource log tables do:
// reads, deletes, and everything else as writes.
func category(op string) any {
	switch {
	case op == "":
		return nil
	case strings.HasPrefix(op, "Delete") || strings.HasPrefix(op, "Clear"):
		return "StorageDelete"
	case strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Query") ||
		strings.HasPrefix(op, "Peek") || strings.HasSuffix(op, "Source"):
		return "StorageRead"
	}
	return "StorageWrite"
}

// protocol is the request URL's scheme, upper-cased.
func protocol(url string) any {
	if i := strings.Index(url, "://"); i > 0 {
		return strings.ToUpper(url[:i])
	}
	return nil
}

// authorizationDetails keeps the JSON policy details as dynamic, or the
// text as a JSON string when it is not JSON.
func authorizationDetails(s string) any {
	if s == "" {
		return nil
	}
	if v, err := schema.Convert(schema.Dynamic, json.RawMessage(s)); err == nil {
		return v
	}
	v, _ := schema.Convert(schema.Dynamic, s)
	return v
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// ContentType is the content type of this format's batches, whose
// original bytes are their entries' lines: deep verification finds the
// format by it to parse them again.
const ContentType = "text/vnd.vigil.storage-analytics-log"

// Format is the "storage-analytics" ingestion format: the contents of
// $logs blobs, one entry per line.
type Format struct{}

// Name implements ingest.Format.
func (Format) Name() string { return "storage-analytics" }

// Parse implements ingest.Format: one batch per destination table, each
// with its own lines as original bytes; a line that does not parse is a
// reject and costs no other line its place.
func (Format) Parse(workspace string, raw []byte, received time.Time) ([]*store.Batch, []ingest.Reject, error) {
	var out []*store.Batch
	byTable := map[string]*store.Batch{}
	var rejects []ingest.Reject
	for off := 0; off < len(raw); {
		end := bytes.IndexByte(raw[off:], '\n')
		if end < 0 {
			end = len(raw) - off
		}
		line := raw[off : off+end]
		next := off + end + 1
		entry := strings.TrimRight(string(line), "\r")
		if strings.TrimSpace(entry) != "" {
			table, row, err := Entry(entry)
			if err != nil {
				rejects = append(rejects, ingest.Reject{Reason: err.Error(), Raw: line, Offset: off})
			} else {
				b := byTable[table]
				if b == nil {
					b = &store.Batch{Workspace: workspace, Table: table, Columns: columns, ContentType: ContentType, Received: received}
					byTable[table] = b
					out = append(out, b)
				}
				b.Rows = append(b.Rows, row)
				b.Raw = append(append(b.Raw, line...), '\n')
			}
		}
		off = next
	}
	if len(out) == 0 && len(rejects) == 0 {
		return nil, nil, errors.New("no storage analytics log entries in the input")
	}
	return out, rejects, nil
}

func init() { ingest.Register(Format{}) }
