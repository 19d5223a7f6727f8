package stream

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/model/preprocess"
)

// EmitPolicy says when the consumer emits a SegmentAssignment for a scored store.
type EmitPolicy int

const (
	// EmitOnChange emits when the store has no acknowledged assignment yet or its segment
	// differs from the last one emitted.
	EmitOnChange EmitPolicy = iota
	// EmitAlways emits for every changed state, and at a model swap for every store whose
	// last assignment came from another model version.
	EmitAlways
)

// String returns "on-change" or "always".
func (p EmitPolicy) String() string {
	if p == EmitAlways {
		return "always"
	}
	return "on-change"
}

// ParseEmitPolicy parses the names String returns.
func ParseEmitPolicy(s string) (EmitPolicy, error) {
	switch s {
	case "on-change", "":
		return EmitOnChange, nil
	case "always":
		return EmitAlways, nil
	}
	return 0, fmt.Errorf("%w: emit policy %q (want on-change or always)", ErrConfig, s)
}

// Compression is the codec of the batches the consumer produces (changelog, segments and
// dead letters).
type Compression int

// Compressions.
const (
	// CompressionNone sends batches uncompressed. The outputs are small Avro records; on
	// loopback and a LAN this costs the consumer and the broker the least CPU
	// (docs/BENCHMARKS.md).
	CompressionNone Compression = iota
	// CompressionLZ4 is fast; worth it where network bytes are scarce.
	CompressionLZ4
	// CompressionSnappy is fast, a little larger than LZ4.
	CompressionSnappy
	// CompressionZstd is the smallest and the most CPU.
	CompressionZstd
	// CompressionGzip is for brokers or tools that need it.
	CompressionGzip
)

var compressionNames = [...]string{"none", "lz4", "snappy", "zstd", "gzip"}

