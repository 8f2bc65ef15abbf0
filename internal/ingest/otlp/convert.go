package otlp

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"vigil/internal/ingest"
	"vigil/internal/schema"
	"vigil/internal/store"
)

// sourceSystem marks rows that came in over OTLP.
const sourceSystem = "OpenTelemetry"

// The columns each table's rows fill, in row order. The leading columns
// are the same for every table: see resourceInfo.values.
var (
	leadColumns = []schema.Column{
		{Name: "TimeGenerated", Type: schema.DateTime},
		{Name: "OperationId", Type: schema.String}, {Name: "ParentId", Type: schema.String},
		{Name: "AppRoleName", Type: schema.String}, {Name: "AppRoleInstance", Type: schema.String},
		{Name: "AppVersion", Type: schema.String}, {Name: "SDKVersion", Type: schema.String},
		{Name: "SourceSystem", Type: schema.String}, {Name: "ItemCount", Type: schema.Int},
		{Name: "Properties", Type: schema.Dynamic},
	}
	traceColumns = withLead(
		schema.Column{Name: "Message", Type: schema.String}, schema.Column{Name: "SeverityLevel", Type: schema.Int})
	callColumns = []schema.Column{
		{Name: "Id", Type: schema.String}, {Name: "Name", Type: schema.String}, {Name: "OperationName", Type: schema.String},
		{Name: "DurationMs", Type: schema.Real}, {Name: "Success", Type: schema.Bool}, {Name: "ResultCode", Type: schema.String},
	}
	requestColumns    = withLead(append(callColumns[:len(callColumns):len(callColumns)], schema.Column{Name: "Url", Type: schema.String}, schema.Column{Name: "Source", Type: schema.String})...)
	dependencyColumns = withLead(append(callColumns[:len(callColumns):len(callColumns)], schema.Column{Name: "DependencyType", Type: schema.String},
		schema.Column{Name: "Target", Type: schema.String}, schema.Column{Name: "Data", Type: schema.String})...)
	exceptionColumns = withLead(
		schema.Column{Name: "OperationName", Type: schema.String},
		schema.Column{Name: "ExceptionType", Type: schema.String}, schema.Column{Name: "Message", Type: schema.String},
		schema.Column{Name: "OuterType", Type: schema.String}, schema.Column{Name: "OuterMessage", Type: schema.String},
		schema.Column{Name: "InnermostType", Type: schema.String}, schema.Column{Name: "InnermostMessage", Type: schema.String},
		schema.Column{Name: "ProblemId", Type: schema.String}, schema.Column{Name: "SeverityLevel", Type: schema.Int},
		schema.Column{Name: "Details", Type: schema.Dynamic})
	metricColumns = withLead(
		schema.Column{Name: "Name", Type: schema.String}, schema.Column{Name: "Sum", Type: schema.Real},
		schema.Column{Name: "Min", Type: schema.Real}, schema.Column{Name: "Max", Type: schema.Real})
	perfColumns = schema.BuiltinColumns("Perf",
		"TimeGenerated", "Computer", "ObjectName", "CounterName", "InstanceName",
		"CounterPath", "CounterValue", "Min", "Max", "SampleCount", "SourceSystem",
	)
)

func withLead(cols ...schema.Column) []schema.Column {
	return append(leadColumns[:len(leadColumns):len(leadColumns)], cols...)
}

// resourceInfo is what a resource contributes to each of its rows: the
// Application Insights role columns and the resource attributes no column
// took, which join every row's Properties.
type resourceInfo struct {
	role, instance, version, sdk any
	// host is host.name, the Computer of Perf rows.
	host string
	// rest holds the other resource attributes as JSON members.
	rest []member
}

type member struct {
	key   string
	value []byte
}

// Resource attributes that have columns of their own.
const (
	attrServiceName      = "service.name"
	attrServiceNamespace = "service.namespace"
	attrServiceInstance  = "service.instance.id"
	attrServiceVersion   = "service.version"
	attrHostName         = "host.name"
	attrSDKName          = "telemetry.sdk.name"
	attrSDKLanguage      = "telemetry.sdk.language"
	attrSDKVersion       = "telemetry.sdk.version"
)

