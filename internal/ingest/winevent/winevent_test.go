package winevent

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"vigil/internal/ingest"
	"vigil/internal/ingest/ingesttest"
	"vigil/internal/store"
)

var received = time.Date(2024, 5, 6, 8, 0, 0, 0, time.UTC)

func parseFile(t *testing.T, name string) ([]byte, []*store.Batch, []ingest.Reject) {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := ingest.Lookup("windows-xml")
	if !ok {
		t.Fatal("windows-xml is not registered")
	}
	batches, rejects, err := f.Parse("ws1", raw, received)
	if err != nil {
		t.Fatal(err)
	}
	return raw, batches, rejects
}

// TestSecurityEvents parses Security channel events written from the
// documented event schema inside an <Events> wrapper, stores them in a
// real store and checks every mapped column read back through DuckDB.
func TestSecurityEvents(t *testing.T) {
	raw, batches, rejects := parseFile(t, "testdata/security.xml")
	if len(rejects) != 0 || len(batches) != 1 || batches[0].Table != "SecurityEvent" || len(batches[0].Rows) != 4 {
		t.Fatalf("%d batches, rejects %+v", len(batches), rejects)
	}
	if n := bytes.Count(batches[0].Raw, []byte("</Event>")); n != 4 || !bytes.Contains(raw, batches[0].Raw[:200]) {
		t.Errorf("original bytes hold %d events", n)
	}
	st := ingesttest.Store(t, batches...)
	rows := ingesttest.Rows(t, st, "ws1", "SecurityEvent", "true", "TimeGenerated")
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	ingesttest.Check(t, "4624", rows[0], map[string]string{
		"TimeGenerated": "2024-05-06T07:08:09.123456Z", "EventID": "4624", "Activity": "4624 - An account was successfully logged on",
		"Channel": "Security", "Computer": "dc01.corp.example.com", "EventSourceName": "Microsoft-Windows-Security-Auditing",
		"Level": "8", "Task": "12544", "Account": `CORP\alice`, "AccountType": "User", "LogonType": "10",
		"LogonTypeName": "10 - RemoteInteractive", "IpAddress": "198.51.100.23", "IpPort": "50412",
		"TargetUserName": "alice", "TargetDomainName": "CORP", "TargetUserSid": "S-1-5-21-1111111111-2222222222-3333333333-1104",
		"TargetLogonId": "0x8dcdc", "SubjectUserName": "DC01$", "SubjectDomainName": "CORP", "SubjectUserSid": "S-1-5-18",
		"SubjectLogonId": "0x3e7", "LogonProcessName": "User32 ", "AuthenticationPackageName": "Negotiate",
		"WorkstationName": "DC01", "LogonGuid": "{00000000-0000-0000-0000-000000000000}", "TransmittedServices": "-",
		"LmPackageName": "-", "KeyLength": "0", "ProcessId": "0x1cc", "ProcessName": `C:\Windows\System32\svchost.exe`,
		"RestrictedAdminMode": "-", "TargetOutboundUserName": "-", "TargetOutboundDomainName": "-", "VirtualAccount": "%%1843",
		"TargetLinkedLogonId": "0x0", "ElevatedToken": "%%1842", "Type": "SecurityEvent",
	})
	if d := rows[0]["EventData"]; !strings.HasPrefix(d, "<EventData>") || !strings.Contains(d, `<Data Name="ImpersonationLevel">%%1833</Data>`) || !strings.HasSuffix(d, "</EventData>") {
		t.Errorf("EventData = %q", d)
	}
	ingesttest.Check(t, "4625", rows[1], map[string]string{
		"EventID": "4625", "Activity": "4625 - An account failed to log on", "Level": "16", "Account": "administrator",
		"AccountType": "User", "LogonType": "3", "LogonTypeName": "3 - Network", "Status": "0xc000006d",
		"SubStatus": "0xc000006a", "FailureReason": "%%2313", "IpAddress": "203.0.113.66", "IpPort": "0",
		"WorkstationName": "KALI", "Computer": "web02.corp.example.com",
	})
	ingesttest.Check(t, "4688", rows[2], map[string]string{
		"Activity": "4688 - A new process has been created", "Account": `CORP\bob`, "NewProcessName": `C:\Windows\System32\cmd.exe`,
		"NewProcessId": "0x1f40", "CommandLine": "cmd.exe /c whoami & net user", "ParentProcessName": `C:\Windows\explorer.exe`,
		"TokenElevationType": "%%1938", "MandatoryLabel": "S-1-16-8192", "Task": "13312",
	})
	if _, ok := rows[2]["LogonTypeName"]; ok {
		t.Error("LogonTypeName set without a LogonType")
	}
	ingesttest.Check(t, "1102 with UserData", rows[3], map[string]string{
		"Activity": "1102 - The audit log was cleared", "EventSourceName": "Microsoft-Windows-Eventlog", "Account": `CORP\Administrator`,
		"SubjectUserName": "Administrator", "SubjectUserSid": "S-1-5-21-1111111111-2222222222-3333333333-500", "Level": "8",
	})
	if d := rows[3]["EventData"]; !strings.HasPrefix(d, "<UserData><LogFileCleared") {
		t.Errorf("EventData of a UserData event = %q", d)
	}
}

