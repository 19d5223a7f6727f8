package stream_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore/statestoretest"
	"github.com/storeseg/storeseg/stream"
)

// fakeRegistry is a Schema Registry in memory; unavailable makes the next lookups fail as
// a registry that cannot be reached does.
type fakeRegistry struct {
	mu          sync.Mutex
	byID        map[int]string
	unavailable int
	lookups     int
}

func newFakeRegistry() *fakeRegistry { return &fakeRegistry{byID: map[int]string{}} }

func (r *fakeRegistry) SchemaByID(_ context.Context, id int) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups++
	if r.unavailable > 0 {
		r.unavailable--
		return "", errors.New("registry: connection refused")
	}
	s, ok := r.byID[id]
	if !ok {
		return "", fmt.Errorf("schema %d: %w", id, schemas.ErrUnknownSchemaID)
	}
	return s, nil
}

func (r *fakeRegistry) Register(_ context.Context, _, schema string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, s := range r.byID {
		if s == schema {
			return id, nil
		}
	}
	id := len(r.byID) + 1
	r.byID[id] = schema
	return id, nil
}

func update(id string, num map[string]float64, cat map[string]string) *schemas.StoreFeatureUpdate {
	u := &schemas.StoreFeatureUpdate{StoreID: id, EventTime: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli()}
	for k, v := range num {
		u.Numeric = append(u.Numeric, schemas.NumericValue{Name: k, Value: v})
	}
	for k, v := range cat {
		u.Categorical = append(u.Categorical, schemas.CategoricalValue{Name: k, Value: v})
	}
	return u
}