func newResourceInfo(r *resourcepb.Resource) *resourceInfo {
	var name, ns, instance, host, version, sdkName, sdkLang, sdkVersion string
	info := &resourceInfo{}
	for _, kv := range r.GetAttributes() {
		s := kv.GetValue().GetStringValue()
		switch kv.GetKey() {
		case attrServiceName:
			name = s
		case attrServiceNamespace:
			ns = s
		case attrServiceInstance:
			instance = s
		case attrServiceVersion:
			version = s
		case attrSDKName:
			sdkName = s
		case attrSDKLanguage:
			sdkLang = s
		case attrSDKVersion:
			sdkVersion = s
		default:
			if kv.GetKey() == attrHostName {
				host = s
			}
			info.rest = append(info.rest, member{kv.GetKey(), appendAnyValue(nil, kv.GetValue())})
		}
	}
	// The cloud role is the service, qualified by its namespace as the
	// Azure Monitor OpenTelemetry exporters do; the instance falls back to
	// the host.
	if ns != "" && name != "" {
		name = ns + "." + name
	}
	if instance == "" {
		instance = host
	}
	sdk := sdkLang
	if sdkName != "" {
		sdk = sdkName + "-" + sdkLang
	}
	if sdkVersion != "" {
		sdk += ":" + sdkVersion
	}
	info.role, info.instance, info.version, info.sdk, info.host = orNil(name), orNil(instance), orNil(version), orNil(sdk), host
	return info
}

// lead returns the leading values of a row, in leadColumns' order.
func (ri *resourceInfo) lead(row []any, t time.Time, traceID, parentID any, count int32, props any) []any {
	return append(row, t, traceID, parentID, ri.role, ri.instance, ri.version, ri.sdk, sourceSystem, count, props)
}

// properties returns the item's attributes and then the resource's other
// attributes (those the item does not set itself) as a JSON object, with
// extra members first; nil (null) when there are none.
func (ri *resourceInfo) properties(attrs []*commonpb.KeyValue, extra ...member) any {
	if len(attrs) == 0 && len(ri.rest) == 0 && len(extra) == 0 {
		return nil
	}
	b := make([]byte, 0, 64*(len(attrs)+len(ri.rest)+len(extra)))
	b = append(b, '{')
	add := func(key string, value []byte) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, key)
		b = append(b, ':')
		b = append(b, value...)
	}
	for _, m := range extra {
		add(m.key, m.value)
	}
	if len(attrs) > 0 {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendMembers(b, attrs)
	}
	for _, m := range ri.rest {
		if !hasKey(attrs, m.key) {
			add(m.key, m.value)
		}
	}
	return json.RawMessage(append(b, '}'))
}

func hasKey(attrs []*commonpb.KeyValue, key string) bool {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			return true
		}
	}
	return false
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// id returns an id as lowercase hex, nil when it is absent.
func id(b []byte) any {
	if !present(b) {
		return nil
	}
	return hex.EncodeToString(b)
}

// present reports whether an id is set: not empty nor all zeros, which
// OTLP defines as invalid, that is unset.
func present(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return true
		}
	}
	return false
}

// checkID says what is wrong with an id that should be size bytes long;
// required says whether an absent one is wrong too.
func checkID(what string, b []byte, size int, required bool) string {
	if len(b) != 0 && len(b) != size {
		return fmt.Sprintf("%s is %d bytes, want %d", what, len(b), size)
	}
	if required && id(b) == nil {
		return what + " is missing"
	}
	return ""
}

// timestamp converts Unix nanoseconds; zero gives fallback.
func timestamp(ns uint64, fallback time.Time) (time.Time, string) {
	if ns == 0 {
		return fallback, ""
	}
	if ns > math.MaxInt64 {
		return time.Time{}, fmt.Sprintf("time %d ns is out of range", ns)
	}
	return time.Unix(0, int64(ns)).UTC(), ""
}

