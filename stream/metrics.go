package stream

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

const namespace = "storeseg"

// metrics are the consumer's Prometheus metrics; stream/doc.go lists them.
type metrics struct {
	consumed      prometheus.Counter
	skipped       prometheus.Counter
	failed        *prometheus.CounterVec
	deadLettered  prometheus.Counter
	emitted       *prometheus.CounterVec
	tombstones    prometheus.Counter
	clamped       prometheus.Counter
	scored        prometheus.Counter
	novel         prometheus.Counter
	stateWritten  prometheus.Counter
	latency       prometheus.Histogram
	batchSize     prometheus.Histogram
	batchDuration prometheus.Histogram
	syncDuration  prometheus.Histogram
	retries       *prometheus.CounterVec
	lag           *prometheus.GaugeVec
	modelInfo     *prometheus.GaugeVec
	modelFailures *prometheus.CounterVec
	modelSwaps    prometheus.Counter
	rescoreDur    prometheus.Histogram
	rescored      prometheus.Counter
	psi           *prometheus.GaugeVec

	// reader holds kafka-go's reader statistics, accumulated from Stats deltas by the one
	// collector that calls Stats.
	readerMu    sync.Mutex
	readerStats func() kafka.ReaderStats
	readerTotal kafka.ReaderStats
}

// newMetrics builds the metrics and registers them with reg (if not nil); store and ready
// back the gauges of the state store's size and of readiness.
func newMetrics(reg prometheus.Registerer, store StateStore, ready func() bool) *metrics {
	m := &metrics{
		consumed: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "events_consumed_total", Help: "Input messages fetched from the input topic (replays included)."}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "events_skipped_total", Help: "Input messages skipped because the state store had already applied them."}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "events_failed_total", Help: "Input messages that could not be processed, by dead-letter reason."}, []string{"reason"}),
		deadLettered: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "events_dead_lettered_total", Help: "Input messages written to the dead-letter topic and acknowledged."}),
		emitted: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "assignments_emitted_total", Help: "Segment assignments produced and acknowledged, by segment id and source."}, []string{"segment", "source"}),
		tombstones: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "tombstones_emitted_total", Help: "Store removals propagated to the segments topic."}),
		clamped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "assignments_clamped_total", Help: "Assignments whose confidence or outlier score the model gave outside [0, 1], clamped (a model defect)."}),
		scored: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "stores_scored_total", Help: "Stores scored after a stream update changed them (rescores after swaps not included)."}),
		novel: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "stores_novel_total", Help: "Scored stores that fit no cluster's density (novelty flag set; their segment is the forest's)."}),
		stateWritten: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "states_emitted_total", Help: "Merged states (and removals) appended to the state changelog."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "stream",
			Name: "processing_latency_seconds", Help: "Time from an input record's timestamp to the acknowledgement of its outputs.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "stream",
			Name: "batch_size_messages", Help: "Input messages per processed batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 9)}),
		batchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "stream",
			Name: "batch_duration_seconds", Help: "Time to process one batch, from decoding to the offset commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		syncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "stream",
			Name: "state_sync_duration_seconds", Help: "Time of one background sync of the state store (group commit, Config.SyncInterval).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "stream",
			Name: "retries_total", Help: "Transient failures retried with backoff, by operation."}, []string{"op"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "stream",
			Name: "consumer_lag_messages", Help: "Messages behind the partition's high watermark at the last fetched message."}, []string{"partition"}),
		modelInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "model",
			Name: "info", Help: "1 for the model version currently serving."}, []string{"version"}),
		modelFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "model",
			Name: "load_failures_total", Help: "Model bundles rejected, by reason."}, []string{"reason"}),
		modelSwaps: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "model",
			Name: "swaps_total", Help: "Model bundles swapped in."}),
		rescoreDur: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "model",
			Name: "rescore_duration_seconds", Help: "Time to rescore every known store after a model swap, outputs acknowledged.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		rescored: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "model",
			Name: "rescored_stores_total", Help: "Stores rescored after model swaps."}),
		psi: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "drift",
			Name: "psi", Help: "Population stability index of each model feature (and of the segment shares, feature=\"segment\") over the recent window."}, []string{"feature"}),
	}
	if reg == nil {
		return m
	}
	reg.MustRegister(m.consumed, m.skipped, m.failed, m.deadLettered, m.emitted, m.tombstones, m.clamped, m.scored, m.novel, m.stateWritten,
		m.latency, m.batchSize, m.batchDuration, m.syncDuration, m.retries, m.lag, m.modelInfo, m.modelFailures, m.modelSwaps,
		m.rescoreDur, m.rescored, m.psi)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "state",
		Name: "lsm_size_bytes", Help: "On-disk size of the state store's LSM tree."},
		func() float64 { return float64(store.Stats().LSMBytes) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "state",
		Name: "value_log_size_bytes", Help: "On-disk size of the state store's value log."},
		func() float64 { return float64(store.Stats().ValueLogBytes) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "stream",
		Name: "ready", Help: "1 while Run consumes with a model serving (the readiness probe also checks the broker)."},
		func() float64 {
			if ready() {
				return 1
			}
			return 0
		}))
	reg.MustRegister(&readerCollector{m: m})
	return m
}

