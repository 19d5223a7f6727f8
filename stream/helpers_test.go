package stream_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/forest"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/stream"
	"github.com/storeseg/storeseg/stream/loadgen"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fitStores is the number of generated stores the test models are fitted on; the tests
// stream the same stores, so unchanged ones get the refit's own assignment.
const fitStores = 600

// configWith parses the default config with every old replaced by new.
func configWith(t testing.TB, oldnew ...string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(strings.NewReplacer(oldnew...).Replace(string(config.DefaultYAML()))))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// fitBundle fits a model with cfg on the first n generated stores (columns renamed as
// cfg's features are, see renamed) and returns it with its bytes.
func fitBundle(t testing.TB, n int, cfg *config.Config, renamed map[string]string) (*model.Bundle, []byte) {
	t.Helper()
	raw := newGen(t, n, 0).Frame(n)
	for j, name := range raw.NumNames {
		if to, ok := renamed[name]; ok {
			raw.NumNames[j] = to
		}
	}
	fc := cfg.FitConfig()
	fc.HDBSCAN = hdbscan.Config{MinClusterSize: 20, MinSamples: 10}
	fc.Assign = forest.AssignConfig{CoreThreshold: 0.5, Forest: forest.Config{NEstimators: 20, Seed: 7}}
	r, err := model.Fit(context.Background(), model.FitInput{Raw: raw, ConfigHash: "stream-test"}, fc)
	if err != nil {
		t.Fatalf("fitting the test model: %v", err)
	}
	data, err := r.Bundle.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return r.Bundle, data
}

// onlyFeatures keeps the columns cfg uses (the generator has more, e.g. city).
func onlyFeatures(t testing.TB, f *frame.Frame, cfg *config.Config) *frame.Frame {
	t.Helper()
	out, err := model.Project(f, cfg.FitConfig().Preprocess)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	sharedOnce   sync.Once
	sharedBundle *model.Bundle
	sharedBytes  []byte
)

// defaultBundle is one shared fit of fitStores stores.
func defaultBundle(t testing.TB) (*model.Bundle, []byte) {
	sharedOnce.Do(func() { sharedBundle, sharedBytes = fitBundle(t, fitStores, config.Default(), nil) })
	if sharedBundle == nil {
		t.Fatal("the shared test model failed to fit")
	}
	return sharedBundle, sharedBytes
}

func newGen(t testing.TB, n int, schemaID int) *loadgen.Generator {
	t.Helper()
	cfg := loadgen.DefaultConfig()
	cfg.Synth.Stores = n
	cfg.SchemaID = schemaID
	g, err := loadgen.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// env is an in-process Kafka-protocol broker (kfake) with a consumer config for it.
type env struct {
	t       *testing.T
	brokers []string
	cfg     stream.Config
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cfg := stream.DefaultConfig(c.ListenAddrs()...)
	cfg.Setup.Partitions = 3
	cfg.GroupID = "test-group"
	cfg.BatchSize = 500
	cfg.BatchMaxWait = 5 * time.Millisecond
	cfg.RetryMin, cfg.RetryMax = 10*time.Millisecond, 200*time.Millisecond
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.WriteTimeout = 5 * time.Second
	cfg.DriftInterval = time.Millisecond
	cfg.Spec = config.Default().PreprocessSpec()
	if err := stream.EnsureTopics(context.Background(), cfg.Kafka, cfg.TopicSpecs()); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, brokers: c.ListenAddrs(), cfg: cfg}
}

// running is a consumer started by env.start.
type running struct {
	c    *stream.Consumer
	reg  *prometheus.Registry
	http *httptest.Server
	stop func() error
}

// start runs a consumer on store until the test ends (or stop is called).
func (e *env) start(cfg stream.Config, store stream.StateStore) *running {
	e.t.Helper()
	return e.startWith(cfg, store, nil)
}

// startWith is start with a Schema Registry.
func (e *env) startWith(cfg stream.Config, store stream.StateStore, registry stream.SchemaRegistry) *running {
	e.t.Helper()
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("STREAM_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	c, err := stream.New(cfg, store, registry, log, reg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	srv := httptest.NewServer(c.Handler(reg))
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
			srv.Close()
		})
		return runErr
	}
	e.t.Cleanup(func() {
		if err := stop(); err != nil {
			e.t.Errorf("Run: %v", err)
		}
	})
	return &running{c: c, reg: reg, http: srv, stop: stop}
}

