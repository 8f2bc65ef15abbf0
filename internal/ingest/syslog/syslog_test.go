package syslog

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"vigil/internal/engine"
	"vigil/internal/ingest"
	"vigil/internal/ingest/ingesttest"
	"vigil/internal/source"
	"vigil/internal/store"
)

var now = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want Message
	}{
		{`<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed for lonvick on /dev/pts/8`,
			Message{Facility: "auth", Severity: "crit", Time: time.Date(2003, 10, 11, 22, 14, 15, 3e6, time.UTC), Host: "mymachine.example.com", App: "su", MsgID: "ID47", Text: "BOM'su root' failed for lonvick on /dev/pts/8"}},
		{`<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.`,
			Message{Facility: "local4", Severity: "notice", Time: time.Date(2003, 8, 24, 12, 14, 15, 3000, time.UTC), Host: "192.0.2.1", App: "myproc", ProcID: "8710", Text: "%% It's time to make the do-nuts."}},
		{`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event`,
			Message{Facility: "local4", Severity: "notice", Time: time.Date(2003, 10, 11, 22, 14, 15, 3e6, time.UTC), Host: "mymachine.example.com", App: "evntslog", MsgID: "ID47", SD: `[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]`, Text: "An application event"}},
		{`<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8`,
			Message{Facility: "auth", Severity: "crit", Time: time.Date(2023, 10, 11, 22, 14, 15, 0, time.UTC), Host: "mymachine", App: "su", Text: "'su root' failed for lonvick on /dev/pts/8"}},
		{`<13>Feb  5 17:32:18 10.0.0.99 sshd[1234]: Accepted publickey for alice`,
			Message{Facility: "user", Severity: "notice", Time: time.Date(2024, 2, 5, 17, 32, 18, 0, time.UTC), Host: "10.0.0.99", App: "sshd", ProcID: "1234", Text: "Accepted publickey for alice"}},
		{`<38>Mar  1 11:00:00 sshd[99]: no hostname here`,
			Message{Facility: "auth", Severity: "info", Time: time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC), App: "sshd", ProcID: "99", Text: "no hostname here"}},
		{`<30>2024-03-01T10:00:00.5+01:00 web1 nginx: GET /`,
			Message{Facility: "daemon", Severity: "info", Time: time.Date(2024, 3, 1, 9, 0, 0, 5e8, time.UTC), Host: "web1", App: "nginx", Text: "GET /"}},
		{`<0>just text`, Message{Facility: "kern", Severity: "emerg", Text: "just text"}},
	}
	for _, c := range cases {
		got, err := Parse([]byte(c.in), now)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", c.want) {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "no pri", "<999>1 x", "<x>1", "<12"} {
		if _, err := Parse([]byte(bad), now); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// TestParseDeviations covers what real senders send that the RFCs do
// not quite allow.
func TestParseDeviations(t *testing.T) {
	for _, c := range deviations {
		got, err := Parse([]byte(c.in), now)
		if err != nil {
			t.Errorf("%s: Parse(%q): %v", c.name, c.in, err)
			continue
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", c.want) {
			t.Errorf("%s: Parse(%q)\n got %+v\nwant %+v", c.name, c.in, got, c.want)
		}
	}
}

func at(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

// deviations are real-world message shapes, also the fuzz test's seeds.
var deviations = []struct {
	name, in string
	want     Message
}{
	{"3164 missing year, later month is last year", `<13>Dec 31 23:59:59 h1 app: m`,
		Message{Facility: "user", Severity: "notice", Time: at(2023, 12, 31, 23, 59, 59, 0), Host: "h1", App: "app", Text: "m"}},
	{"3164 missing year, a day of clock skew is this year", `<13>Mar  2 11:00:00 h1 app: m`,
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 2, 11, 0, 0, 0), Host: "h1", App: "app", Text: "m"}},
	{"3164 unpadded day", `<13>Mar 1 09:08:07 h1 app: m`,
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 9, 8, 7, 0), Host: "h1", App: "app", Text: "m"}},
	{"3164 year after the day (Cisco ASA) and a lone colon", `<166>Jan 05 2024 10:00:00 asa01 : %ASA-6-302013: Built outbound TCP connection 1`,
		Message{Facility: "local4", Severity: "info", Time: at(2024, 1, 5, 10, 0, 0, 0), Host: "asa01", Text: "%ASA-6-302013: Built outbound TCP connection 1"}},
	{"3164 fractional seconds and UTC", `<13>Mar  1 10:00:00.250 UTC web1 app[7]: m`,
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 10, 0, 0, 25e7), Host: "web1", App: "app", ProcID: "7", Text: "m"}},
	{"3164 ISO timestamp (rsyslog RSYSLOG_ForwardFormat)", `<86>2024-02-29T23:59:58.123456+00:00 db1 sudo: alice : TTY=pts/0`,
		Message{Facility: "authpriv", Severity: "info", Time: at(2024, 2, 29, 23, 59, 58, 123456000), Host: "db1", App: "sudo", Text: "alice : TTY=pts/0"}},
	{"3164 ISO timestamp without zone is UTC", `<13>2024-03-01T10:00:00 h1 app: m`,
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 10, 0, 0, 0), Host: "h1", App: "app", Text: "m"}},
	{"3164 no hostname", `<38>Mar  1 11:00:00 sshd[99]: no hostname here`,
		Message{Facility: "auth", Severity: "info", Time: at(2024, 3, 1, 11, 0, 0, 0), App: "sshd", ProcID: "99", Text: "no hostname here"}},
	{"3164 no tag", `<13>Mar  1 11:00:00 h1 just words here`,
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 11, 0, 0, 0), Host: "h1", Text: "just words here"}},
	{"3164 tag with a slash", `<22>Mar  1 11:00:00 mx postfix/smtpd[4242]: connect from unknown`,
		Message{Facility: "mail", Severity: "info", Time: at(2024, 3, 1, 11, 0, 0, 0), Host: "mx", App: "postfix/smtpd", ProcID: "4242", Text: "connect from unknown"}},
	{"3164 without a timestamp is all text", `<13>hello: world`,
		Message{Facility: "user", Severity: "notice", Text: "hello: world"}},
	{"3164 BOM before the text", "<13>Mar  1 11:00:00 h1 app: \ufeffm",
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 11, 0, 0, 0), Host: "h1", App: "app", Text: "m"}},
	{"Juniper 3164 with double space", `<28>Mar  1 10:00:00  fw01 RT_FLOW: RT_FLOW_SESSION_CREATE: session created 10.0.0.1/1->10.0.0.2/2`,
		Message{Facility: "daemon", Severity: "warning", Time: at(2024, 3, 1, 10, 0, 0, 0), Host: "fw01", App: "RT_FLOW", Text: "RT_FLOW_SESSION_CREATE: session created 10.0.0.1/1->10.0.0.2/2"}},
	{"Juniper 5424 structured data", `<14>1 2024-03-01T10:00:00.000Z fw01 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.40 source-address="10.0.0.1" destination-port="443"] session created`,
		Message{Facility: "user", Severity: "info", Time: at(2024, 3, 1, 10, 0, 0, 0), Host: "fw01", App: "RT_FLOW", MsgID: "RT_FLOW_SESSION_CREATE", SD: `[junos@2636.1.1.1.2.40 source-address="10.0.0.1" destination-port="443"]`, Text: "session created"}},
	{"Cisco IOS sequence and unsynchronised clock", `<189>123: *Mar  1 00:00:18.123: %SYS-5-CONFIG_I: Configured from console by console`,
		Message{Facility: "local7", Severity: "notice", Time: at(2024, 3, 1, 0, 0, 18, 123e6), Text: "%SYS-5-CONFIG_I: Configured from console by console"}},
	{"Cisco IOS with origin host", `<187>45: router1: .Feb 29 13:58:46.411 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down`,
		Message{Facility: "local7", Severity: "err", Time: at(2024, 2, 29, 13, 58, 46, 411e6), Host: "router1", Text: "%LINK-3-UPDOWN: Interface Gi0/1, changed state to down"}},
	{"Cisco IOS behind a relay's header", `<189>Mar  1 00:00:20 router2 46: *Mar  1 00:00:18.123: %SYS-5-CONFIG_I: Configured`,
		Message{Facility: "local7", Severity: "notice", Time: at(2024, 3, 1, 0, 0, 20, 0), Host: "router2", Text: "%SYS-5-CONFIG_I: Configured"}},
	{"5424 nil timestamp and fields", `<13>1 - - - - - - only text`,
		Message{Facility: "user", Severity: "notice", Text: "only text"}},
	{"5424 from rsyslog, a second space before the message", `<164>1 2024-03-01T10:00:00.097720+00:00 vm rstest1 4201 - -  message`,
		Message{Facility: "local4", Severity: "warning", Time: at(2024, 3, 1, 10, 0, 0, 97720000), Host: "vm", App: "rstest1", ProcID: "4201", Text: "message"}},
	{"5424 BOM", "<13>1 2024-03-01T10:00:00Z h a 1 m - \ufeffé",
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 10, 0, 0, 0), Host: "h", App: "a", ProcID: "1", MsgID: "m", Text: "é"}},
	{"5424 escaped bracket in structured data", `<13>1 2024-03-01T10:00:00Z h a - - [x@1 k="a\]b"][y@1] t`,
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 10, 0, 0, 0), Host: "h", App: "a", SD: `[x@1 k="a\]b"][y@1]`, Text: "t"}},
	{"5424 structured data and no message", `<13>1 2024-03-01T10:00:00Z h a - - [x@1 k="v"]`,
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 10, 0, 0, 0), Host: "h", App: "a", SD: `[x@1 k="v"]`}},
	{"trailing NUL, CR and LF", "<13>Mar  1 11:00:00 h1 app: m\r\n\x00",
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 11, 0, 0, 0), Host: "h1", App: "app", Text: "m"}},
	{"invalid UTF-8 replaced", "<13>Mar  1 11:00:00 h1 app: caf\xe9",
		Message{Facility: "user", Severity: "notice", Time: at(2024, 3, 1, 11, 0, 0, 0), Host: "h1", App: "app", Text: "caf\uFFFD"}},
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`<34>1 2003-10-11T22:14:15.003Z host su - ID47 - msg`, `<13>Feb  5 17:32:18 host sshd[1]: m`,
		`<165>1 - - - - - [a b="\]"][c] x`, `<0>`, `<191>Jan 1 00:00:00 h t: m`} {
		f.Add([]byte(s))
	}
	for _, c := range deviations {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, now)
		if err != nil {
			return
		}
		if m.Facility == "" || m.Severity == "" {
			t.Fatalf("parsed without facility or severity: %+v", m)
		}
		for _, s := range []string{m.Host, m.App, m.ProcID, m.MsgID, m.SD, m.Text} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %+v", m)
			}
		}
	})
}

