package syslog

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// needClient skips a test when a real client is not installed, except in
// CI (CI=true), where .ci/run installs it and a missing one is a failure.
func needClient(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (Debian package %s); .ci/run installs it", name, pkg)
	}
	t.Skipf("%s is not installed (Debian package %s); CI installs it", name, pkg)
	return ""
}

// selfSigned writes a self-signed certificate for localhost and its key
// as PEM files in dir and returns the TLS configuration serving it.
func selfSigned(t *testing.T, dir string) (certFile string, cfg *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	certFile = filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

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
	rsyslog := needClient(t, "rsyslogd", "rsyslog")
	logger := needClient(t, "logger", "bsdutils")
	certFile, tlsConfig := selfSigned(t, t.TempDir())
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
