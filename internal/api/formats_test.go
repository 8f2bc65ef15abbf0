package api

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"vigil/internal/auth"
)

// TestWindowsAndStorageFormats sends the Windows event and storage log
// samples through the format ingestion endpoint and asks the questions
// detections ask of SecurityEvent, Event and StorageBlobLogs through the
// query API.
func TestWindowsAndStorageFormats(t *testing.T) {
	f := newFixture(t)
	send := func(format, file, want string) {
		t.Helper()
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		code, body := f.do(t, "POST", "/v1/workspaces/default/ingest?format="+format, f.keys[auth.Ingestor], raw)
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("%s: %d %s", file, code, body)
		}
	}
	send("windows-xml", "../ingest/winevent/testdata/security.xml", `"tables":{"SecurityEvent":4},"rejected":0`)
	send("windows-xml", "../ingest/winevent/testdata/system.xml", `"tables":{"Event":3},"rejected":3`)
	send("storage-analytics", "../ingest/storagelog/testdata/sample.log", `"tables":{"StorageBlobLogs":3,"StorageQueueLogs":1,"StorageTableLogs":1},"rejected":2`)

	for _, c := range []struct{ query, rows string }{
		{`SecurityEvent | where EventID == 4625 | summarize Failures = count() by Account, IpAddress`, `[["administrator","203.0.113.66",1]]`},
		{`SecurityEvent | where EventID == 4624 and LogonType == 10 | project Account, AccountType, IpAddress, LogonTypeName`, `[["CORP\\alice","User","198.51.100.23","10 - RemoteInteractive"]]`},
		{`SecurityEvent | where Activity startswith "1102" | project Computer, SubjectUserName`, `[["dc01.corp.example.com","Administrator"]]`},
		{`SecurityEvent | where CommandLine has "whoami" | project Account, NewProcessName`, `[["CORP\\bob","C:\\Windows\\System32\\cmd.exe"]]`},
		{`Event | where EventLevelName in ("Error", "Critical") | order by EventID asc | project EventID, Source`, `[[41,null],[1000,"Application Error"]]`},
		{`StorageBlobLogs | where AuthenticationType == "Anonymous" | project OperationName, CallerIpAddress, Uri`, `[["GetBlob","203.0.113.7","https://vigilsample.blob.core.windows.net/public/report.txt"]]`},
		{`union StorageBlobLogs, StorageQueueLogs, StorageTableLogs | summarize count() by Category | order by Category asc`, `[["StorageRead",3],["StorageWrite",2]]`},
	} {
		q, _ := json.Marshal(map[string]string{"query": c.query})
		code, body := f.do(t, "POST", "/v1/workspaces/default/query", f.keys[auth.Reader], q, "Content-Type", "application/json")
		var resp QueryResponse
		if code != 200 || json.Unmarshal([]byte(body), &resp) != nil {
			t.Errorf("%s: %d %s", c.query, code, body)
			continue
		}
		if got, _ := json.Marshal(resp.Tables[0].Rows); string(got) != c.rows {
			t.Errorf("%s:\n got %s\nwant %s", c.query, got, c.rows)
		}
	}
}