func TestFormat(t *testing.T) {
	f, ok := ingest.Lookup("syslog")
	if !ok {
		t.Fatal("the syslog format is not registered")
	}
	raw := []byte("<13>Mar  1 10:00:00 h1 app: plain one\n\n<134>Mar  1 10:00:01 fw CEF:0|V|P|1|2|N|3|src=1.2.3.4\nno pri at all\n")
	batches, rejects, err := f.Parse("ws1", raw, now)
	if err != nil || len(rejects) != 0 || len(batches) != 2 {
		t.Fatalf("Parse: %d batches, %v, %v", len(batches), rejects, err)
	}
	if b := batches[0]; b.Table != "Syslog" || len(b.Rows) != 2 || !strings.HasSuffix(string(b.Raw), "no pri at all\n") {
		t.Fatalf("syslog batch: %s %d %q", b.Table, len(b.Rows), b.Raw)
	}
	if b := batches[1]; b.Table != "CommonSecurityLog" || len(b.Rows) != 1 || !strings.Contains(string(b.Raw), "CEF:0|V|P") {
		t.Fatalf("CEF batch: %s %d %q", b.Table, len(b.Rows), b.Raw)
	}
	if _, _, err := f.Parse("ws1", []byte("\n \n"), now); err == nil {
		t.Fatal("empty input accepted")
	}
}