// converter accumulates the batches and rejects of one export request.
type converter struct {
	workspace string
	received  time.Time
	raw       []byte
	ctype     string
	batches   map[string]*store.Batch
	order     []string
	rejects   []ingest.Reject
	marshal   func(proto.Message) ([]byte, error)
}

func (c *converter) add(table string, cols []schema.Column, row []any) {
	b := c.batches[table]
	if b == nil {
		b = &store.Batch{Workspace: c.workspace, Table: table, Columns: cols, Raw: c.raw, ContentType: c.ctype, Received: c.received}
		c.batches[table] = b
		c.order = append(c.order, table)
	}
	b.Rows = append(b.Rows, row)
}

// reject records an item that cannot be stored, with where it is in the
// request and its bytes re-encoded in the request's encoding (its exact
// original bytes are not separable from the request's).
func (c *converter) reject(item proto.Message, where, why string) {
	raw, _ := c.marshal(item)
	c.rejects = append(c.rejects, ingest.Reject{Reason: where + ": " + why, Raw: raw})
}

func (c *converter) result() []*store.Batch {
	out := make([]*store.Batch, 0, len(c.order))
	for _, t := range c.order {
		out = append(out, c.batches[t])
	}
	return out
}

// message is a log body as text: a string as it is, anything else as JSON.
func message(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case nil:
		return nil
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	}
	return string(appendAnyValue(nil, v))
}

// severity maps an OTLP severity number to the Application Insights
// levels: TRACE and DEBUG to 0 (verbose), INFO 1, WARN 2, ERROR 3, FATAL 4
// (critical). Unspecified stays null.
func severity(n logspb.SeverityNumber) any {
	if n <= 0 || n > 24 {
		return nil
	}
	return [...]int32{0, 0, 1, 2, 3, 4}[(n-1)/4]
}

// spans maps server and consumer spans to AppRequests, the others to
// AppDependencies, and exception events to AppExceptions.
func (c *converter) spans(req *coltracepb.ExportTraceServiceRequest) {
	for i, rs := range req.GetResourceSpans() {
		ri := newResourceInfo(rs.GetResource())
		for j, ss := range rs.GetScopeSpans() {
			for k, sp := range ss.GetSpans() {
				where := func() string {
					return fmt.Sprintf("resourceSpans[%d].scopeSpans[%d].spans[%d]", i, j, k)
				}
				why := checkID("traceId", sp.GetTraceId(), 16, true) + checkID("spanId", sp.GetSpanId(), 8, true) + checkID("parentSpanId", sp.GetParentSpanId(), 8, false)
				if why != "" {
					c.reject(sp, where(), why)
					continue
				}
				start, why := timestamp(sp.GetStartTimeUnixNano(), time.Time{})
				if why == "" && start.IsZero() {
					why = "startTimeUnixNano is missing"
				}
				if why != "" {
					c.reject(sp, where(), why)
					continue
				}
				end, why := timestamp(sp.GetEndTimeUnixNano(), start)
				if why == "" && end.Before(start) {
					why = "the span ends before it starts"
				}
				if why != "" {
					c.reject(sp, where(), why)
					continue
				}
				c.span(ri, sp, start, end)
			}
		}
	}
}

