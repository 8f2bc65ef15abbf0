package syslog

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"vigil/internal/ingest/ingesttest"
	"vigil/internal/store"
)

// benchLines are realistic messages, RFC 3164 and 5424 mixed, ~150 to 250
// bytes, from a few hundred hosts and a handful of programs.
func benchLines(n int) [][]byte {
	programs := []string{"sshd", "CRON", "systemd", "kernel", "nginx", "postfix/smtpd", "sudo", "dockerd"}
	lines := make([][]byte, n)
	for i := range lines {
		host := fmt.Sprintf("host-%03d", (i*i)%(1+i%300))
		prog := programs[i%len(programs)]
		msg := fmt.Sprintf("session %d opened for user u%d from 10.%d.%d.%d port %d ssh2: RSA SHA256:%08x", i, i%97, i%250, (i/7)%250, i%13, 1024+i%50000, uint32(i*2654435761))
		if i%2 == 0 {
			lines[i] = fmt.Appendf(nil, "<%d>Mar %2d 10:%02d:%02d %s %s[%d]: %s\n", 8+i%8*8+i%5, 1+i%28, i%60, (i/60)%60, host, prog, 1000+i%5000, msg)
		} else {
			lines[i] = fmt.Appendf(nil, "<%d>1 2024-03-01T10:%02d:%02d.%06dZ %s %s %d ID%d - %s\n", 8+i%8*8+i%5, i%60, (i/60)%60, i%1000000, host, prog, 1000+i%5000, i%100, msg)
		}
	}
	return lines
}

// BenchmarkParse is the receiver's own cost per message: parsing and
// building the row, without the store.
func BenchmarkParse(b *testing.B) {
	lines := benchLines(4096)
	now := time.Now()
	var bl builder
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		line := lines[i%len(lines)]
		bl.add(line[:len(line)-1], false, "10.0.0.1", 0, now)
		if bl.messages() == 2000 {
			bl.take("ws", now)
		}
	}
}

// BenchmarkTCP sends syslog over loopback TCP from several connections
// into a server storing durably in a real store in a temporary
// directory; an operation is one message, stored. It reports messages
// per second until the last is durable, and the process's CPU time per
// message once every message is also sealed into segments (cpu-ns/msg:
// sender, receiver, store, sealing and term index together); allocs/op
// are the allocations per message of the whole path, the store's
// included.
func BenchmarkTCP(b *testing.B) {
	for _, conns := range []int{1, 4} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			st, err := store.Open(b.TempDir(), store.Options{HotMaxBytes: 4 << 30})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			srv := NewServer(Config{TCP: "127.0.0.1:0", Workspace: "ws1", BatchSize: 2000}, st, nil)
			if err := srv.Start(); err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			_, addr, _ := srv.Addrs()
			lines := benchLines(8192)
			stored := &srv.stats[transportTCP].stored
			base := stored.Load()
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), ingesttest.CPUTime()
			var wg sync.WaitGroup
			for c := 0; c < conns; c++ {
				n := b.N / conns
				if c == 0 {
					n += b.N % conns
				}
				wg.Add(1)
				go func(c, n int) {
					defer wg.Done()
					conn, err := net.Dial("tcp", addr.String())
					if err != nil {
						b.Error(err)
						return
					}
					defer conn.Close()
					w := bufio.NewWriterSize(conn, 256<<10)
					for i := 0; i < n; i++ {
						w.Write(lines[(c*7919+i)%len(lines)])
					}
					w.Flush()
				}(c, n)
			}
			wg.Wait()
			for stored.Load()-base < uint64(b.N) {
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			b.StopTimer()
			if err := st.Flush(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(ingesttest.CPUTime()-cpu)/float64(b.N), "cpu-ns/msg")
		})
	}
}
