package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// serverBinary builds the vigil binary once for the tests that run it.
func serverBinary(t *testing.T) string {
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vigil-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "vigil")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

const testKey = "vgl_test_bootstrap_key_0123456789"

// startServer runs `vigil serve` on a free loopback port and waits until
// it answers.
func startServer(t *testing.T, dataDir string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(serverBinary(t), append([]string{"serve", "--data", dataDir, "--http", addr}, extra...)...)
	cmd.Env = append(os.Environ(), "VIGIL_BOOTSTRAP_KEY="+testKey)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr
	probe := http.DefaultClient
	if len(extra) > 0 && extra[0] == "--tls-self-signed" {
		url = "https://" + addr
		probe = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	}
	for i := 0; ; i++ {
		if resp, err := probe.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 300 {
			cmd.Process.Kill()
			t.Fatalf("server did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cmd, url
}

// TestTLS serves HTTPS with a generated certificate that a client can
// trust by its file.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	srv, url := startServer(t, dir, "--tls-self-signed")
	defer srv.Process.Kill()
	client := trustingClient(t, filepath.Join(dir, "tls-cert.pem"))
	req, _ := http.NewRequest("POST", url+"/v1/workspaces/default/query", strings.NewReader(`{"query":"print x = 1"}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("HTTPS with the generated certificate trusted: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Plain HTTP on the TLS port is refused (Go answers 400).
	if resp, err := http.Get(strings.Replace(url, "https", "http", 1) + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("plain HTTP on the TLS port: %d", resp.StatusCode)
		}
	}
}

// TestTLSSecondPort serves HTTPS on --https while --http stays plain.
func TestTLSSecondPort(t *testing.T) {
	dir := t.TempDir()
	httpsAddr := freeAddr(t)
	srv, url := startServer(t, dir, "--https", httpsAddr, "--tls-self-signed")
	defer srv.Process.Kill()
	if code, err := post(url+"/v1/workspaces/default/tables/Two_CL/rows", `{"a":1}`); err != nil || code != 204 {
		t.Fatalf("plain HTTP port: %d %v", code, err)
	}
	client := trustingClient(t, filepath.Join(dir, "tls-cert.pem"))
	req, _ := http.NewRequest("POST", "https://"+httpsAddr+"/v1/workspaces/default/query", strings.NewReader(`{"query":"Two_CL | count"}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("HTTPS port: %v", err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || !strings.Contains(string(body), `"rows":[[1]]`) {
		t.Fatalf("HTTPS port: %d %s", resp.StatusCode, body)
	}
}

// trustingClient returns an HTTP client that trusts the certificate in
// the PEM file certPath, as a user trusting a self-signed server would.
func trustingClient(t *testing.T, certPath string) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: certPool(t, certPath)}}}
}

// certPool returns a pool holding the certificate in the PEM file.
func certPool(t *testing.T, certPath string) *x509.CertPool {
	pemData, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	return pool
}

// freeAddr returns a loopback address with a port free at the time.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func post(url, body string) (int, error) { return postAs(url, testKey, body) }

// postAs posts body to url with key and returns the status.
func postAs(url, key, body string) (int, error) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func vigil(t *testing.T, args ...string) (string, error) {
	out, err := exec.Command(serverBinary(t), args...).CombinedOutput()
	return string(out), err
}

func TestServeIngestQueryCLI(t *testing.T) {
	dir := t.TempDir()
	srv, url := startServer(t, dir)
	defer srv.Process.Kill()
	code, err := post(url+"/v1/workspaces/default/tables/Cli_CL/rows", "{\"Host\":\"web1\",\"Bytes\":10}\n{\"Host\":\"web2\",\"Bytes\":32}\n")
	if err != nil || code != 204 {
		t.Fatalf("ingest: %d %v", code, err)
	}
	out, err := vigil(t, "query", "--url", url, "--key", testKey, "--workspace", "default", "Cli_CL | summarize total = sum(Bytes)")
	if err != nil || !strings.Contains(out, "total") || !strings.Contains(out, "42") {
		t.Fatalf("query table: %v\n%s", err, out)
	}
	out, err = vigil(t, "query", "--url", url, "--key", testKey, "--format", "csv", "Cli_CL | project Host, Bytes | order by Host asc")
	if err != nil || out != "Host,Bytes\nweb1,10\nweb2,32\n" {
		t.Fatalf("query csv: %v\n%q", err, out)
	}
	out, err = vigil(t, "query", "--url", url, "--key", testKey, "Cli_CL | where Hots == 1")
	if err == nil || !strings.Contains(out, "Failed to resolve column or scalar expression named 'Hots'") {
		t.Fatalf("bad query: %v\n%s", err, out)
	}
	out, err = vigil(t, "query", "--url", url, "--key", "wrong-key-wrong-key", "print 1")
	if err == nil || !strings.Contains(out, "401") {
		t.Fatalf("bad key: %v\n%s", err, out)
	}
	// A receiver format routes a file's records to their own tables.
	logFile := filepath.Join(t.TempDir(), "messages.log")
	os.WriteFile(logFile, []byte("<38>Nov 23 10:00:00 web1 sshd[42]: Accepted publickey for ops\n<134>Nov 23 10:00:01 fw1 CEF:0|Acme|Wall|1.0|100|Blocked|5|src=10.0.0.1 act=deny\n"), 0o644)
	out, err = vigil(t, "ingest", "--url", url, "--key", testKey, "--format", "syslog", logFile)
	if err != nil || !strings.Contains(out, "sent 1 records to Syslog") || !strings.Contains(out, "sent 1 records to CommonSecurityLog") {
		t.Fatalf("ingest --format syslog: %v\n%s", err, out)
	}
	out, err = vigil(t, "query", "--url", url, "--key", testKey, "--format", "csv", "Syslog | project Computer, ProcessName, ProcessID")
	if err != nil || out != "Computer,ProcessName,ProcessID\nweb1,sshd,42\n" {
		t.Fatalf("query of the routed file: %v\n%q", err, out)
	}

	// SIGTERM drains and exits cleanly; the data stays.
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("server exit after SIGTERM: %v", err)
	}
	out, err = vigil(t, "query", "--data", dir, "--format", "json", "Cli_CL | count")
	if err != nil || !strings.Contains(out, `"rows": [`) || !strings.Contains(out, "2") {
		t.Fatalf("read-only query on the data directory: %v\n%s", err, out)
	}

	// The shutdown signed a last checkpoint; the directory verifies.
	if out, err = vigil(t, "verify", "--data", dir, "--deep"); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("verify of an intact directory: %v\n%s", err, out)
	}
	leaves, _ := filepath.Glob(filepath.Join(dir, "ledger", "*", "leaves"))
	if len(leaves) == 0 {
		t.Fatal("no ledger leaves file")
	}
	data, _ := os.ReadFile(leaves[0])
	data[len(data)/2] ^= 0x01
	os.WriteFile(leaves[0], data, 0o644)
	out, err = vigil(t, "verify", "--data", dir)
	if err == nil || strings.Contains(out, "intact") {
		t.Fatalf("verify of a tampered ledger exited 0:\n%s", out)
	}
	t.Logf("tampered ledger reported as:\n%s", out)
}