// TestOtherChannels checks the Event table's columns, and that bad
// events and stray text are rejects with their offsets that cost the
// good events around them nothing.
func TestOtherChannels(t *testing.T) {
	raw, batches, rejects := parseFile(t, "testdata/system.xml")
	if len(batches) != 1 || batches[0].Table != "Event" || len(batches[0].Rows) != 3 {
		t.Fatalf("%d batches", len(batches))
	}
	want := []struct{ reason, starts string }{
		{"not a Windows <Event> element", "this line is not an event"},
		{`EventID "oops" is not a number`, "<Event"},
		{"event is not valid XML: XML syntax error on line 1: element <Data> closed by </EventData>", "<Event"},
	}
	if len(rejects) != len(want) {
		t.Fatalf("rejects: %+v", rejects)
	}
	for i, w := range want {
		r := rejects[i]
		if !strings.HasPrefix(r.Reason, w.reason) || !bytes.HasPrefix(r.Raw, []byte(w.starts)) || !bytes.Equal(raw[r.Offset:r.Offset+len(r.Raw)], r.Raw) {
			t.Errorf("reject %d: %q at %d: %q", i, r.Reason, r.Offset, r.Raw)
		}
	}
	st := ingesttest.Store(t, batches...)
	rows := ingesttest.Rows(t, st, "ws1", "Event", "true", "TimeGenerated")
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	ingesttest.Check(t, "7036", rows[0], map[string]string{
		"TimeGenerated": "2024-05-06T07:20:00Z", "Source": "Service Control Manager", "EventLog": "System",
		"Computer": "web02.corp.example.com", "EventLevel": "4", "EventLevelName": "Information", "EventID": "7036",
		"EventCategory": "0", "RenderedDescription": "The Windows Update service entered the running state.",
		"ParameterXml": "<Param>Windows Update</Param><Param>running</Param>", "Type": "Event",
		"EventData": "<EventData><Data Name='param1'>Windows Update</Data><Data Name='param2'>running</Data><Binary>770075006100750073006500720076002F0034000000</Binary></EventData>",
	})
	ingesttest.Check(t, "1000", rows[1], map[string]string{
		"Source": "Application Error", "EventLog": "Application", "EventLevel": "2", "EventLevelName": "Error",
		"EventID": "1000", "EventCategory": "100", "UserName": "S-1-5-21-1111111111-2222222222-3333333333-1104",
		"ParameterXml": "<Param>w3wp.exe</Param><Param>10.0.17763.1</Param><Param>&lt;unknown&gt; &amp; more</Param>",
	})
	ingesttest.Check(t, "41 without a time", rows[2], map[string]string{
		"TimeGenerated": "2024-05-06T08:00:00Z", "EventID": "41", "EventLevel": "1", "EventLevelName": "Critical",
	})
}

