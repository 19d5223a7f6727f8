package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/stream"
)

// options are the command's flags (and their environment variables).
type options struct {
	brokers              string
	dev                  bool
	devPort              int
	model                string
	dataDir              string
	stateDir             string
	stateInMemory        bool
	encryptionKeyFile    string
	httpAddr             string
	configFile           string
	group                string
	modelName            string
	emit                 string
	partitions           int
	batchSize            int
	batchWait            time.Duration
	inputTopic           string
	dlqTopic             string
	stateTopic           string
	segmentsTopic        string
	modelsTopic          string
	registryURL          string
	registryUser         string
	registryPassword     string
	tls                  bool
	tlsCA                string
	tlsCert              string
	tlsKey               string
	tlsServerName        string
	tlsInsecure          bool
	saslMechanism        string
	saslUser             string
	saslPassword         string
	shutdownTimeout      time.Duration
	logLevel             string
	logFormat            string
	stateSync            string
	stateSyncInterval    time.Duration
	driftWindow          int
	maxMessageBytes      int
	noCreateTopics       bool
	modelMaxMessageBytes int
	pprof                bool
	stateCompression     string
	stateMemtableMiB     int
	stateValueThreshold  int64
	outputCompression    string
	commitInterval       time.Duration
	produceLinger        time.Duration
	lanes                int
}