func (c *converter) span(ri *resourceInfo, sp *tracepb.Span, start, end time.Time) {
	attrs := sp.GetAttributes()
	traceID, spanID := id(sp.GetTraceId()), id(sp.GetSpanId())
	var extra []member
	if sp.GetStatus().GetMessage() != "" {
		extra = append(extra, member{"StatusMessage", appendJSONString(nil, sp.GetStatus().GetMessage())})
	}
	if sp.GetKind() != tracepb.Span_SPAN_KIND_UNSPECIFIED {
		extra = append(extra, member{"SpanKind", appendJSONString(nil, kindName(sp.GetKind()))})
	}
	if links := sp.GetLinks(); len(links) > 0 {
		extra = append(extra, member{"Links", appendLinks(links)})
	}
	row := ri.lead(make([]any, 0, len(dependencyColumns)), start, traceID, id(sp.GetParentSpanId()), 1, ri.properties(attrs, extra...))
	row = append(row, spanID, sp.GetName(), sp.GetName(), float64(end.Sub(start))/float64(time.Millisecond),
		sp.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_ERROR, resultCode(attrs))
	switch sp.GetKind() {
	case tracepb.Span_SPAN_KIND_SERVER, tracepb.Span_SPAN_KIND_CONSUMER:
		c.add("AppRequests", requestColumns, append(row, requestURL(attrs), orNil(str(attrs, "client.address"))))
	default:
		c.add("AppDependencies", dependencyColumns, append(row, dependencyType(sp.GetKind(), attrs), target(attrs), data(sp.GetName(), attrs)))
	}
	for _, ev := range sp.GetEvents() {
		if ev.GetName() != "exception" {
			continue
		}
		t, why := timestamp(ev.GetTimeUnixNano(), start)
		if why != "" {
			t = start
		}
		typ, msg, stack := str(ev.GetAttributes(), "exception.type"), str(ev.GetAttributes(), "exception.message"), str(ev.GetAttributes(), "exception.stacktrace")
		details := []byte(`[{"outerId":"0","id":"1","type":`)
		details = appendJSONString(details, typ)
		details = append(details, `,"message":`...)
		details = appendJSONString(details, msg)
		details = append(details, `,"rawStack":`...)
		details = appendJSONString(details, stack)
		details = append(details, "}]"...)
		problem := typ
		if problem == "" {
			problem = sp.GetName()
		}
		erow := ri.lead(make([]any, 0, len(exceptionColumns)), t, traceID, spanID, 1, ri.properties(ev.GetAttributes()))
		c.add("AppExceptions", exceptionColumns, append(erow, sp.GetName(), orNil(typ), orNil(msg), orNil(typ), orNil(msg), orNil(typ), orNil(msg),
			problem, int32(3), json.RawMessage(details)))
	}
}

func kindName(k tracepb.Span_SpanKind) string {
	switch k {
	case tracepb.Span_SPAN_KIND_INTERNAL:
		return "Internal"
	case tracepb.Span_SPAN_KIND_SERVER:
		return "Server"
	case tracepb.Span_SPAN_KIND_CLIENT:
		return "Client"
	case tracepb.Span_SPAN_KIND_PRODUCER:
		return "Producer"
	case tracepb.Span_SPAN_KIND_CONSUMER:
		return "Consumer"
	}
	return k.String()
}

// attr returns the value of the first of keys the attributes have; the
// semantic conventions renamed several attributes, and senders use both.
func attr(attrs []*commonpb.KeyValue, keys ...string) *commonpb.AnyValue {
	for _, k := range keys {
		for _, kv := range attrs {
			if kv.GetKey() == k {
				return kv.GetValue()
			}
		}
	}
	return nil
}

// str returns the first of keys as text ("" when none is set).
func str(attrs []*commonpb.KeyValue, keys ...string) string {
	return text(attr(attrs, keys...))
}

// text returns a value as text: strings as they are, integers in decimal,
// anything else as JSON ("" for no value).
func text(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case nil:
		return ""
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	}
	return string(appendAnyValue(nil, v))
}

// resultCode is the HTTP status, else the gRPC status code, of a call.
func resultCode(attrs []*commonpb.KeyValue) any {
	return orNil(str(attrs, "http.response.status_code", "http.status_code", "rpc.grpc.status_code"))
}

// requestURL is the URL a server was called with: url.full or the older
// http.url, else put together from scheme, host and target.
func requestURL(attrs []*commonpb.KeyValue) any {
	if u := str(attrs, "url.full", "http.url"); u != "" {
		return u
	}
	path := str(attrs, "url.path", "http.target")
	host := str(attrs, "server.address", "http.host", "net.host.name")
	if path == "" || host == "" {
		return nil
	}
	scheme := str(attrs, "url.scheme", "http.scheme")
	if scheme == "" {
		scheme = "http"
	}
	if port := str(attrs, "server.port", "net.host.port"); port != "" {
		host += ":" + port
	}
	if q := str(attrs, "url.query"); q != "" {
		path += "?" + q
	}
	return scheme + "://" + host + path
}