func single(t *testing.T, rec schemas.Record) []byte {
	t.Helper()
	b, err := schemas.AppendSingleObject(nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// patchFloat replaces the little-endian encoding of old in msg by that of v (encoders refuse
// non-finite values, so a producer that does not validate is simulated this way).
func patchFloat(t *testing.T, msg []byte, old, v float64) []byte {
	t.Helper()
	var o, n [8]byte
	binary.LittleEndian.PutUint64(o[:], math.Float64bits(old))
	binary.LittleEndian.PutUint64(n[:], math.Float64bits(v))
	if bytes.Count(msg, o[:]) != 1 {
		t.Fatalf("value %v not found once in the message", old)
	}
	return bytes.Replace(msg, o[:], n[:], 1)
}

// TestDeadLetters sends one message of every kind of bad input, then good ones, and checks
// each bad message lands in the dead-letter topic as received with its reason and origin in
// the headers, that the good messages behind them are processed, and that a registry outage
// delays but never dead-letters a message.
func TestDeadLetters(t *testing.T) {
	e := newEnv(t)
	reg := newFakeRegistry()
	goodID, _ := reg.Register(context.Background(), "", schemas.SchemaOf(&schemas.StoreFeatureUpdate{}).Text)
	wrongTypes := strings.Replace(schemas.SchemaOf(&schemas.StoreFeatureUpdate{}).Text, `"double"`, `"string"`, 1)
	wrongID, _ := reg.Register(context.Background(), "", wrongTypes)
	if wrongTypes == schemas.SchemaOf(&schemas.StoreFeatureUpdate{}).Text {
		t.Fatal("could not derive a schema with wrong types")
	}

	ok := update("B-ok", map[string]float64{"revenue_12m": 1e6}, map[string]string{"format": "supermarket"})
	confluent, err := schemas.AppendConfluent(nil, goodID, update("B-confluent", map[string]float64{"revenue_12m": 2e6}, nil))
	if err != nil {
		t.Fatal(err)
	}
	bigSource := update("B-big", nil, nil)
	bigSource.Source = strings.Repeat("x", 5000)
	cases := []struct {
		name, reason string
		msg          kafka.Message
	}{
		{"undecodable bytes", "bad_header", kafka.Message{Key: []byte("B-1"), Value: []byte("not avro at all")}},
		{"unknown fingerprint", "unknown_fingerprint", kafka.Message{Key: []byte("B-2"),
			Value: append([]byte{0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8}, single(t, ok)[10:]...)}},
		{"unknown schema id", "unknown_schema_id", kafka.Message{Key: []byte("B-3"),
			Value: append([]byte{0, 0, 0, 0x30, 0x39}, single(t, ok)[10:]...)}},
		{"wrong types", "incompatible_schema", kafka.Message{Key: []byte("B-4"),
			Value: append([]byte{0, 0, 0, 0, byte(wrongID)}, single(t, ok)[10:]...)}},
		{"another record type", "incompatible_schema", kafka.Message{Key: []byte("B-5"),
			Value: single(t, &schemas.StoreState{StoreID: "B-5", UpdatedAt: 1})}},
		{"truncated", "malformed", kafka.Message{Key: []byte("B-6"), Value: single(t, ok)[:14]}},
		{"NaN", "invalid", kafka.Message{Key: []byte("B-7"),
			Value: patchFloat(t, single(t, update("B-7", map[string]float64{"avg_basket": 123456.789}, nil)), 123456.789, math.NaN())}},
		{"infinity", "invalid", kafka.Message{Key: []byte("B-8"),
			Value: patchFloat(t, single(t, update("B-8", map[string]float64{"avg_basket": 123456.789}, nil)), 123456.789, math.Inf(1))}},
		{"missing store id", "invalid", kafka.Message{Key: []byte(""),
			Value: append(append([]byte{}, single(t, update("X", nil, nil))[:10]...), append([]byte{0}, single(t, update("X", nil, nil))[12:]...)...)}},
		{"tombstone without key", stream.ReasonMissingStoreID, kafka.Message{Key: nil, Value: nil}},
		{"key differs from store id", stream.ReasonKeyMismatch, kafka.Message{Key: []byte("B-10"), Value: single(t, update("B-other", nil, nil))}},
		{"negative revenue", stream.ReasonOutOfRange, kafka.Message{Key: []byte("B-11"),
			Value: single(t, update("B-11", map[string]float64{"revenue_12m": -5}, nil))}},
		{"online share above 1", stream.ReasonOutOfRange, kafka.Message{Key: []byte("B-12"),
			Value: single(t, update("B-12", map[string]float64{"online_share": 2}, nil))}},
		{"oversized", stream.ReasonOversized, kafka.Message{Key: []byte("B-big"), Value: single(t, bigSource)}},
	}
	var msgs []kafka.Message
	for _, c := range cases {
		msgs = append(msgs, c.msg)
	}
	msgs = append(msgs, kafka.Message{Key: []byte("B-ok"), Value: single(t, ok)}, kafka.Message{Key: []byte("B-confluent"), Value: confluent})
	e.produce(e.cfg.Topics.Input, msgs...)

	reg.mu.Lock()
	reg.unavailable = 3 // the first lookups fail: retried, never dead-lettered
	reg.mu.Unlock()
	cfg := e.cfg
	cfg.MaxMessageBytes = 4096
	r := e.startWith(cfg, statestoretest.New(), reg)
	dlq := e.follow(cfg.Topics.DLQ).until(20*time.Second, "every dead letter", func(recs []*kgo.Record) bool { return len(recs) >= len(cases) })
	e.follow(cfg.Topics.State).until(20*time.Second, "the good messages' states", keys(2))

	byReasonKey := map[string]*kgo.Record{}
	for _, rec := range dlq {
		byReasonKey[header(rec, stream.HeaderReason)+"|"+string(rec.Key)] = rec
	}
	for _, c := range cases {
		rec := byReasonKey[c.reason+"|"+string(c.msg.Key)]
		if rec == nil {
			t.Errorf("%s: no dead letter with reason %s and key %q (got %d dead letters)", c.name, c.reason, c.msg.Key, len(dlq))
			continue
		}
		if !bytes.Equal(rec.Value, c.msg.Value) || header(rec, stream.HeaderTopic) != cfg.Topics.Input ||
			header(rec, stream.HeaderError) == "" || header(rec, stream.HeaderTimestamp) == "" {
			t.Errorf("%s: dead letter %q with headers %v; want the message as sent with its origin", c.name, rec.Value, rec.Headers)
		}
		if p, err := strconv.Atoi(header(rec, stream.HeaderPartition)); err != nil || p < 0 {
			t.Errorf("%s: partition header %q", c.name, header(rec, stream.HeaderPartition))
		}
		if _, err := strconv.ParseInt(header(rec, stream.HeaderOffset), 10, 64); err != nil {
			t.Errorf("%s: offset header %q", c.name, header(rec, stream.HeaderOffset))
		}
	}
	if len(dlq) != len(cases) {
		t.Errorf("%d dead letters; want %d", len(dlq), len(cases))
	}
	// The counters move once the batch is persisted, after its outputs are acknowledged.
	waitFor(t, 5*time.Second, "the dead-letter counter", func() bool {
		return metric(t, r, "storeseg_stream_events_dead_lettered_total", "") == float64(len(cases))
	})
	if got := metric(t, r, "storeseg_stream_retries_total", "op=decode"); got < 1 {
		t.Errorf("decode retries = %v; want the registry outage retried", got)
	}
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
