package syslog

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"vigil/internal/ingest"
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

func FuzzParse(f *testing.F) {
	for _, s := range []string{`<34>1 2003-10-11T22:14:15.003Z host su - ID47 - msg`, `<13>Feb  5 17:32:18 host sshd[1]: m`,
		`<165>1 - - - - - [a b="\]"][c] x`, `<0>`, `<191>Jan 1 00:00:00 h t: m`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, now)
		if err == nil && (m.Facility == "" || m.Severity == "") {
			t.Fatalf("parsed without facility or severity: %+v", m)
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
func receive(t *testing.T) (*Server, *store.Store, func(where string) int64) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Config{UDP: "127.0.0.1:0", TCP: "127.0.0.1:0", Workspace: "ws1", FlushInterval: 10 * time.Millisecond}, st, nil)
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
	if _, err := exec.LookPath("logger"); err != nil {
		t.Skip("logger (util-linux) is not installed; CI installs bsdutils")
	}
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
		out, err := exec.Command("logger", append([]string{"--server", "127.0.0.1"}, args...)...).CombinedOutput()
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
