package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestAzureRecords: `vigil ingest --format azure-records` sends an
// NSG flow log blob larger than one request, a pretty-printed records
// document, to a running server, cut between records, and a file of JSON
// lines with a bad line; an event hub consumer pushes a gzipped body over
// HTTP. Every flow tuple and good record comes back from KQL, and the bad
// line is reported.
func TestIngestAzureRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	dir := t.TempDir()
	srv, url := startServer(t, dir)
	defer srv.Process.Kill()

	const records, tuples = 1600, 25
	var doc strings.Builder
	doc.WriteString("{\n  \"records\": [\n")
	for r := range records {
		if r > 0 {
			doc.WriteString(",\n")
		}
		fmt.Fprintf(&doc, "    {\n      \"time\": \"2026-03-02T11:%02d:00.0000000Z\",\n      \"systemId\": \"e8f4b1a2-3c4d-4e5f-8a9b-0c1d2e3f4a5b\",\n      \"category\": \"NetworkSecurityGroupFlowEvent\",\n      \"resourceId\": \"/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG%d\",\n      \"operationName\": \"NetworkSecurityGroupFlowEvents\",\n      \"properties\": {\n        \"Version\": 2,\n        \"flows\": [\n          {\n            \"rule\": \"DefaultRule_AllowInternetOutBound\",\n            \"flows\": [\n              {\n                \"mac\": \"000D3AF87856\",\n                \"flowTuples\": [\n", r%60, r%7)
		for i := range tuples {
			sep := ","
			if i == tuples-1 {
				sep = ""
			}
			fmt.Fprintf(&doc, "                  \"%d,10.2.%d.%d,13.107.4.50,%d,443,T,O,A,C,3,100,2,50\"%s\n", 1772449200+r, r%250, i+1, 40000+i, sep)
		}
		doc.WriteString("                ]\n              }\n            ]\n          }\n        ]\n      }\n    }")
	}
	doc.WriteString("\n  ]\n}\n")
	if doc.Len() <= ingestChunkBytes {
		t.Fatalf("the flow log blob has %d bytes, not more than one request's %d", doc.Len(), ingestChunkBytes)
	}
	blob := filepath.Join(t.TempDir(), "PT1H.json")
	os.WriteFile(blob, []byte(doc.String()), 0o644)
	out, err := vigil(t, "ingest", "--url", url, "--key", testKey, "--format", "azure-records", blob)
	if want := fmt.Sprintf("sent %d records to AzureNetworkFlows", records*tuples); err != nil || !strings.Contains(out, want) {
		t.Fatalf("ingest of the flow log blob: %v\n%s", err, out)
	}
	out, err = vigil(t, "query", "--url", url, "--key", testKey, "--format", "csv", "AzureNetworkFlows | summarize rows = count(), nsgs = dcount(TargetResourceId), bytes = sum(BytesSrcToDest + BytesDestToSrc)")
	if want := fmt.Sprintf("rows,nsgs,bytes\n%d,7,%d\n", records*tuples, records*tuples*150); err != nil || out != want {
		t.Fatalf("flow rows: %v\n%q, want %q", err, out, want)
	}

	// An event hub consumer's push: one event body, gzipped.
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	zw.Write([]byte(`{"records":[{"time":"2026-03-02T12:30:00Z","resourceId":"/tenants/t1/providers/Microsoft.aadiam","operationName":"Sign-in activity","category":"SignInLogs","resultType":"50126","properties":{"userPrincipalName":"mallory@example.com","ipAddress":"198.51.100.66","status":{"errorCode":50126}}}]}`))
	zw.Close()
	req, _ := http.NewRequest("POST", url+"/v1/workspaces/default/ingest?format=azure-records", &body)
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(answer) != `{"tables":{"SigninLogs":1},"rejected":0}`+"\n" {
		t.Fatalf("push: %d %s", resp.StatusCode, answer)
	}
	out, err = vigil(t, "query", "--url", url, "--key", testKey, "--format", "csv", "SigninLogs | project UserPrincipalName, IPAddress, ResultType, code = toint(Status.errorCode)")
	if want := "UserPrincipalName,IPAddress,ResultType,code\nmallory@example.com,198.51.100.66,50126,50126\n"; err != nil || out != want {
		t.Fatalf("pushed sign-in: %v\n%q, want %q", err, out, want)
	}

	lines := filepath.Join(t.TempDir(), "insights-logs.json")
	os.WriteFile(lines, []byte(`{"time":"2026-03-02T12:00:00Z","category":"AuditEvent","operationName":"SecretGet","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","properties":{"clientInfo":"cli","httpStatusCode":200}}
{"time":"2026-03-02T12:00:01Z","category":
{"time":"2026-03-02T12:00:02Z","category":"Administrative","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","resultType":"Success","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM1","identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"ops@example.com"}}}
`), 0o644)
	out, err = vigil(t, "ingest", "--url", url, "--key", testKey, "--format", "azure-records", lines)
	if err == nil || !strings.Contains(out, "rejected at byte 228: line 2 is not valid JSON") || !strings.Contains(out, "sent 1 records to AzureDiagnostics") || !strings.Contains(out, "sent 1 records to AzureActivity") {
		t.Fatalf("ingest of JSON lines with a bad line: %v\n%s", err, out)
	}
	out, err = vigil(t, "query", "--url", url, "--key", testKey, "--format", "csv", "union AzureDiagnostics, AzureActivity | project Type, Resource, OperationName, clientInfo_s, httpStatusCode_d, Caller | order by Type asc")
	if want := "Type,Resource,OperationName,clientInfo_s,httpStatusCode_d,Caller\nAzureActivity,VM1,MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,,,ops@example.com\nAzureDiagnostics,KV1,SecretGet,cli,200,\n"; err != nil || out != want {
		t.Fatalf("routed records: %v\n%q, want %q", err, out, want)
	}
	out, err = vigil(t, "query", "--url", url, "--key", testKey, "--format", "csv", "VigilIngestionErrors | project Format, Offset, Reason")
	if err != nil || !strings.Contains(out, "azure-records,228,line 2 is not valid JSON") {
		t.Fatalf("the rejected line in VigilIngestionErrors: %v\n%s", err, out)
	}
}