// dependencyType names the kind of call the way Application Insights
// does: the database, messaging or RPC system, HTTP, or InProc for
// internal spans.
func dependencyType(kind tracepb.Span_SpanKind, attrs []*commonpb.KeyValue) any {
	if s := str(attrs, "db.system.name", "db.system", "messaging.system", "rpc.system"); s != "" {
		return s
	}
	if str(attrs, "http.request.method", "http.method") != "" {
		return "HTTP"
	}
	if kind == tracepb.Span_SPAN_KIND_INTERNAL {
		return "InProc"
	}
	return nil
}

// target is where a dependency call went: the peer service
// (service.peer.name, which newer semantic conventions use in place of
// peer.service), or the server's address and port.
func target(attrs []*commonpb.KeyValue) any {
	if s := str(attrs, "service.peer.name", "peer.service"); s != "" {
		return s
	}
	host := str(attrs, "server.address", "net.peer.name", "net.sock.peer.addr")
	if host == "" {
		return orNil(str(attrs, "db.namespace", "db.name", "messaging.destination.name"))
	}
	if port := str(attrs, "server.port", "net.peer.port"); port != "" {
		host += ":" + port
	}
	return host
}

// data is the command a dependency ran: the full URL or the query text,
// else the span's name.
func data(name string, attrs []*commonpb.KeyValue) any {
	if s := str(attrs, "url.full", "http.url", "db.query.text", "db.statement"); s != "" {
		return s
	}
	return orNil(name)
}

// metrics maps every data point to an AppMetrics row: a gauge's or sum's
// value as Sum, Min and Max of one item; a histogram's or summary's sum,
// count, min and max as they are.
func (c *converter) metrics(req *colmetricspb.ExportMetricsServiceRequest) {
	for i, rm := range req.GetResourceMetrics() {
		ri := newResourceInfo(rm.GetResource())
		for j, sm := range rm.GetScopeMetrics() {
			for k, m := range sm.GetMetrics() {
				where := fmt.Sprintf("resourceMetrics[%d].scopeMetrics[%d].metrics[%d]", i, j, k)
				if m.GetName() == "" {
					c.reject(m, where, "the metric has no name")
					continue
				}
				c.metric(ri, m, where)
			}
		}
	}
}

