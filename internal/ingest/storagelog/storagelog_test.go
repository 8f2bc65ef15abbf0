package storagelog

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/ingest/ingesttest"
)

var received = time.Date(2024, 5, 6, 8, 0, 0, 0, time.UTC)

func TestSplit(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`a;;b`, []string{"a", "", "b"}},
		{`;`, []string{"", ""}},
		{`"x;y";z`, []string{"x;y", "z"}},
		{`""0x8D1"";Thu`, []string{`"0x8D1"`, "Thu"}},
		{`"[{"a":"b"}]"`, []string{`[{"a":"b"}]`}},
		{`"a &quot;b&quot;&#59; c";d`, []string{`a "b"; c`, "d"}},
		{`"https://h/p?a=1&amp;b=2"`, []string{"https://h/p?a=1&b=2"}},
		{`a;""`, []string{"a", ""}},
	}
	for _, c := range cases {
		got, err := Split(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%s) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := Split(`a;"open;b`); err == nil || !strings.Contains(err.Error(), "field 2") {
		t.Errorf("unclosed quote: %v", err)
	}
}

// TestFormat parses entries written from the documented format, stores
// them in a real store and checks every mapped column read back through
// DuckDB; the bad lines among them are rejects with their offsets.
func TestFormat(t *testing.T) {
	raw, err := os.ReadFile("testdata/sample.log")
	if err != nil {
		t.Fatal(err)
	}
	f, ok := ingest.Lookup("storage-analytics")
	if !ok {
		t.Fatal("storage-analytics is not registered")
	}
	batches, rejects, err := f.Parse("ws1", raw, received)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	if len(rejects) != 2 {
		t.Fatalf("rejects: %+v", rejects)
	}
	for i, want := range []struct {
		line   int
		reason string
	}{{2, `request-start-time "yesterday" is not a time`}, {5, `version "3.0" is not 1.0 or 2.0`}} {
		r := rejects[i]
		if r.Reason != want.reason || string(r.Raw) != strings.TrimSuffix(lines[want.line], "\n") ||
			r.Offset != len(strings.Join(lines[:want.line], "")) {
			t.Errorf("reject %d: %+v", i, r)
		}
	}
	tables := map[string]int{}
	var kept []byte
	for _, b := range batches {
		tables[b.Table] = len(b.Rows)
		kept = append(kept, b.Raw...)
	}
	if !reflect.DeepEqual(tables, map[string]int{"StorageBlobLogs": 3, "StorageQueueLogs": 1, "StorageTableLogs": 1}) {
		t.Fatalf("tables: %v", tables)
	}
	for _, i := range []int{0, 1, 3, 4, 6} {
		if !bytes.Contains(kept, []byte(strings.TrimRight(lines[i], "\r\n"))) {
			t.Errorf("line %d is not among the batches' original bytes", i)
		}
	}

	st := ingesttest.Store(t, batches...)
	blobs := ingesttest.Rows(t, st, "ws1", "StorageBlobLogs", "true", "TimeGenerated")
	if len(blobs) != 3 {
		t.Fatalf("%d blob rows", len(blobs))
	}
	ingesttest.Check(t, "anonymous GetBlob", blobs[0], map[string]string{
		"TimeGenerated": "2024-05-06T07:08:09.123456Z", "SchemaVersion": "1.0", "OperationName": "GetBlob",
		"StatusText": "AnonymousSuccess", "StatusCode": "200", "DurationMs": "18", "ServerLatencyMs": "15",
		"AuthenticationType": "Anonymous", "AccountName": "vigilsample", "ServiceType": "blob",
		"Uri": "https://vigilsample.blob.core.windows.net/public/report.txt", "ObjectKey": "/vigilsample/public/report.txt",
		"CorrelationId": "7c6a9a1e-301e-0042-5e2b-9b4c16000000", "OperationCount": "0", "CallerIpAddress": "203.0.113.7",
		"OperationVersion": "2021-08-06", "RequestHeaderSize": "290", "RequestBodySize": "0", "ResponseHeaderSize": "360",
		"ResponseBodySize": "1024", "ContentLengthHeader": "0", "Etag": `"0x8DC6D1F2A3B4C5D"`,
		"LastModifiedTime": "2024-05-06T07:00:00Z", "UserAgentHeader": "curl/8.5.0",
		"ClientRequestId": "9f1c2e4a-0b6d-4e55-8a77-1d2e3f4a5b6c", "Category": "StorageRead", "Protocol": "HTTPS",
		"Type": "StorageBlobLogs",
	})
	for _, col := range []string{"RequestMd5", "ResponseMd5", "ConditionsUsed", "ReferrerHeader", "RequesterObjectId", "AuthorizationDetails"} {
		if v, ok := blobs[0][col]; ok {
			t.Errorf("empty field gave %s = %q, want null", col, v)
		}
	}
	ingesttest.Check(t, "PutBlob", blobs[1], map[string]string{
		"TimeGenerated": "2024-05-06T07:10:00.5Z", "OperationName": "PutBlob", "StatusText": "Success", "StatusCode": "201",
		"AuthenticationType": "AccountKey", "Uri": "https://vigilsample.blob.core.windows.net/backups/db.bak?timeout=30",
		"CallerIpAddress": "198.51.100.20", "RequestBodySize": "4096", "ContentLengthHeader": "4096",
		"RequestMd5": "Q2hlY2sgSW50ZWdyaXR5IQ==", "ResponseMd5": "Q2hlY2sgSW50ZWdyaXR5IQ==", "Etag": `"0x8DC6D1F2A3B4C6E"`,
		"ConditionsUsed": "If-None-Match=*", "UserAgentHeader": "azsdk-go-azblob/v1.3.0 (go1.22; linux)",
		"ReferrerHeader": "https://portal.example.com/", "Category": "StorageWrite",
	})
	ingesttest.Check(t, "version 2.0 ListBlobs", blobs[2], map[string]string{
		"SchemaVersion": "2.0", "OperationName": "ListBlobs", "StatusText": "OAuthSuccess", "AuthenticationType": "OAuth",
		"Uri":               "https://vigilsample.blob.core.windows.net/logs?restype=container&comp=list",
		"RequesterObjectId": "e5981635-dcf0-4279-ab7b-ca1cbdf4a5c7", "RequesterTenantId": "11111111-2222-3333-4444-555555555555",
		"RequesterAppId": "691458b9-1327-4635-9f55-ed83a7f1b41c", "RequesterAudience": "https://storage.azure.com/",
		"RequesterTokenIssuer": "https://sts.windows.net/11111111-2222-3333-4444-555555555555/", "RequesterUpn": "alice@example.com",
		"AuthorizationDetails": `[{"action":"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read","principalId":"e5981635-dcf0-4279-ab7b-ca1cbdf4a5c7","principalType":"User"}]`,
	})
	queue := ingesttest.Rows(t, st, "ws1", "StorageQueueLogs", "true", "TimeGenerated")
	if len(queue) != 1 {
		t.Fatalf("%d queue rows", len(queue))
	}
	ingesttest.Check(t, "SAS PutMessage", queue[0], map[string]string{
		"OperationName": "PutMessage", "AuthenticationType": "SAS", "ServiceType": "queue", "CallerIpAddress": "2001:db8::5",
		"Uri": "https://vigilsample.queue.core.windows.net/jobs/messages?sv=2022-11-02&sig=REDACTED", "Category": "StorageWrite",
	})
	tbl := ingesttest.Rows(t, st, "ws1", "StorageTableLogs", "true", "TimeGenerated")
	if len(tbl) != 1 {
		t.Fatalf("%d table rows", len(tbl))
	}
	ingesttest.Check(t, "interrupted QueryEntities", tbl[0], map[string]string{
		"StatusCode": "Unknown", "StatusText": "NetworkError", "DurationMs": "30000", "ServerLatencyMs": "29990",
		"ConditionsUsed": `If-Match="W/1"`, "UserAgentHeader": `ops "tool"; v2`, "Category": "StorageRead",
	})
	if _, ok := tbl[0]["RequestBodySize"]; ok {
		t.Error("an empty size is not null")
	}
}