// String returns the codec's name: none, lz4, snappy, zstd or gzip.
func (c Compression) String() string {
	if c >= 0 && int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// ParseCompression parses the names String returns.
func ParseCompression(s string) (Compression, error) {
	for i, n := range compressionNames {
		if s == n {
			return Compression(i), nil
		}
	}
	return 0, fmt.Errorf("%w: compression %q (want none, lz4, snappy, zstd or gzip)", ErrConfig, s)
}

func (c Compression) codec() kafka.Compression {
	return [...]kafka.Compression{0, kafka.Lz4, kafka.Snappy, kafka.Zstd, kafka.Gzip}[c]
}

// Topics names the topics the consumer reads and writes.
type Topics struct {
	// Input is the topic of StoreFeatureUpdate events. Default "store-features".
	Input string
	// DLQ receives the input messages that cannot be processed. Default "store-features.dlq".
	DLQ string
	// State is the compacted changelog of merged store states. Default "store-state".
	State string
	// Segments is the compacted topic of segment assignments. Default "store-segments".
	Segments string
	// Models is the compacted topic of model bundles. Default "segment-models".
	Models string
}

// DefaultTopics returns the default topic names.
func DefaultTopics() Topics {
	return Topics{
		Input:    "store-features",
		DLQ:      "store-features.dlq",
		State:    "store-state",
		Segments: "store-segments",
		Models:   "segment-models",
	}
}

func (t Topics) validate() error {
	names := map[string]string{"input": t.Input, "dlq": t.DLQ, "state": t.State, "segments": t.Segments, "models": t.Models}
	seen := map[string]string{}
	var errs []error
	for _, role := range []string{"input", "dlq", "state", "segments", "models"} {
		n := names[role]
		if n == "" {
			errs = append(errs, fmt.Errorf("%w: topic for %s is empty", ErrConfig, role))
			continue
		}
		if other, ok := seen[n]; ok {
			errs = append(errs, fmt.Errorf("%w: topic %q used for both %s and %s", ErrConfig, n, other, role))
		}
		seen[n] = role
	}
	return errors.Join(errs...)
}

// TopicSetup says how missing topics are created at start.
type TopicSetup struct {
	// Create creates missing topics at start. Default true.
	Create bool
	// Partitions is the partition count of created input, DLQ, state and segment topics.
	// Default 6.
	Partitions int
	// ReplicationFactor of created topics. Default 1.
	ReplicationFactor int
	// ModelMaxMessageBytes is max.message.bytes of a created models topic. Default 8 MiB.
	ModelMaxMessageBytes int
}

// Config configures a Consumer. Start from DefaultConfig; every timeout is configurable.
type Config struct {
	Kafka  KafkaConfig
	Topics Topics
	Setup  TopicSetup
	// GroupID is the consumer group of the input topic. Default "storeseg-consumer".
	GroupID string
	// ModelName selects the model lineage followed on the models topic (the <model> of its
	// keys). Default "storeseg"; "" follows every model published there.
	ModelName string
	// Emit is the emit policy. Default EmitOnChange (the zero value).
	Emit EmitPolicy
	// BatchSize bounds the messages processed together. Default 2000.
	BatchSize int
	// BatchMaxWait bounds how long a batch waits for more messages once it has one.
	// Default 5 ms.
	BatchMaxWait time.Duration
	// MaxMessageBytes rejects (dead-letters) input messages whose key and value together are
	// larger. Default 64 KiB.
	MaxMessageBytes int
	// Spec, when it has features, validates raw values before they are merged (bounds and
	// log1p domain of numeric features), so bad values are dead-lettered even before any
	// model exists. The zero value checks nothing beyond the schema's own rules.
	Spec preprocess.Spec
	// Compression is the codec of the produced outputs. Default CompressionNone (the zero
	// value).
	Compression Compression
	// CommitInterval is how often the input offsets of persisted batches are committed to
	// the consumer group, in the background. Default 1 s; zero commits synchronously after
	// every batch (a round trip to the group coordinator per batch, on the lane's critical
	// path). The state store holds each partition's applied offset with the state, so after
	// a crash the batches persisted since the last group commit are read again and skipped
	// (storeseg_stream_events_skipped_total), never applied twice; the reader commits what it
	// holds when it closes or the group rebalances.
	CommitInterval time.Duration
	// SyncInterval, when positive, makes the consumer responsible for the state store's
	// durability (group commit): the store writes batches without an fsync each
	// (statestore.Config.SyncWrites false), the consumer calls StateStore.Sync this often in
	// the background, and a batch's input offsets are committed only after a sync that began
	// once the batch was persisted. One fsync then covers every batch of the interval, and a
	// slow one (the disk busy writing a flushed table) delays offset commits rather than the
	// lanes: with an fsync per batch, each memtable flush at 10,000 updates/s held the lanes
	// for about two seconds (docs/BENCHMARKS.md). A crash loses at most the state of batches
	// whose offsets are not committed, which are consumed again. Zero commits offsets as soon
	// as each batch is persisted, leaving durability to the store. Default 0; cmd/consumer's
	// --state-sync group uses 50 ms.
	SyncInterval time.Duration
	// ProduceLinger is how long an output writer waits for more messages before it sends a
	// partition's batch (kafka-go's Writer.BatchTimeout): every produce of a batch's outputs
	// waits this long unless a partition's batch fills (512 messages). Default 2 ms.
	ProduceLinger time.Duration
	// WriteTimeout bounds one attempt to produce and acknowledge a batch's outputs.
	// Default 10 s.
	WriteTimeout time.Duration
	// RetryMin and RetryMax bound the exponential backoff of transient failures (broker or
	// registry away). Defaults 100 ms and 5 s.
	RetryMin, RetryMax time.Duration
	// ShutdownTimeout bounds finishing the current batch and closing the Kafka clients after
	// Run's context is cancelled. Default 15 s.
	ShutdownTimeout time.Duration
	// Lanes is how many batches are processed at once, each from its own partitions (a
	// partition's batches stay in order). Default runtime.GOMAXPROCS(0) + 1: a lane waits for
	// acknowledgements between its CPU bursts, and one lane more than CPUs keeps them busy
	// (on 2 CPUs, 3 lanes drained a backlog about a third faster than 2; see
	// docs/BENCHMARKS.md). Zero means the default.
	Lanes int
	// ScoreWorkers is how many goroutines score a batch's (or a rescore chunk's) stores.
	// Default runtime.GOMAXPROCS(0); zero means the default.
	ScoreWorkers int
	// RescoreChunk is how many stores a model swap rescores before producing their outputs.
	// Default 5000.
	RescoreChunk int
	// DriftWindow is the number of recently scored stores drift is measured over.
	// Default 10000.
	DriftWindow int
	// DriftInterval is how often the drift gauges are recomputed. Default 10 s.
	DriftInterval time.Duration
	// ModelWait bounds how long Run waits at start for the models topic to be read to its
	// end, so the first batches are scored by the newest model. Default 30 s; zero does not
	// wait.
	ModelWait time.Duration
	// ReadyTimeout bounds the broker check of the readiness probe. Default 2 s.
	ReadyTimeout time.Duration
}

// DefaultConfig returns the defaults documented on Config for the given brokers.
func DefaultConfig(brokers ...string) Config {
	return Config{
		Kafka:           DefaultKafkaConfig(brokers...),
		Topics:          DefaultTopics(),
		Setup:           TopicSetup{Create: true, Partitions: 6, ReplicationFactor: 1, ModelMaxMessageBytes: 8 << 20},
		GroupID:         "storeseg-consumer",
		ModelName:       "storeseg",
		BatchSize:       2000,
		BatchMaxWait:    5 * time.Millisecond,
		MaxMessageBytes: 64 << 10,
		CommitInterval:  time.Second,
		ProduceLinger:   2 * time.Millisecond,
		WriteTimeout:    10 * time.Second,
		RetryMin:        100 * time.Millisecond,
		RetryMax:        5 * time.Second,
		ShutdownTimeout: 15 * time.Second,
		ScoreWorkers:    runtime.GOMAXPROCS(0),
		RescoreChunk:    5000,
		DriftWindow:     10000,
		DriftInterval:   10 * time.Second,
		ModelWait:       30 * time.Second,
		ReadyTimeout:    2 * time.Second,
	}
}

// Validate checks the configuration; the error names every bad field.
func (c Config) Validate() error {
	errs := []error{c.Kafka.Validate(), c.Topics.validate()}
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...))
	}
	if c.GroupID == "" {
		bad("group id is empty")
	}
	if strings.ContainsAny(c.ModelName, "/") {
		bad("model name %q contains '/'", c.ModelName)
	}
	if c.ScoreWorkers < 0 || c.Lanes < 0 {
		bad("score workers %d and lanes %d must not be negative", c.ScoreWorkers, c.Lanes)
	}
	if c.Emit != EmitOnChange && c.Emit != EmitAlways {
		bad("emit policy %d", c.Emit)
	}
	if c.Compression < 0 || int(c.Compression) >= len(compressionNames) {
		bad("compression %d", c.Compression)
	}
	positive := map[string]int{"batch size": c.BatchSize, "max message bytes": c.MaxMessageBytes,
		"rescore chunk": c.RescoreChunk, "drift window": c.DriftWindow}
	for name, v := range positive {
		if v <= 0 {
			bad("%s %d is not positive", name, v)
		}
	}
	durations := map[string]time.Duration{"batch max wait": c.BatchMaxWait, "write timeout": c.WriteTimeout,
		"retry min": c.RetryMin, "retry max": c.RetryMax, "shutdown timeout": c.ShutdownTimeout,
		"drift interval": c.DriftInterval, "ready timeout": c.ReadyTimeout, "produce linger": c.ProduceLinger}
	for name, d := range durations {
		if d <= 0 {
			bad("%s %s is not positive", name, d)
		}
	}
	if c.CommitInterval < 0 || c.SyncInterval < 0 {
		bad("commit interval %s and sync interval %s must not be negative", c.CommitInterval, c.SyncInterval)
	}
	if c.RetryMax < c.RetryMin {
		bad("retry max %s is below retry min %s", c.RetryMax, c.RetryMin)
	}
	if c.Setup.Create && (c.Setup.Partitions <= 0 || c.Setup.ReplicationFactor <= 0 || c.Setup.ModelMaxMessageBytes < 1<<20) {
		bad("topic setup: partitions %d and replication factor %d must be positive, model max message bytes %d at least 1 MiB",
			c.Setup.Partitions, c.Setup.ReplicationFactor, c.Setup.ModelMaxMessageBytes)
	}
	return errors.Join(errs...)
}