// TestFraming: one event, events concatenated with or without newlines,
// and an <Events> wrapper all give the same events.
func TestFraming(t *testing.T) {
	ev := func(id string) string {
		return `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>` + id +
			`</EventID><Channel>Application</Channel></System></Event >`
	}
	cases := map[string]string{
		"single":       ev("1"),
		"concatenated": `<?xml version="1.0"?>` + ev("1") + ev("2") + ev("3"),
		"lines":        ev("1") + "\r\n" + ev("2") + "\n\n" + ev("3") + "\n",
		"wrapper":      "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Events xmlns:x=\"urn:x\">\n" + ev("1") + "<!-- -->" + ev("2") + ev("3") + "\n</Events>\n",
	}
	for name, in := range cases {
		batches, rejects, err := (Format{}).Parse("ws1", []byte(in), received)
		if err != nil || len(rejects) != 0 || len(batches) != 1 {
			t.Errorf("%s: %d batches, %+v, %v", name, len(batches), rejects, err)
			continue
		}
		if want := strings.Count(in, "<Event "); len(batches[0].Rows) != want {
			t.Errorf("%s: %d rows, want %d", name, len(batches[0].Rows), want)
		}
	}
	for _, bad := range []string{"", " \n", "<Events></Events>"} {
		if _, _, err := (Format{}).Parse("ws1", []byte(bad), received); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	_, rejects, _ := (Format{}).Parse("ws1", []byte(ev("1")+`<Event><System><EventID>2</EventID>`), received)
	if len(rejects) != 1 || rejects[0].Offset != len(ev("1")) {
		t.Errorf("unterminated event: %+v", rejects)
	}
}

// TestChunks: `vigil ingest` sends large files in pieces; each piece of
// a pretty-printed, wrapped file parses on its own, and together they
// give every event.
func TestChunks(t *testing.T) {
	raw, err := os.ReadFile("testdata/security.xml")
	if err != nil {
		t.Fatal(err)
	}
	pieces, ok := (Format{}).Chunks(raw, 1000)
	if !ok || len(pieces) != 4 || !bytes.Equal(bytes.Join(pieces, nil), raw) {
		t.Fatalf("%d pieces, %v", len(pieces), ok)
	}
	rows := 0
	for i, p := range pieces {
		batches, rejects, err := (Format{}).Parse("ws1", p, received)
		if err != nil || len(rejects) != 0 {
			t.Fatalf("piece %d: %+v, %v", i, rejects, err)
		}
		rows += len(batches[0].Rows)
	}
	if rows != 4 {
		t.Errorf("%d events in the pieces", rows)
	}
}

func FuzzFormat(f *testing.F) {
	for _, name := range []string{"testdata/security.xml", "testdata/system.xml"} {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("<Event/><Event>"))
	f.Add([]byte("<Events><Event><System><EventID>1</EventID></System></Event></Events>"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		batches, rejects, err := (Format{}).Parse("ws1", raw, received)
		if err != nil {
			return
		}
		rows := 0
		for _, b := range batches {
			rows += len(b.Rows)
			if len(b.Rows) == 0 || len(b.Raw) == 0 {
				t.Fatalf("empty batch for %s", b.Table)
			}
		}
		if rows+len(rejects) == 0 {
			t.Fatal("input accepted with neither rows nor rejects")
		}
		for _, r := range rejects {
			if r.Offset < 0 || r.Offset+len(r.Raw) > len(raw) || !bytes.Equal(raw[r.Offset:r.Offset+len(r.Raw)], r.Raw) {
				t.Fatalf("reject %q at %d is not the input's bytes there", r.Raw, r.Offset)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile("testdata/security.xml")
	if err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat(raw, 250)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		batches, _, err := (Format{}).Parse("ws1", body, received)
		if err != nil || len(batches[0].Rows) != 1000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
