package api

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"vigil/internal/ingest"
	"vigil/internal/store"
)

type metrics struct {
	requests      *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	ingestedRows  *prometheus.CounterVec
	ingestedBytes *prometheus.CounterVec
	queries       *prometheus.CounterVec
	queryDuration prometheus.Histogram
}

func newMetrics(reg *prometheus.Registry, st *store.Store, rejects *ingest.RejectRecorder) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_http_requests_total",
			Help: "HTTP requests by method and status class."}, []string{"method", "code"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_rejected_requests_total",
			Help: "Requests refused, by reason."}, []string{"reason"}),
		ingestedRows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_ingested_rows_total",
			Help: "Rows accepted durably, by table."}, []string{"table"}),
		ingestedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_ingested_bytes_total",
			Help: "Original bytes accepted durably, by table."}, []string{"table"}),
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_queries_total",
			Help: "Queries run, by status."}, []string{"status"}),
		queryDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vigil_query_duration_seconds",
			Help: "Query latency.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}),
	}
	reg.MustRegister(m.requests, m.rejected, rejectsCollector{rejects}, m.ingestedRows, m.ingestedBytes, m.queries, m.queryDuration, storeCollector{st},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// rejectsCollector reports the records every receiver could not parse,
// counted by the recorder they share.
type rejectsCollector struct{ rec *ingest.RejectRecorder }

var descRejects = prometheus.NewDesc("vigil_ingest_rejected_records_total",
	"Records that could not be parsed, by receiver and format.", []string{"source", "format"}, nil)

func (c rejectsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descRejects }

func (c rejectsCollector) Collect(ch chan<- prometheus.Metric) {
	for k, n := range c.rec.Counts() {
		ch <- prometheus.MustNewConstMetric(descRejects, prometheus.CounterValue, float64(n), k.Source, k.Format)
	}
}

// storeCollector reports the store's sizes when scraped.
type storeCollector struct{ st *store.Store }

var (
	descWAL      = prometheus.NewDesc("vigil_wal_bytes", "Bytes of write-ahead log on disk.", nil, nil)
	descHot      = prometheus.NewDesc("vigil_hot_bytes", "Estimated bytes of rows not yet sealed.", nil, nil)
	descSegments = prometheus.NewDesc("vigil_segments", "Sealed segments.", nil, nil)
	descSegBytes = prometheus.NewDesc("vigil_segment_bytes", "Bytes of sealed segments.", nil, nil)
	descRows     = prometheus.NewDesc("vigil_table_rows", "Rows held, by workspace, table and state (hot or sealed).", []string{"workspace", "table", "state"}, nil)
	descTermSegs = prometheus.NewDesc("vigil_term_index_segments_total",
		"Segments met by queries with search terms, by outcome: skipped by the term index, read (whole or in part), or read whole for lack of an index.", []string{"outcome"}, nil)
	descTermUnits = prometheus.NewDesc("vigil_term_index_row_groups_total",
		"Row groups of indexed segments met by queries with search terms, by outcome (skipped or read).", []string{"outcome"}, nil)
)

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWAL, descHot, descSegments, descSegBytes, descRows, descTermSegs, descTermUnits} {
		ch <- d
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.st.Stats()
	ch <- prometheus.MustNewConstMetric(descWAL, prometheus.GaugeValue, float64(st.WALBytes))
	ch <- prometheus.MustNewConstMetric(descHot, prometheus.GaugeValue, float64(st.HotBytes))
	ch <- prometheus.MustNewConstMetric(descSegments, prometheus.GaugeValue, float64(st.Segments))
	ch <- prometheus.MustNewConstMetric(descSegBytes, prometheus.GaugeValue, float64(st.SegmentBytes))
	ti := st.TermIndex
	ch <- prometheus.MustNewConstMetric(descTermSegs, prometheus.CounterValue, float64(ti.SegmentsSkipped), "skipped")
	ch <- prometheus.MustNewConstMetric(descTermSegs, prometheus.CounterValue, float64(ti.SegmentsRead), "read")
	ch <- prometheus.MustNewConstMetric(descTermSegs, prometheus.CounterValue, float64(ti.SegmentsUnindexed), "unindexed")
	ch <- prometheus.MustNewConstMetric(descTermUnits, prometheus.CounterValue, float64(ti.UnitsSkipped), "skipped")
	ch <- prometheus.MustNewConstMetric(descTermUnits, prometheus.CounterValue, float64(ti.UnitsRead), "read")
	for _, t := range st.Tables {
		ch <- prometheus.MustNewConstMetric(descRows, prometheus.GaugeValue, float64(t.HotRows), t.Workspace, t.Table, "hot")
		ch <- prometheus.MustNewConstMetric(descRows, prometheus.GaugeValue, float64(t.SegmentRows), t.Workspace, t.Table, "sealed")
	}
}
