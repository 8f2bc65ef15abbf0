package syslog

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"vigil/internal/ingest/ingesttest"
)

// rsyslogd runs rsyslogd unprivileged with a generated configuration: its
// only input a Unix socket in dir (no system socket), its only output the
// given forwarding action. It returns the socket's path.
func rsyslogd(t *testing.T, path, dir, globals, action string) string {
	t.Helper()
	sock := filepath.Join(dir, "log.sock")
	conf := fmt.Sprintf(`global(workDirectory=%q %s)
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket=%q CreatePath="on")
%s
`, dir, globals, sock, action)
	confFile := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "-n", "-f", confFile, "-i", filepath.Join(dir, "rsyslogd.pid"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("rsyslogd output:\n%s", out.String())
		}
	})
	eventually(t, "rsyslogd's socket", func() bool { _, err := os.Stat(sock); return err == nil })
	return sock
}

// TestRsyslog forwards messages through rsyslog, a sender nobody here
// wrote, over TCP with both framings, over TLS (gtls driver) and over
// RELP (omrelp, package rsyslog-relp), and
// finds them with KQL with the fields the sender gave them.
func TestRsyslog(t *testing.T) {
	rsyslog := ingesttest.NeedClient(t, "rsyslogd", "", "Debian package rsyslog")
	logger := ingesttest.NeedClient(t, "logger", "", "Debian package bsdutils")
	certFile, tlsConfig := ingesttest.SelfSigned(t, t.TempDir())
	srv, st, _ := receive(t, func(c *Config) { c.TLS, c.TLSConfig, c.RELP = "127.0.0.1:0", tlsConfig, "127.0.0.1:0" })
	_, tcp, tlsAddr := srv.Addrs()
	_, relpPort, _ := net.SplitHostPort(srv.RELPAddr().String())
	_, tcpPort, _ := net.SplitHostPort(tcp.String())
	_, tlsPort, _ := net.SplitHostPort(tlsAddr.String())
	cases := []struct {
		name, globals, action string
		module, pkg           string // a module the action needs, from a package of its own
	}{
		{"tcp newline framing, RFC 3164", "",
			`action(type="omfwd" target="127.0.0.1" port="` + tcpPort + `" protocol="tcp" TCP_Framing="traditional" template="RSYSLOG_TraditionalForwardFormat")`, "", ""},
		{"tcp octet counting, RFC 5424", "",
			`action(type="omfwd" target="127.0.0.1" port="` + tcpPort + `" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")`, "", ""},
		{"tls, RFC 3164 with ISO timestamps", `defaultNetstreamDriverCAFile="` + certFile + `"`,
			`action(type="omfwd" target="127.0.0.1" port="` + tlsPort + `" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_ForwardFormat"
				StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost")`, "lmnsd_gtls.so", "rsyslog-gnutls"},
		{"relp (omrelp)", "", `module(load="omrelp")
			action(type="omrelp" target="127.0.0.1" port="` + relpPort + `")`, "omrelp.so", "rsyslog-relp"},
	}
	for i, c := range cases {
		if found, _ := filepath.Glob("/usr/lib/*/rsyslog/" + c.module); c.module != "" && len(found) == 0 {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s: rsyslog's %s is not installed (Debian package %s); .ci/run installs it", c.name, c.module, c.pkg)
			}
			t.Logf("%s: skipped, rsyslog's %s is not installed (Debian package %s)", c.name, c.module, c.pkg)
			continue
		}
		sock := rsyslogd(t, rsyslog, t.TempDir(), c.globals, c.action)
		tag := fmt.Sprintf("rstest%d", i)
		text := "message via rsyslog, " + c.name
		out, err := exec.Command(logger, "-u", sock, "-t", tag, fmt.Sprintf("--id=%d", 4200+i), "-p", "local4.warning", text).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: logger: %v %s", c.name, err, out)
		}
		var rows [][]any
		for try := 0; try < 500 && len(rows) == 0; try++ {
			time.Sleep(10 * time.Millisecond)
			rows = kql(t, st, fmt.Sprintf(`Syslog | where ProcessName == %q | project Computer, Facility, SeverityLevel, ProcessName, ProcessID, SyslogMessage, HostIP, EventTime`, tag))
		}
		if len(rows) != 1 {
			t.Fatalf("%s: %d rows in Syslog", c.name, len(rows))
		}
		want := fmt.Sprint([]any{collector, "local4", "warning", tag, int32(4200 + i), text, "127.0.0.1"})
		if got := fmt.Sprint(rows[0][:7]); got != want || rows[0][7] == nil {
			t.Errorf("%s:\n got %s (EventTime %v)\nwant %s", c.name, got, rows[0][7], want)
		}
	}
}