func TestEntryErrors(t *testing.T) {
	raw, err := os.ReadFile("testdata/sample.log")
	if err != nil {
		t.Fatal(err)
	}
	good, err := Split(strings.SplitN(string(raw), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(f []string) []string{
		"version 1.0 entry has 29 fields, want 30":             func(f []string) []string { return f[:29] },
		"version 2.0 entry has 30 fields, want 38":             func(f []string) []string { f[fVersion] = "2.0"; return f },
		`service-type "dfs" is not blob, queue, table or file`: func(f []string) []string { f[fServiceType] = "dfs"; return f },
		`end-to-end-latency-in-ms "x" is not a number`:         func(f []string) []string { f[fEndToEndLatency] = "x"; return f },
		`operation-count "1.5" is not a number`:                func(f []string) []string { f[fOperationCount] = "1.5"; return f },
		"request-start-time is empty":                          func(f []string) []string { f[fRequestStart] = ""; return f },
		`last-modified-time "Tomorrow" is not a time`:          func(f []string) []string { f[fLastModified] = "Tomorrow"; return f },
	}
	for want, edit := range cases {
		f := edit(append([]string(nil), good...))
		if _, _, err := Entry(strings.Join(f, ";")); err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}

func TestEmptyInput(t *testing.T) {
	if _, _, err := (Format{}).Parse("ws1", []byte("\n\r\n  \n"), received); err == nil {
		t.Fatal("blank input accepted")
	}
}

func FuzzEntry(f *testing.F) {
	raw, err := os.ReadFile("testdata/sample.log")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f.Add(line)
	}
	f.Add(`"`)
	f.Add(`;;"";"a"b";`)
	f.Fuzz(func(t *testing.T, entry string) {
		table, row, err := Entry(entry)
		if err != nil {
			return
		}
		if table == "" || len(row) != len(columns) || row[0] == nil {
			t.Fatalf("accepted %q as table %q with %d values", entry, table, len(row))
		}
	})
}

// FuzzFormat: whatever the input, each line is a row or a reject whose
// bytes are the input's at its offset.
func FuzzFormat(f *testing.F) {
	raw, err := os.ReadFile("testdata/sample.log")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte("\r\n1.0;\n\n\"\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		batches, rejects, err := (Format{}).Parse("ws1", raw, received)
		if err != nil {
			return
		}
		rows := 0
		for _, b := range batches {
			rows += len(b.Rows)
		}
		for _, r := range rejects {
			if r.Offset < 0 || r.Offset+len(r.Raw) > len(raw) || !bytes.Equal(raw[r.Offset:r.Offset+len(r.Raw)], r.Raw) {
				t.Fatalf("reject %q at %d is not the input's bytes there", r.Raw, r.Offset)
			}
		}
		if rows+len(rejects) == 0 {
			t.Fatal("input accepted with neither rows nor rejects")
		}
	})
}

func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile("testdata/sample.log")
	if err != nil {
		b.Fatal(err)
	}
	var good []byte
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if _, _, err := Entry(strings.TrimRight(string(line), "\r\n")); err == nil {
			good = append(good, line...)
		}
	}
	body := bytes.Repeat(good, 1000)
	entries := 1000 * bytes.Count(good, []byte("\n"))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := (Format{}).Parse("ws1", body, received); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
