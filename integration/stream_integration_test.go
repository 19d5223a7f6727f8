//go:build integration

package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/forest"
	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/stream"
	"github.com/storeseg/storeseg/stream/loadgen"
)

// streamEnv is one test's topics and group on the real broker.
type streamEnv struct {
	t       *testing.T
	brokers []string
	cfg     stream.Config
	gen     *loadgen.Generator
}

func newStreamEnv(t *testing.T, stores int) *streamEnv {
	t.Helper()
	brokers := kafkaBrokers(t)
	id := uniqueName(t, "stream")
	cfg := stream.DefaultConfig(brokers...)
	cfg.Topics = stream.Topics{Input: id + "-features", DLQ: id + "-features.dlq", State: id + "-state",
		Segments: id + "-segments", Models: id + "-models"}
	cfg.GroupID = id + "-group"
	cfg.Setup.Partitions = 6
	cfg.BatchMaxWait = 10 * time.Millisecond
	cfg.RetryMin, cfg.RetryMax = 50*time.Millisecond, time.Second
	cfg.Spec = config.Default().PreprocessSpec()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := stream.EnsureTopics(ctx, cfg.Kafka, cfg.TopicSpecs()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteTopics(t, brokers, cfg.Topics) })
	lc := loadgen.DefaultConfig()
	lc.Synth.Stores = stores
	g, err := loadgen.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	return &streamEnv{t: t, brokers: brokers, cfg: cfg, gen: g}
}

func deleteTopics(t *testing.T, brokers []string, tp stream.Topics) {
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second, Transport: &kafka.Transport{}}
	defer c.Transport.(*kafka.Transport).CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{tp.Input, tp.DLQ, tp.State, tp.Segments, tp.Models}}); err != nil {
		t.Logf("deleting topics: %v", err)
	}
}

// fitModel fits the default config on the first n generated stores (seed as in loadgen).
func fitModel(t *testing.T, n int, seed uint64) (*model.Bundle, []byte) {
	t.Helper()
	cfg := config.Default()
	lc := loadgen.DefaultConfig()
	lc.Synth.Stores, lc.Synth.Seed = n, seed
	g, err := loadgen.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	raw := g.Frame(n) // Fit keeps the columns the config names
	fc := cfg.FitConfig()
	fc.HDBSCAN = hdbscan.Config{MinClusterSize: 20, MinSamples: 10}
	fc.Assign = forest.AssignConfig{CoreThreshold: 0.5, Forest: forest.Config{NEstimators: 30, Seed: 7}}
	r, err := model.Fit(context.Background(), model.FitInput{Raw: raw, ConfigHash: "integration"}, fc)
	if err != nil {
		t.Fatal(err)
	}
	data, err := r.Bundle.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return r.Bundle, data
}

func (e *streamEnv) publish(b *model.Bundle, data []byte) {
	e.t.Helper()
	pc := stream.DefaultPublisherConfig(e.brokers...)
	pc.Topic = e.cfg.Topics.Models
	p, err := stream.NewPublisher(pc)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.Publish(ctx, schemas.ModelPublished{ModelName: "storeseg", ModelVersion: b.Version(), BundleFormat: "storeseg-bundle/v1"}, data); err != nil {
		e.t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		e.t.Fatal(err)
	}
}

// consumerRun is a running consumer on a Badger state store in dir.
type consumerRun struct {
	c     *stream.Consumer
	store *statestore.Store
	stop  func() error
}

func (e *streamEnv) start(cfg stream.Config, dir string) *consumerRun {
	e.t.Helper()
	scfg := statestore.DefaultConfig(dir)
	scfg.SyncWrites = false // test speed; the delivery order is what is under test
	store, err := statestore.Open(scfg, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("STREAM_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	c, err := stream.New(cfg, store, nil, log, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			runErr = errors.Join(<-done, store.Close())
		})
		return runErr
	}
	e.t.Cleanup(func() {
		if err := stop(); err != nil {
			e.t.Errorf("consumer: %v", err)
		}
	})
	return &consumerRun{c: c, store: store, stop: stop}
}

// pyEvent is one line of stream_produce.py's input.
type pyEvent struct {
	Key         string         `json:"key"`
	Value       map[string]any `json:"value"`
	TimestampMs int64          `json:"timestamp_ms,omitempty"`
}

func avroValue(u *schemas.StoreFeatureUpdate) map[string]any {
	num, cat := map[string]any{}, map[string]any{}
	for _, v := range u.Numeric {
		if v.Null {
			num[v.Name] = nil
		} else {
			num[v.Name] = v.Value
		}
	}
	for _, v := range u.Categorical {
		if v.Null {
			cat[v.Name] = nil
		} else {
			cat[v.Name] = v.Value
		}
	}
	return map[string]any{"store_id": u.StoreID, "event_time": u.EventTime, "numeric": num, "categorical": cat,
		"source": "python", "sequence": u.Sequence, "trace_id": nil}
}