func (c *converter) metric(ri *resourceInfo, m *metricspb.Metric, where string) {
	var extra []member
	if m.GetUnit() != "" {
		extra = append(extra, member{"Unit", appendJSONString(nil, m.GetUnit())})
	}
	point := func(timeNs uint64, attrs []*commonpb.KeyValue, count uint64, sum, lo, hi any) string {
		t, why := timestamp(timeNs, c.received)
		if why != "" {
			return "timeUnixNano: " + why
		}
		n := int32(min(count, math.MaxInt32))
		if strings.HasPrefix(m.GetName(), hostMetricPrefix) {
			c.add("Perf", perfColumns, perfRow(ri, m.GetName(), t, attrs, n, sum, lo, hi))
			return ""
		}
		row := ri.lead(make([]any, 0, len(metricColumns)), t, nil, nil, n, ri.properties(attrs, extra...))
		c.add("AppMetrics", metricColumns, append(row, m.GetName(), sum, lo, hi))
		return ""
	}
	rejectPoint := func(dp proto.Message, kind string, n int, why string) {
		c.reject(dp, fmt.Sprintf("%s.%s.dataPoints[%d]", where, kind, n), why)
	}
	number := func(kind string, dps []*metricspb.NumberDataPoint) {
		for n, dp := range dps {
			var v float64
			switch x := dp.GetValue().(type) {
			case *metricspb.NumberDataPoint_AsDouble:
				v = x.AsDouble
			case *metricspb.NumberDataPoint_AsInt:
				v = float64(x.AsInt)
			default:
				rejectPoint(dp, kind, n, "the data point has no value")
				continue
			}
			if why := point(dp.GetTimeUnixNano(), dp.GetAttributes(), 1, v, v, v); why != "" {
				rejectPoint(dp, kind, n, why)
			}
		}
	}
	switch d := m.GetData().(type) {
	case *metricspb.Metric_Gauge:
		number("gauge", d.Gauge.GetDataPoints())
	case *metricspb.Metric_Sum:
		number("sum", d.Sum.GetDataPoints())
	case *metricspb.Metric_Histogram:
		for n, dp := range d.Histogram.GetDataPoints() {
			if why := point(dp.GetTimeUnixNano(), dp.GetAttributes(), dp.GetCount(), optional(dp.Sum), optional(dp.Min), optional(dp.Max)); why != "" {
				rejectPoint(dp, "histogram", n, why)
			}
		}
	case *metricspb.Metric_ExponentialHistogram:
		for n, dp := range d.ExponentialHistogram.GetDataPoints() {
			if why := point(dp.GetTimeUnixNano(), dp.GetAttributes(), dp.GetCount(), optional(dp.Sum), optional(dp.Min), optional(dp.Max)); why != "" {
				rejectPoint(dp, "exponentialHistogram", n, why)
			}
		}
	case *metricspb.Metric_Summary:
		for n, dp := range d.Summary.GetDataPoints() {
			var lo, hi any
			for _, q := range dp.GetQuantileValues() {
				switch q.GetQuantile() {
				case 0:
					lo = q.GetValue()
				case 1:
					hi = q.GetValue()
				}
			}
			if why := point(dp.GetTimeUnixNano(), dp.GetAttributes(), dp.GetCount(), dp.GetSum(), lo, hi); why != "" {
				rejectPoint(dp, "summary", n, why)
			}
		}
	default:
		c.reject(m, where, "the metric has no data (gauge, sum, histogram, exponentialHistogram or summary)")
	}
}

func optional(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// hostMetricPrefix starts the names of host metrics (the Collector's
// hostmetrics receiver: system.cpu.time, system.memory.usage, ...), which
// go to Perf rather than AppMetrics.
const hostMetricPrefix = "system."

// perfRow maps a host metric's data point to Perf: the metric's
// namespace (system.cpu for system.cpu.time) is the object, its name the
// counter, the point's attribute values joined by "/" the instance
// (cpu0/user; _Total when it has none). An aggregated point's value is
// its average.
func perfRow(ri *resourceInfo, name string, t time.Time, attrs []*commonpb.KeyValue, count int32, sum, lo, hi any) []any {
	object := name
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		object = name[:i]
	}
	instance := "_Total"
	if len(attrs) > 0 {
		var b strings.Builder
		for i, kv := range attrs {
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString(text(kv.GetValue()))
		}
		instance = b.String()
	}
	value := sum
	if s, ok := sum.(float64); ok && count > 1 {
		value = s / float64(count)
	}
	path := `\\` + ri.host + `\` + object + "(" + instance + `)\` + name
	return []any{t, orNil(ri.host), object, name, instance, path, value, lo, hi, count, sourceSystem}
}

// appendLinks writes a span's links as a JSON array of their trace and
// span ids (hex) and attributes: the spans it is causally related to
// outside its parent, such as the messages a batch consumer processed.
func appendLinks(links []*tracepb.Span_Link) []byte {
	b := []byte{'['}
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"traceId":"`...)
		b = hex.AppendEncode(b, l.GetTraceId())
		b = append(b, `","spanId":"`...)
		b = hex.AppendEncode(b, l.GetSpanId())
		b = append(b, '"')
		if attrs := l.GetAttributes(); len(attrs) > 0 {
			b = append(b, `,"attributes":{`...)
			b = appendMembers(b, attrs)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