// TestKillDuringIngestion sends batches from several clients, kills the
// server with SIGKILL mid-stream, restarts it and checks that every batch
// that got a 2xx is there exactly once.
func TestKillDuringIngestion(t *testing.T) {
	dir := t.TempDir()
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	acked := map[string]bool{}
	var mu sync.Mutex
	for round := 0; round < rounds; round++ {
		srv, url := startServer(t, dir)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for c := 0; c < 4; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := fmt.Sprintf("r%d-c%d-%d", round, c, i)
					var b strings.Builder
					for k := 0; k < 50; k++ {
						fmt.Fprintf(&b, "{\"Batch\":%q,\"K\":%d,\"Msg\":\"some log line text for the batch\"}\n", id, k)
					}
					code, err := post(url+"/v1/workspaces/default/tables/Kill_CL/rows", b.String())
					if err != nil {
						return
					}
					if code == 204 {
						mu.Lock()
						acked[id] = true
						mu.Unlock()
					}
				}
			}(c)
		}
		time.Sleep(time.Duration(300+round*200) * time.Millisecond)
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
		close(stop)
		wg.Wait()
	}
	srv, url := startServer(t, dir)
	defer srv.Process.Kill()
	req, _ := http.NewRequest("POST", url+"/v1/workspaces/default/query", strings.NewReader(`{"query":"Kill_CL | summarize n = count() by Batch"}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Tables []struct{ Rows [][]any }
	}
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&out); err != nil {
		t.Fatal(err)
	}
	seen := map[string]float64{}
	for _, r := range out.Tables[0].Rows {
		seen[r[0].(string)] = r[1].(float64)
	}
	if len(acked) == 0 {
		t.Fatal("no batch was acknowledged before the kill")
	}
	for id := range acked {
		if seen[id] != 50 {
			t.Fatalf("acknowledged batch %s has %v rows after kill -9 and restart, want 50", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 50 {
			t.Fatalf("batch %s has %v rows: a batch is all or nothing", id, n)
		}
	}
	t.Logf("%d acknowledged batches survived %d kills", len(acked), rounds)
}

// TestSyslogTLS receives syslog over TLS with the server's own
// certificate or with one given for syslog alone, and refuses to start
// the listener without a certificate.
func TestSyslogTLS(t *testing.T) {
	dir := t.TempDir()
	if out, err := vigil(t, "serve", "--data", t.TempDir(), "--http", freeAddr(t), "--syslog-tls", freeAddr(t)); err == nil ||
		!strings.Contains(out, "--syslog-tls needs a certificate") {
		t.Fatalf("--syslog-tls without a certificate: %v\n%s", err, out)
	}
	certFile, keyFile := filepath.Join(t.TempDir(), "syslog.pem"), filepath.Join(t.TempDir(), "syslog-key.pem")
	if _, err := selfSignedCert(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		flags []string
		cert  string
	}{
		{"the server certificate", []string{"--tls-self-signed"}, filepath.Join(dir, "tls-cert.pem")},
		{"a syslog certificate", []string{"--syslog-tls-cert", certFile, "--syslog-tls-key", keyFile}, certFile},
	} {
		addr, relpAddr := freeAddr(t), freeAddr(t)
		srv, url := startServer(t, dir, append(c.flags, "--syslog-tls", addr, "--syslog-relp", relpAddr)...)
		if relp, err := net.Dial("tcp", relpAddr); err != nil {
			t.Errorf("--syslog-relp: %v", err)
		} else {
			fmt.Fprint(relp, "1 open 14 relp_version=0\n")
			if line, err := bufio.NewReader(relp).ReadString('\n'); err != nil || line != "1 rsp 57 200 OK\n" {
				t.Errorf("--syslog-relp: open answered %q, %v", line, err)
			}
			relp.Close()
		}
		pool := certPool(t, c.cert)
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
		if err != nil {
			srv.Process.Kill()
			t.Fatalf("%s: TLS handshake: %v", c.name, err)
		}
		msg := "<38>1 2024-03-01T10:00:00Z tlshost sshd 42 - - over tls with " + c.name
		fmt.Fprintf(conn, "%d %s", len(msg), msg)
		conn.Close()
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		query := fmt.Sprintf(`{"query":"Syslog | where SyslogMessage == 'over tls with %s' | project Computer, ProcessName, ProcessID, Facility, SeverityLevel"}`, c.name)
		var body []byte
		for i := 0; i < 200 && !bytes.Contains(body, []byte("tlshost")); i++ {
			time.Sleep(20 * time.Millisecond)
			req, _ := http.NewRequest("POST", url+"/v1/workspaces/default/query", strings.NewReader(query))
			req.Header.Set("Authorization", "Bearer "+testKey)
			if strings.HasPrefix(url, "https") {
				if resp, err := client.Do(req); err == nil {
					body, _ = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
			} else if resp, err := http.DefaultClient.Do(req); err == nil {
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
		}
		var metrics []byte
		if resp, err := client.Get(url + "/metrics"); err == nil {
			metrics, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
		if !bytes.Contains(body, []byte(`["tlshost","sshd",42,"auth","info"]`)) {
			t.Fatalf("%s: the message is not in Syslog: %s", c.name, body)
		}
		if !bytes.Contains(metrics, []byte(`vigil_syslog_messages_total{transport="tls"} 1`)) {
			t.Errorf("%s: /metrics does not count the message:\n%s", c.name, metrics)
		}
	}
}
