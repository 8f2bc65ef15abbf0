package syslog

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
)

// TestRELP speaks RELP as librelp does: each message is acknowledged, and
// an acknowledged message is already in Syslog; a broken frame ends the
// session and is recorded as a reject; a shutdown ends the session with
// serverclose.
func TestRELP(t *testing.T) {
	srv, st, count := receive(t, func(c *Config) { c.RELP = "127.0.0.1:0" })
	c, err := net.Dial("tcp", srv.RELPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	answer := func() string {
		t.Helper()
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading an answer: %v", err)
		}
		// The open answer's data has newlines: read up to its length.
		var txnr, n int
		fmt.Sscanf(line, "%d rsp %d", &txnr, &n)
		for n > 0 && len(line) < len(fmt.Sprintf("%d rsp %d ", txnr, n))+n+1 {
			more, _ := r.ReadString('\n')
			line += more
		}
		return line
	}
	send := func(txnr int, cmd, data string) {
		if data == "" {
			fmt.Fprintf(c, "%d %s 0\n", txnr, cmd)
			return
		}
		fmt.Fprintf(c, "%d %s %d %s\n", txnr, cmd, len(data), data)
	}
	send(1, "open", "relp_version=0\nrelp_software=test\ncommands=syslog")
	if got := answer(); got != "1 rsp 57 200 OK\nrelp_version=0\nrelp_software=vigil\ncommands=syslog\n" {
		t.Fatalf("open answer %q", got)
	}
	send(2, "syslog", "<13>Mar  1 10:00:00 relphost app[5]: first")
	send(3, "syslog", "<13>Mar  1 10:00:01 relphost app[5]: second\nwith a newline")
	for _, want := range []string{"2 rsp 6 200 OK\n", "3 rsp 6 200 OK\n"} {
		if got := answer(); got != want {
			t.Fatalf("answer %q, want %q", got, want)
		}
	}
	// Acknowledged means durable and visible.
	if n := count(`Computer = 'relphost' AND ProcessID = 5`); n != 2 {
		t.Fatalf("%d acknowledged messages in Syslog", n)
	}
	send(4, "bogus", "x")
	if got := answer(); !strings.HasPrefix(got, "4 rsp ") || !strings.Contains(got, `500 unknown command "bogus"`) {
		t.Fatalf("unknown command answer %q", got)
	}
	send(5, "close", "")
	if got := answer(); got != "5 rsp 0\n" {
		t.Fatalf("close answer %q", got)
	}

	// A frame whose length is not a number: the session ends, the rest
	// is a reject.
	c2, err := net.Dial("tcp", srv.RELPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c2, "1 syslog x12 junk\n")
	if _, err := bufio.NewReader(c2).ReadString('\n'); err == nil {
		t.Fatal("the session goes on after a broken frame")
	}
	c2.Close()
	eventually(t, "the reject", func() bool {
		rows := kql(t, st, `VigilIngestionErrors | where Source == "syslog-relp" | project Reason, Offset, RawData`)
		return len(rows) == 1 && strings.Contains(rows[0][0].(string), `RELP data length: 'x' is not a digit`) && rows[0][1] == int64(0)
	})

	// Shutting down ends a session with serverclose, after answering.
	c3, err := net.Dial("tcp", srv.RELPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	r3 := bufio.NewReader(c3)
	fmt.Fprintf(c3, "1 open 14 relp_version=0\n")
	last := "<13>Mar  1 10:00:02 relphost app[5]: last"
	fmt.Fprintf(c3, "2 syslog %d %s\n", len(last), last)
	for _, want := range []string{"1 rsp 57 200 OK\n", "relp_version=0\n", "relp_software=vigil\n", "commands=syslog\n", "2 rsp 6 200 OK\n"} {
		if got, err := r3.ReadString('\n'); got != want {
			t.Fatalf("answer %q (%v), want %q", got, err, want)
		}
	}
	srv.Close()
	if got, err := r3.ReadString('\n'); got != "0 serverclose 0\n" {
		t.Fatalf("at shutdown %q (%v), want serverclose", got, err)
	}
	if _, err := r3.ReadString('\n'); err == nil {
		t.Fatal("the connection stays open after serverclose")
	}
}

// FuzzRELP reads arbitrary bytes as RELP frames: no panic, no frame
// data over the limit, and a command of 1 to 32 letters in every frame.
func FuzzRELP(f *testing.F) {
	for _, s := range []string{"1 open 14 relp_version=0\n", "2 syslog 5 <1>ab\n3 close 0\n", "1 rsp 6 200 OK\n", "x", "1 syslog 99 short\n", "1234567890 a 0\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 16
		r := bufio.NewReader(bytes.NewReader(in))
		var buf []byte
		for {
			fr, err := readRELP(r, max, &buf)
			if err != nil {
				return
			}
			if len(fr.data) > max || len(fr.command) == 0 || len(fr.command) > 32 || !isAlpha([]byte(fr.command)) {
				t.Fatalf("frame %+v", fr)
			}
		}
	})
}