// produce writes msgs to topic with kafka-go (murmur2 keys, acks from all replicas).
func (e *env) produce(topic string, msgs ...kafka.Message) {
	e.t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(e.brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll, Transport: &kafka.Transport{}}
	defer func() {
		w.Close()
		w.Transport.(*kafka.Transport).CloseIdleConnections()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		err := w.WriteMessages(ctx, msgs...)
		if err == nil {
			return
		}
		if !errors.Is(err, kafka.UnknownTopicOrPartition) && !errors.Is(err, kafka.LeaderNotAvailable) || ctx.Err() != nil {
			e.t.Fatalf("producing to %s: %v", topic, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// snapshots returns the snapshot messages of stores [from, to).
func snapshots(t testing.TB, g *loadgen.Generator, from, to int) []kafka.Message {
	t.Helper()
	msgs := make([]kafka.Message, 0, to-from)
	for i := from; i < to; i++ {
		v, err := g.Snapshot(nil, i)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, kafka.Message{Key: g.Key(i), Value: v})
	}
	return msgs
}

// updates returns the step updates of stores [from, to).
func updates(t testing.TB, g *loadgen.Generator, from, to, step int) []kafka.Message {
	t.Helper()
	msgs := make([]kafka.Message, 0, to-from)
	for i := from; i < to; i++ {
		v, err := g.Update(nil, i, step)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, kafka.Message{Key: g.Key(i), Value: v})
	}
	return msgs
}

// publish publishes a bundle as the refit does.
func (e *env) publish(version string, data []byte) {
	e.t.Helper()
	cfg := stream.DefaultPublisherConfig(e.brokers...)
	cfg.ChunkSize = 64 << 10 // several chunks
	p, err := stream.NewPublisher(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := p.Publish(ctx, schemas.ModelPublished{ModelName: "storeseg", ModelVersion: version, BundleFormat: "storeseg-bundle/v1"}, data); err != nil {
		e.t.Fatal(err)
	}
}

// topicLog reads a topic from the start (kgo, no group) and keeps its records.
type topicLog struct {
	t    *testing.T
	cl   *kgo.Client
	recs []*kgo.Record
}

func (e *env) follow(topic string) *topicLog {
	e.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(cl.Close)
	return &topicLog{t: e.t, cl: cl}
}

// until polls until cond holds for the records read so far, failing the test after d.
func (l *topicLog) until(d time.Duration, what string, cond func([]*kgo.Record) bool) []*kgo.Record {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond(l.recs) {
		pctx, pcancel := context.WithTimeout(ctx, 100*time.Millisecond)
		fs := l.cl.PollFetches(pctx)
		pcancel()
		fs.EachRecord(func(r *kgo.Record) { l.recs = append(l.recs, r) })
		if ctx.Err() != nil {
			l.t.Fatalf("timed out after %s waiting for %s (%d records read)", d, what, len(l.recs))
		}
	}
	return l.recs
}

// latest returns the last record per key.
func latest(recs []*kgo.Record) map[string]*kgo.Record {
	m := map[string]*kgo.Record{}
	for _, r := range recs {
		m[string(r.Key)] = r
	}
	return m
}

func keys(n int) func([]*kgo.Record) bool {
	return func(recs []*kgo.Record) bool { return len(latest(recs)) >= n }
}

func decodeAssignment(t testing.TB, v []byte) schemas.SegmentAssignment {
	t.Helper()
	var sa schemas.SegmentAssignment
	if err := schemas.NewDecoder(nil).Decode(context.Background(), v, &sa); err != nil {
		t.Fatalf("decoding assignment: %v", err)
	}
	return sa
}

func decodeState(t testing.TB, v []byte) schemas.StoreState {
	t.Helper()
	var st schemas.StoreState
	if err := schemas.NewDecoder(nil).Decode(context.Background(), v, &st); err != nil {
		t.Fatalf("decoding state: %v", err)
	}
	return st
}

// get fetches an HTTP path of a running consumer.
func (r *running) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(r.http.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// series returns the number of series of a metric of a running consumer.
func series(t *testing.T, r *running, name string) int {
	t.Helper()
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}

// metric returns the value of a counter or gauge of a running consumer: the sum over the
// series whose labels contain label ("name=value"; "" for all).
func metric(t *testing.T, r *running, name, label string) float64 {
	t.Helper()
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, lp := range m.GetLabel() {
				if lp.GetName()+"="+lp.GetValue() == label {
					match = true
				}
			}
			if !match {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}