func (m *metrics) partitionLag(p int, lag int64) {
	m.lag.WithLabelValues(strconv.Itoa(p)).Set(float64(max(lag, 0)))
}

// setReader makes the collector read stats from r (nil: none).
func (m *metrics) setReader(stats func() kafka.ReaderStats) {
	m.readerMu.Lock()
	m.readerStats = stats
	m.readerMu.Unlock()
}

var (
	readerFetchesDesc = prometheus.NewDesc(namespace+"_kafka_reader_fetches_total", "Fetch requests of the input reader.", nil, nil)
	readerBytesDesc   = prometheus.NewDesc(namespace+"_kafka_reader_bytes_total", "Message bytes read by the input reader.", nil, nil)
	readerRebalDesc   = prometheus.NewDesc(namespace+"_kafka_reader_rebalances_total", "Consumer group rebalances seen by the input reader.", nil, nil)
	readerErrorsDesc  = prometheus.NewDesc(namespace+"_kafka_reader_errors_total", "Errors of the input reader.", nil, nil)
	readerQueueDesc   = prometheus.NewDesc(namespace+"_kafka_reader_queue_messages", "Messages fetched and waiting in the input reader's queue.", nil, nil)
)

// readerCollector exports kafka-go's reader statistics. Reader.Stats returns deltas since its
// last call, so this collector is its only caller.
type readerCollector struct{ m *metrics }

func (c *readerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{readerFetchesDesc, readerBytesDesc, readerRebalDesc, readerErrorsDesc, readerQueueDesc} {
		ch <- d
	}
}

func (c *readerCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	m.readerMu.Lock()
	var queue int64
	if m.readerStats != nil {
		s := m.readerStats()
		m.readerTotal.Fetches += s.Fetches
		m.readerTotal.Bytes += s.Bytes
		m.readerTotal.Rebalances += s.Rebalances
		m.readerTotal.Errors += s.Errors
		queue = s.QueueLength
	}
	t := m.readerTotal
	m.readerMu.Unlock()
	ch <- prometheus.MustNewConstMetric(readerFetchesDesc, prometheus.CounterValue, float64(t.Fetches))
	ch <- prometheus.MustNewConstMetric(readerBytesDesc, prometheus.CounterValue, float64(t.Bytes))
	ch <- prometheus.MustNewConstMetric(readerRebalDesc, prometheus.CounterValue, float64(t.Rebalances))
	ch <- prometheus.MustNewConstMetric(readerErrorsDesc, prometheus.CounterValue, float64(t.Errors))
	ch <- prometheus.MustNewConstMetric(readerQueueDesc, prometheus.GaugeValue, float64(queue))
}