// events returns the snapshots (step 0) or the updates of step of stores [from, to).
func (e *streamEnv) events(from, to, step int) []pyEvent {
	e.t.Helper()
	var out []pyEvent
	for i := from; i < to; i++ {
		var err error
		if step == 0 {
			_, err = e.gen.Snapshot(nil, i)
		} else {
			_, err = e.gen.Update(nil, i, step)
		}
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, pyEvent{Key: string(e.gen.Key(i)), Value: avroValue(e.gen.Record())})
	}
	return out
}

// producePython writes events with confluent-kafka through stream_produce.py.
func (e *streamEnv) producePython(events []pyEvent) {
	e.t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, ev := range events {
		if err := enc.Encode(ev); err != nil {
			e.t.Fatal(err)
		}
	}
	cmd := exec.Command("python3", filepath.Join("testdata", "stream_produce.py"), "--brokers", strings.Join(e.brokers, ","),
		"--topic", e.cfg.Topics.Input, "--schema", filepath.Join("..", "schemas", "avro", "StoreFeatureUpdate", "v2.avsc"))
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("stream_produce.py: %v\n%s", err, stderr.Bytes())
	}
	if got := strings.TrimSpace(string(out)); got != strconv.Itoa(len(events)) {
		e.t.Fatalf("stream_produce.py produced %q events; want %d", got, len(events))
	}
}

// kcatRecord is one record as kcat prints it.
type kcatRecord struct {
	key       string
	partition int
	size      int // -1 for a tombstone
}

// kcat reads a whole topic with kcat (librdkafka), until its end.
func (e *streamEnv) kcat(topic string) []kcatRecord {
	e.t.Helper()
	if _, err := exec.LookPath("kcat"); err != nil {
		e.t.Skip("kcat not installed (apt-get install kcat; see scripts/apt-packages.txt)")
	}
	out, err := exec.Command("kcat", "-b", strings.Join(e.brokers, ","), "-C", "-t", topic, "-o", "beginning", "-e", "-q",
		"-f", `%k\t%p\t%S\n`).Output()
	if err != nil {
		e.t.Fatalf("kcat: %v", err)
	}
	var recs []kcatRecord
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		p, _ := strconv.Atoi(f[1])
		s, _ := strconv.Atoi(f[2])
		recs = append(recs, kcatRecord{key: f[0], partition: p, size: s})
	}
	return recs
}

// waitKcat polls kcat until cond holds for the topic's records.
func (e *streamEnv) waitKcat(topic, what string, d time.Duration, cond func([]kcatRecord) bool) []kcatRecord {
	e.t.Helper()
	deadline := time.Now().Add(d)
	for {
		recs := e.kcat(topic)
		if cond(recs) {
			return recs
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %s waiting for %s (%d records on %s)", d, what, len(recs), topic)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func distinctKeys(n int) func([]kcatRecord) bool {
	return func(recs []kcatRecord) bool {
		keys := map[string]bool{}
		for _, r := range recs {
			keys[r.key] = true
		}
		return len(keys) >= n
	}
}

// readTopic reads a topic to its current end with kafka-go (all partitions, no group).
func (e *streamEnv) readTopic(topic string) []kafka.Message {
	e.t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(e.brokers...), Timeout: 10 * time.Second, Transport: &kafka.Transport{}}
	defer c.Transport.(*kafka.Transport).CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(md.Topics) != 1 {
		e.t.Fatalf("metadata of %s: %v", topic, err)
	}
	var out []kafka.Message
	for _, p := range md.Topics[0].Partitions {
		resp, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(p.ID)}}})
		if err != nil {
			e.t.Fatal(err)
		}
		end := resp.Topics[topic][0].LastOffset
		if end == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: e.brokers, Topic: topic, Partition: p.ID, StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
		for {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				r.Close()
				e.t.Fatalf("reading %s/%d: %v", topic, p.ID, err)
			}
			out = append(out, m)
			if m.Offset+1 >= end {
				break
			}
		}
		r.Close()
	}
	return out
}

func lastByKey(msgs []kafka.Message) map[string]kafka.Message {
	m := map[string]kafka.Message{}
	for _, msg := range msgs {
		m[string(msg.Key)] = msg
	}
	return m
}