// receive starts a server storing into a real store and returns it with
// a function counting stored Syslog rows matching a SQL condition.
// Options change the configuration before the server starts.
func receive(t *testing.T, options ...func(*Config)) (*Server, *store.Store, func(where string) int64) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{UDP: "127.0.0.1:0", TCP: "127.0.0.1:0", Workspace: "ws1", FlushInterval: 10 * time.Millisecond}
	for _, o := range options {
		o(&cfg)
	}
	srv := NewServer(cfg, st, nil)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); st.Close() })
	count := func(where string) int64 {
		rel, err := st.Tables("ws1").Relation(context.Background(), "Syslog", source.Scan{})
		if err != nil {
			t.Fatal(err)
		}
		defer rel.Release()
		var n int64
		if err := st.DB().QueryRow("SELECT count(*) FROM " + rel.SQL + " WHERE " + where).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	return srv, st, count
}

func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	for i := 0; i < 300; i++ {
		if f() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestTCPFramingsAndUDP(t *testing.T) {
	srv, _, count := receive(t)
	udp, tcp, _ := srv.Addrs()
	c, err := net.Dial("tcp", tcp.String())
	if err != nil {
		t.Fatal(err)
	}
	msg1 := "<13>1 2024-03-01T10:00:00Z host1 app1 11 - - counted one"
	msg2 := "<13>1 2024-03-01T10:00:01Z host1 app1 11 - - counted\nwith a newline"
	fmt.Fprintf(c, "%d %s%d %s", len(msg1), msg1, len(msg2), msg2)
	c.Close()
	c2, _ := net.Dial("tcp", tcp.String())
	fmt.Fprint(c2, "<13>Mar  1 10:00:02 host2 app2[22]: line one\n<13>Mar  1 10:00:03 host2 app2[22]: line two")
	c2.Close()
	u, _ := net.Dial("udp", udp.String())
	fmt.Fprint(u, "<14>Mar  1 10:00:04 host3 app3: over udp")
	u.Close()
	eventually(t, "5 messages", func() bool { return count("true") == 5 })
	if n := count(`SyslogMessage = 'counted
with a newline' AND Computer = 'host1' AND ProcessID = 11`); n != 1 {
		t.Errorf("octet-counted message with a newline: %d", n)
	}
	if n := count(`SyslogMessage = 'line two' AND ProcessName = 'app2' AND HostIP = '127.0.0.1'`); n != 1 {
		t.Errorf("newline-framed last message without newline: %d", n)
	}
	if n := count(`SyslogMessage = 'over udp' AND SeverityLevel = 'info' AND Facility = 'user'`); n != 1 {
		t.Errorf("udp message: %d", n)
	}
}

// TestCEFOverSyslog sends a CEF event inside a syslog message: it lands
// in CommonSecurityLog, mapped, while plain messages stay in Syslog.
func TestCEFOverSyslog(t *testing.T) {
	srv, st, _ := receive(t)
	_, tcp, _ := srv.Addrs()
	c, err := net.Dial("tcp", tcp.String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "<134>Mar  1 10:00:00 fw01 CEF:0|Palo Alto Networks|PAN-OS|10.1|end|TRAFFIC|3|src=10.1.1.1 dst=8.8.8.8 dpt=53 act=allow cs1Label=Rule cs1=dns out\n")
	c.Close()
	count := func() int64 {
		rel, err := st.Tables("ws1").Relation(context.Background(), "CommonSecurityLog", source.Scan{})
		if err != nil {
			t.Fatal(err)
		}
		defer rel.Release()
		var n int64
		st.DB().QueryRow(`SELECT count(*) FROM ` + rel.SQL + ` WHERE DeviceVendor = 'Palo Alto Networks' AND DeviceProduct = 'PAN-OS' AND Activity = 'TRAFFIC'
			AND SourceIP = '10.1.1.1' AND DestinationIP = '8.8.8.8' AND DestinationPort = 53 AND DeviceAction = 'allow'
			AND DeviceCustomString1 = 'dns out' AND DeviceCustomString1Label = 'Rule' AND Computer = 'fw01' AND LogSeverity = '3'`).Scan(&n)
		return n
	}
	eventually(t, "the CEF row", func() bool { return count() == 1 })
}

// TestLogger sends with util-linux logger, a client nobody here wrote.
func TestLogger(t *testing.T) {
	logger := ingesttest.NeedClient(t, "logger", "", "Debian package bsdutils")
	srv, _, count := receive(t)
	udp, tcp, _ := srv.Addrs()
	_, tport, _ := net.SplitHostPort(tcp.String())
	_, uport, _ := net.SplitHostPort(udp.String())
	runs := [][]string{
		{"--tcp", "--port", tport, "--rfc5424", "--sd-id", "zoo@123", "--sd-param", `tiger="hungry"`, "-t", "vigiltest", "-p", "auth.err", "tcp rfc5424 message"},
		{"--tcp", "--port", tport, "--octet-count", "--rfc5424", "-t", "vigiltest", "tcp octet-counted message"},
		{"--udp", "--port", uport, "--rfc3164", "-t", "vigiltest", "-p", "local3.warning", "udp rfc3164 message"},
	}
	for _, args := range runs {
		out, err := exec.Command(logger, append([]string{"--server", "127.0.0.1"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("logger %v: %v %s", args, err, out)
		}
	}
	eventually(t, "logger's messages", func() bool { return count("ProcessName = 'vigiltest'") == 3 })
	if n := count(`SyslogMessage LIKE '%tcp rfc5424 message' AND SyslogMessage LIKE '%[zoo@123 tiger="hungry"]%' AND Facility = 'auth' AND SeverityLevel = 'err' AND EventTime IS NOT NULL`); n != 1 {
		t.Errorf("rfc5424 over tcp: %d", n)
	}
	if n := count(`SyslogMessage = 'udp rfc3164 message' AND Facility = 'local3' AND SeverityLevel = 'warning'`); n != 1 {
		t.Errorf("rfc3164 over udp: %d", n)
	}
	if strings.TrimSpace(collector) == "" {
		t.Error("no collector host name")
	}
}

// kql runs a KQL query on the workspace the test server stores into and
// returns its rows, as a user querying Vigil sees them.
func kql(t *testing.T, st *store.Store, query string) [][]any {
	t.Helper()
	res, err := engine.New(st.DB()).Query(context.Background(), engine.Request{Query: query, Tables: st.Tables("ws1")})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return res.Rows
}

// TestBadInput sends a stream mixing good messages with a framing error,
// binary junk and an oversized message, and an oversized datagram over
// UDP: every good message is stored,
// the oversized one cut and flagged, the rest recorded as rejects and
// counted in the metrics.
func TestBadInput(t *testing.T) {
	srv, st, count := receive(t, func(c *Config) { c.MaxMessageBytes = 100 })
	udp, tcp, _ := srv.Addrs()
	c, err := net.Dial("tcp", tcp.String())
	if err != nil {
		t.Fatal(err)
	}
	u, err := net.Dial("udp", udp.String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(u, "<13>Mar  1 10:00:00 h1 udpapp: "+strings.Repeat("u", 200))
	u.Close()
	long := "<13>Mar  1 10:00:00 h1 app: " + strings.Repeat("é", 100)
	tlsHello := "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"
	fmt.Fprint(c, "<13>Mar  1 10:00:00 h1 app: before\n"+
		"12x <13>bad count\n"+
		tlsHello+"\n"+
		long+"\n"+
		"no priority but text\n"+
		"<13>Mar  1 10:00:00 h1 app: after\n")
	c.Close()
	eventually(t, "5 messages", func() bool { return count("true") == 5 })
	if n := count(`ProcessName = 'udpapp' AND Truncated AND length(SyslogMessage) = 100 - length('<13>Mar  1 10:00:00 h1 udpapp: ')`); n != 1 {
		t.Errorf("oversized datagram cut and flagged: %d", n)
	}
	rows := kql(t, st, `Syslog | where ProcessName == "app" | project SyslogMessage, Truncated | order by SyslogMessage asc`)
	if len(rows) != 3 || rows[0][0] != "after" || rows[1][0] != "before" || rows[0][1] != false {
		t.Fatalf("good neighbours: %v", rows)
	}
	if text := rows[2][0].(string); rows[2][1] != true || !strings.HasPrefix(text, "é") || len(text) > 100 || !utf8.ValidString(text) {
		t.Fatalf("oversized message: %q truncated=%v", text, rows[2][1])
	}
	if n := count(`SyslogMessage = 'no priority but text' AND Facility = 'user' AND SeverityLevel = 'notice'`); n != 1 {
		t.Errorf("text without PRI kept as user.notice: %d", n)
	}
	var rejects [][]any
	eventually(t, "2 rejects", func() bool {
		rejects = kql(t, st, `VigilIngestionErrors | project Source, Format, Reason, Offset, RawData, RemoteAddress | order by Offset asc`)
		return len(rejects) == 2
	})
	if r := rejects[0]; r[0] != "syslog-tcp" || r[1] != "syslog" || !strings.Contains(r[2].(string), `invalid octet count "12x"`) ||
		r[3] != int64(35) || r[4] != "12x <13>bad count" || r[5] != "127.0.0.1" {
		t.Errorf("framing error reject: %v", r)
	}
	if r := rejects[1]; !strings.Contains(r[2].(string), "byte 0x16 at offset 0 is not text") || r[3] != int64(53) || r[4] != strings.ToValidUTF8(tlsHello, "\uFFFD") {
		t.Errorf("binary junk reject: %v", r)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(srv)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() == "tcp" {
				got[f.GetName()] = m.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{"vigil_syslog_messages_total": 4, "vigil_syslog_truncated_total": 1, "vigil_syslog_dropped_total": 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tcp metrics %v, want %v", got, want)
	}
	if n := srv.cfg.Rejects.Counts()[ingest.RejectSource{Source: "syslog-tcp", Format: "syslog"}]; n != 2 {
		t.Errorf("rejects counted: %d", n)
	}
}