func parseFlags(args []string, getenv func(string) string, stdout io.Writer) (*options, error) {
	o := &options{}
	d := stream.DefaultConfig()
	fs := flag.NewFlagSet("consumer", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.StringVar(&o.brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated (also $KAFKA_BROKERS); none starts the dev broker")
	fs.BoolVar(&o.dev, "dev", false, "start an in-process Kafka-protocol broker on 127.0.0.1 and use it")
	fs.IntVar(&o.devPort, "dev-port", 0, "port of the dev broker (0 picks a free one)")
	fs.StringVar(&o.model, "model", "", "publish this model bundle file onto the models topic at start (as refit does)")
	fs.StringVar(&o.dataDir, "data-dir", "data", "data directory; the state store lives in DIR/state")
	fs.StringVar(&o.stateDir, "state-dir", "", "state store directory (default DATA-DIR/state)")
	fs.BoolVar(&o.stateInMemory, "state-in-memory", false, "keep the state in memory only (dev; lost at exit)")
	fs.StringVar(&o.encryptionKeyFile, "encryption-key-file", "", "file holding a 16, 24 or 32 byte AES key to encrypt the state store at rest")
	fs.StringVar(&o.stateSync, "state-sync", "group", "how the state store is made durable before input offsets are committed: "+
		"group (one background fsync every --state-sync-interval covers all batches since the last), batch (an fsync in every batch's commit), "+
		"off (none: only where losing power loses the disk too)")
	fs.DurationVar(&o.stateSyncInterval, "state-sync-interval", 50*time.Millisecond, "how often --state-sync group fsyncs the state store")
	fs.StringVar(&o.stateCompression, "state-compression", statestore.DefaultConfig("").Compression.String(), "block compression of the state store's tables: none, snappy or zstd")
	fs.Int64Var(&o.stateValueThreshold, "state-value-threshold", statestore.DefaultConfig("").ValueThreshold, "size in bytes from which a state value goes to Badger's value log, leaving a pointer in the LSM tree")
	fs.IntVar(&o.stateMemtableMiB, "state-memtable-mib", int(statestore.DefaultConfig("").MemTableSize>>20), "size of each of the state store's memtables in MiB (smaller: less memory, more frequent compactions)")
	fs.StringVar(&o.outputCompression, "output-compression", d.Compression.String(), "compression of the produced outputs: none, lz4, snappy, zstd or gzip")
	fs.StringVar(&o.httpAddr, "http-addr", ":8080", "address of the HTTP API (/metrics, /healthz, /readyz, /v1/...)")
	fs.StringVar(&o.configFile, "config", "", "segmentation config YAML whose numeric bounds validate input (default: the embedded default)")
	fs.StringVar(&o.group, "group", d.GroupID, "consumer group of the input topic")
	fs.StringVar(&o.modelName, "model-name", d.ModelName, "model lineage to follow on the models topic (empty: any)")
	fs.StringVar(&o.emit, "emit", d.Emit.String(), "emit policy: on-change or always")
	fs.IntVar(&o.partitions, "partitions", d.Setup.Partitions, "partitions of topics created at start")
	fs.BoolVar(&o.noCreateTopics, "no-create-topics", false, "do not create missing topics at start")
	fs.IntVar(&o.modelMaxMessageBytes, "model-max-message-bytes", d.Setup.ModelMaxMessageBytes, "max.message.bytes of a created models topic")
	fs.IntVar(&o.batchSize, "batch-size", d.BatchSize, "maximum messages per batch")
	fs.DurationVar(&o.batchWait, "batch-wait", d.BatchMaxWait, "how long a batch waits for more messages")
	fs.IntVar(&o.lanes, "lanes", d.Lanes, "batches processed at once, each from its own partitions (0: one per CPU, plus one)")
	fs.DurationVar(&o.commitInterval, "commit-interval", d.CommitInterval, "how often input offsets are committed to the group in the background (0: after every batch)")
	fs.DurationVar(&o.produceLinger, "produce-linger", d.ProduceLinger, "how long an output writer waits for more messages before sending a partition's batch")
	fs.IntVar(&o.maxMessageBytes, "max-message-bytes", d.MaxMessageBytes, "input messages larger than this are dead-lettered")
	fs.IntVar(&o.driftWindow, "drift-window", d.DriftWindow, "number of recently scored stores drift is measured over")
	fs.StringVar(&o.inputTopic, "input-topic", d.Topics.Input, "topic of store feature updates")
	fs.StringVar(&o.dlqTopic, "dlq-topic", d.Topics.DLQ, "dead-letter topic")
	fs.StringVar(&o.stateTopic, "state-topic", d.Topics.State, "compacted changelog of merged states")
	fs.StringVar(&o.segmentsTopic, "segments-topic", d.Topics.Segments, "compacted topic of segment assignments")
	fs.StringVar(&o.modelsTopic, "models-topic", d.Topics.Models, "compacted topic of model bundles")
	fs.StringVar(&o.registryURL, "registry-url", "", "Confluent Schema Registry URL (empty: Avro single-object framing)")
	fs.StringVar(&o.registryUser, "registry-user", "", "Schema Registry basic-auth user")
	fs.StringVar(&o.registryPassword, "registry-password", "", "Schema Registry basic-auth password")
	fs.BoolVar(&o.tls, "tls", false, "connect to Kafka with TLS")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM file of CAs to trust (default: the system pool)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM client certificate for mutual TLS")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM client key for mutual TLS")
	fs.StringVar(&o.tlsServerName, "tls-server-name", "", "name to verify the brokers' certificates against")
	fs.BoolVar(&o.tlsInsecure, "tls-insecure", false, "do not verify the brokers' certificates (testing only)")
	fs.StringVar(&o.saslMechanism, "sasl-mechanism", "", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	fs.StringVar(&o.saslUser, "sasl-user", "", "SASL user name")
	fs.StringVar(&o.saslPassword, "sasl-password", "", "SASL password (prefer $STORESEG_SASL_PASSWORD)")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", d.ShutdownTimeout, "time to finish the batch and close clients at shutdown")
	fs.BoolVar(&o.pprof, "pprof", false, "serve Go's profiler under /debug/pprof/ on the HTTP address")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := applyEnv(fs, getenv); err != nil {
		return nil, err
	}
	if o.brokers == "" {
		o.brokers = getenv("KAFKA_BROKERS")
	}
	return o, nil
}

// applyEnv sets every flag not given on the command line from STORESEG_<NAME>.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := "STORESEG_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// streamConfig builds the consumer's configuration for the given brokers.
func (o *options) streamConfig(brokers []string) (stream.Config, error) {
	c := stream.DefaultConfig(brokers...)
	c.GroupID, c.ModelName = o.group, o.modelName
	emit, err := stream.ParseEmitPolicy(o.emit)
	if err != nil {
		return c, err
	}
	c.Emit = emit
	if c.Compression, err = stream.ParseCompression(o.outputCompression); err != nil {
		return c, err
	}
	c.Setup.Create, c.Setup.Partitions, c.Setup.ModelMaxMessageBytes = !o.noCreateTopics, o.partitions, o.modelMaxMessageBytes
	c.BatchSize, c.BatchMaxWait, c.MaxMessageBytes, c.DriftWindow = o.batchSize, o.batchWait, o.maxMessageBytes, o.driftWindow
	c.ShutdownTimeout = o.shutdownTimeout
	c.CommitInterval, c.ProduceLinger, c.Lanes = o.commitInterval, o.produceLinger, o.lanes
	switch o.stateSync {
	case "group":
		if o.stateSyncInterval <= 0 {
			return c, fmt.Errorf("--state-sync-interval %s: want a positive duration", o.stateSyncInterval)
		}
		c.SyncInterval = o.stateSyncInterval
	case "batch", "off":
	default:
		return c, fmt.Errorf("--state-sync %q: want group, batch or off", o.stateSync)
	}
	c.Topics = stream.Topics{Input: o.inputTopic, DLQ: o.dlqTopic, State: o.stateTopic, Segments: o.segmentsTopic, Models: o.modelsTopic}
	c.Kafka.TLS = stream.TLSConfig{Enable: o.tls, CAFile: o.tlsCA, CertFile: o.tlsCert, KeyFile: o.tlsKey,
		ServerName: o.tlsServerName, InsecureSkipVerify: o.tlsInsecure}
	c.Kafka.SASL = stream.SASLConfig{Mechanism: strings.ToUpper(o.saslMechanism), Username: o.saslUser, Password: o.saslPassword}
	seg := config.Default()
	if o.configFile != "" {
		if seg, err = config.Load(o.configFile); err != nil {
			return c, err
		}
	}
	c.Spec = seg.PreprocessSpec()
	return c, c.Validate()
}

// stateConfig builds the state store's configuration.
func (o *options) stateConfig() (statestore.Config, error) {
	dir := o.stateDir
	if dir == "" {
		dir = filepath.Join(o.dataDir, "state")
	}
	c := statestore.DefaultConfig(dir)
	c.InMemory = o.stateInMemory
	c.SyncWrites = o.stateSync == "batch" // group: the consumer syncs (stream.Config.SyncInterval)
	comp, err := statestore.ParseCompression(o.stateCompression)
	if err != nil {
		return c, err
	}
	c.Compression = comp
	if o.stateMemtableMiB < 1 {
		return c, fmt.Errorf("--state-memtable-mib %d: want at least 1", o.stateMemtableMiB)
	}
	c.MemTableSize = int64(o.stateMemtableMiB) << 20
	if o.stateValueThreshold < 1 {
		return c, fmt.Errorf("--state-value-threshold %d: want at least 1", o.stateValueThreshold)
	}
	c.ValueThreshold = o.stateValueThreshold
	if o.encryptionKeyFile != "" {
		key, err := os.ReadFile(o.encryptionKeyFile)
		if err != nil {
			return c, fmt.Errorf("reading the encryption key: %w", err)
		}
		if n := len(key); n != 16 && n != 24 && n != 32 {
			key = []byte(strings.TrimSpace(string(key))) // a key typed into a text file
		}
		c.EncryptionKey = key
	}
	return c, c.Validate()
}

// logger builds the process logger.
func (o *options) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", o.logLevel, err)
	}
	h := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, h)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, h)), nil
	}
	return nil, fmt.Errorf("log format %q (want text or json)", o.logFormat)
}
