package store

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"vigil/internal/ledger"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLedgerOverhead measures the ledger's share of a durable append
// of 1,000-row syslog-like batches from 8 writers: the CPU time of the
// ledger's work for a batch (SHA-256 of its original bytes, HashRows of
// its rows, the leaf appended and synced to a log) over the CPU time of
// the whole append, the ledger's work included, and the ledger's CPU time
// per batch. CPU time, since the machine is shared; the budget is
// 5%.
func BenchmarkLedgerOverhead(b *testing.B) {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	batches := make([]*Batch, 16)
	recs := make([]*batchRecord, len(batches))
	for i := range batches {
		batches[i] = syslogBatch(i, 1000, t0)
		_, cols, rows, err := normalize(ws, nil, batches[i], t0)
		if err != nil {
			b.Fatal(err)
		}
		recs[i] = &batchRecord{workspace: ws, table: batches[i].Table, received: t0, cols: cols, rows: rows, raw: batches[i].Raw}
	}
	// The ledger's work first, before the store's threads exist: their
	// background work would otherwise count as the ledger's.
	l, err := ledger.OpenLog(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	cpu := cpuTime()
	for i := range b.N {
		rec := recs[i%len(recs)]
		rec.seq = uint64(i)
		if err := l.Append(batchLeaf(rec)); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Sync(); err != nil {
		b.Fatal(err)
	}
	ledgerCPU := cpuTime() - cpu
	s, err := Open(b.TempDir(), Options{HotMaxBytes: 4 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetBytes(int64(len(batches[0].Raw)))
	b.SetParallelism(4) // 8 writers on 2 cores
	var n atomic.Int64
	b.ResetTimer()
	cpu = cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bt := *batches[n.Add(1)%int64(len(batches))]
			for {
				_, err := s.Append(context.Background(), &bt)
				if err == ErrBusy {
					time.Sleep(time.Millisecond)
					continue
				}
				if err != nil {
					b.Error(err)
					return
				}
				break
			}
		}
	})
	appendCPU := cpuTime() - cpu
	b.StopTimer()
	b.ReportMetric(100*ledgerCPU.Seconds()/appendCPU.Seconds(), "ledger-%")
	b.ReportMetric(float64(ledgerCPU.Microseconds())/float64(b.N), "ledger-µs/batch")
}