// TestStreamEndToEnd: a Python producer (confluent-kafka, fastavro) writes snapshots, updates
// and a removal; the consumer runs against the real broker; kcat reads the outputs. Every
// store ends with its latest state and an assignment, in the partition the Java client would
// pick for its key.
func TestStreamEndToEnd(t *testing.T) {
	const n = 300
	e := newStreamEnv(t, n)
	b, data := fitModel(t, 1000, 1)
	e.publish(b, data)
	run := e.start(e.cfg, t.TempDir())
	e.producePython(append(e.events(0, n, 0), e.events(0, n, 1)...))
	e.waitKcat(e.cfg.Topics.Segments, "an assignment of every store", 2*time.Minute, distinctKeys(n))
	// Removing a store retracts its assignment with a tombstone.
	e.producePython([]pyEvent{{Key: string(e.gen.Key(0)), TimestampMs: e.gen.EventTime(5).UnixMilli()}})
	segs := e.waitKcat(e.cfg.Topics.Segments, "the removed store's tombstone", time.Minute, func(recs []kcatRecord) bool {
		for _, r := range recs {
			if r.key == string(e.gen.Key(0)) && r.size < 0 {
				return true
			}
		}
		return false
	})
	bal := &kafka.Murmur2Balancer{}
	for _, r := range segs {
		if want := bal.Balance(kafka.Message{Key: []byte(r.key)}, 0, 1, 2, 3, 4, 5); r.partition != want {
			t.Errorf("store %s: assignment in partition %d; murmur2 (as Java) gives %d", r.key, r.partition, want)
		}
	}
	e.waitKcat(e.cfg.Topics.State, "every state", time.Minute, distinctKeys(n))
	states := lastByKey(e.readTopic(e.cfg.Topics.State))
	dec := schemas.NewDecoder(nil)
	for i := 1; i < n; i++ {
		var st schemas.StoreState
		if err := dec.Decode(context.Background(), states[string(e.gen.Key(i))].Value, &st); err != nil {
			t.Fatalf("state of %s: %v", e.gen.Key(i), err)
		}
		if st.UpdatedAt != e.gen.EventTime(1).UnixMilli() || st.Source != "python" {
			t.Errorf("state of %s: updated at %d by %q; want the step-1 update by python", e.gen.Key(i), st.UpdatedAt, st.Source)
		}
	}
	if v := states[string(e.gen.Key(0))].Value; v != nil {
		t.Errorf("state of the removed store is %d bytes; want a tombstone", len(v))
	}
	assign := lastByKey(e.readTopic(e.cfg.Topics.Segments))
	for i := 1; i < n; i++ {
		var sa schemas.SegmentAssignment
		if err := dec.Decode(context.Background(), assign[string(e.gen.Key(i))].Value, &sa); err != nil || sa.ModelVersion != b.Version() {
			t.Errorf("assignment of %s: %+v, %v", e.gen.Key(i), sa, err)
		}
	}
	_ = run
}

// TestStreamRestartResumesWithoutLoss stops the consumer while the producer is sending and
// starts it again in the same group on the same state directory: every update arrives.
func TestStreamRestartResumesWithoutLoss(t *testing.T) {
	const n = 400
	e := newStreamEnv(t, n)
	dir := t.TempDir()
	r1 := e.start(e.cfg, dir)
	e.producePython(e.events(0, n, 0))
	e.waitKcat(e.cfg.Topics.State, "the snapshots", time.Minute, distinctKeys(n/2))
	if err := r1.stop(); err != nil {
		t.Fatal(err)
	}
	e.producePython(e.events(0, n, 1))
	e.start(e.cfg, dir)
	e.producePython(e.events(0, n, 2))
	deadline := time.Now().Add(2 * time.Minute)
	for {
		states := lastByKey(e.readTopic(e.cfg.Topics.State))
		done := len(states) == n
		dec := schemas.NewDecoder(nil)
		for k, m := range states {
			var st schemas.StoreState
			if err := dec.Decode(context.Background(), m.Value, &st); err != nil {
				t.Fatalf("state of %s: %v", k, err)
			}
			done = done && st.UpdatedAt == e.gen.EventTime(2).UnixMilli()
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart, %d stores with the last update; want %d", len(states), n)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestStreamReplayConverges replays the input into a fresh state directory with a new group:
// the state converges to the first run's.
func TestStreamReplayConverges(t *testing.T) {
	const n = 200
	e := newStreamEnv(t, n)
	events := e.events(0, n, 0)
	events = append(events, e.events(0, n, 1)...)
	events = append(events, e.events(50, 150, 2)...)
	events = append(events, pyEvent{Key: string(e.gen.Key(3)), TimestampMs: e.gen.EventTime(9).UnixMilli()})
	e.producePython(events)
	snapshot := func(cfg stream.Config) []statestore.State {
		r := e.start(cfg, t.TempDir())
		var got []statestore.State
		deadline := time.Now().Add(2 * time.Minute)
		for {
			offs, err := r.store.Offsets(context.Background(), cfg.Topics.Input)
			if err != nil {
				t.Fatal(err)
			}
			applied := int64(0)
			for _, o := range offs {
				applied += o
			}
			if applied == int64(len(events)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("applied %d of %d events", applied, len(events))
			}
			time.Sleep(200 * time.Millisecond)
		}
		err := r.store.Snapshot(context.Background(), func(s statestore.State) error { got = append(got, s); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := snapshot(e.cfg)
	cfg := e.cfg
	cfg.GroupID += "-replay"
	second := snapshot(cfg)
	if len(first) != n-1 {
		t.Errorf("%d stores; want %d", len(first), n-1)
	}
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Error("the replay's state differs from the first run's")
	}
}
