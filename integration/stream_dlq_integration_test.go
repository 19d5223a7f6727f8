//go:build integration

package integration_test

import (
	"bytes"
	"context"
	endian "encoding/binary"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/stream"
)

func soe(t *testing.T, rec schemas.Record) []byte {
	t.Helper()
	b, err := schemas.AppendSingleObject(nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sfu(id string, num map[string]float64) *schemas.StoreFeatureUpdate {
	u := &schemas.StoreFeatureUpdate{StoreID: id, EventTime: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()}
	for k, v := range num {
		u.Numeric = append(u.Numeric, schemas.NumericValue{Name: k, Value: v})
	}
	return u
}

// withFloat replaces the encoding of old in msg by v (encoders refuse non-finite numbers).
func withFloat(t *testing.T, msg []byte, old, v float64) []byte {
	t.Helper()
	var o, n [8]byte
	endian.LittleEndian.PutUint64(o[:], math.Float64bits(old))
	endian.LittleEndian.PutUint64(n[:], math.Float64bits(v))
	if bytes.Count(msg, o[:]) != 1 {
		t.Fatalf("%v not in the message once", old)
	}
	return bytes.Replace(msg, o[:], n[:], 1)
}

// TestStreamDeadLetters sends every kind of bad input to the real broker, with good messages
// after each: each bad one is dead-lettered with its reason and origin, and the good ones are
// processed (no partition stalls).
func TestStreamDeadLetters(t *testing.T) {
	e := newStreamEnv(t, 10)
	cfg := e.cfg
	cfg.MaxMessageBytes = 4096
	good := soe(t, sfu("D-ok", map[string]float64{"revenue_12m": 1e6}))
	big := sfu("D-big", nil)
	big.Source = strings.Repeat("x", 5000)
	noID := soe(t, sfu("X", nil))
	noID = append(append(append([]byte{}, noID[:10]...), 0), noID[12:]...)
	cases := []struct {
		reason string
		msg    kafka.Message
	}{
		{"bad_header", kafka.Message{Key: []byte("D-1"), Value: []byte("garbage")}},
		{"unknown_fingerprint", kafka.Message{Key: []byte("D-2"), Value: append([]byte{0xC3, 1, 9, 9, 9, 9, 9, 9, 9, 9}, good[10:]...)}},
		{"unknown_schema_id", kafka.Message{Key: []byte("D-3"), Value: append([]byte{0, 0, 0, 0, 7}, good[10:]...)}},
		{"incompatible_schema", kafka.Message{Key: []byte("D-4"), Value: soe(t, &schemas.StoreState{StoreID: "D-4", UpdatedAt: 1})}},
		{"malformed", kafka.Message{Key: []byte("D-5"), Value: good[:15]}},
		{"invalid", kafka.Message{Key: []byte("D-6"), Value: withFloat(t, soe(t, sfu("D-6", map[string]float64{"avg_basket": 4242.4242})), 4242.4242, math.NaN())}},
		{"invalid", kafka.Message{Key: []byte("D-7"), Value: withFloat(t, soe(t, sfu("D-7", map[string]float64{"avg_basket": 4242.4242})), 4242.4242, math.Inf(-1))}},
		{"invalid", kafka.Message{Key: []byte("D-8"), Value: noID}},
		{stream.ReasonMissingStoreID, kafka.Message{}},
		{stream.ReasonKeyMismatch, kafka.Message{Key: []byte("D-9"), Value: soe(t, sfu("D-other", nil))}},
		{stream.ReasonOutOfRange, kafka.Message{Key: []byte("D-10"), Value: soe(t, sfu("D-10", map[string]float64{"revenue_12m": -1}))}},
		{stream.ReasonOversized, kafka.Message{Key: []byte("D-big"), Value: soe(t, big)}},
	}
	var msgs []kafka.Message
	for i, c := range cases {
		msgs = append(msgs, c.msg, kafka.Message{Key: []byte("D-ok"), Value: soe(t, sfu("D-ok", map[string]float64{"revenue_12m": float64(i + 1)}))})
	}
	w, err := stream.NewWriter(cfg.Kafka, cfg.Topics.Input)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := writeFresh(ctx, w, msgs); err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseWriter(w, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	run := e.start(cfg, t.TempDir())
	deadline := time.Now().Add(time.Minute)
	var dlq []kafka.Message
	for len(dlq) < len(cases) && time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		dlq = e.readTopic(cfg.Topics.DLQ)
	}
	got := map[string]int{}
	for _, m := range dlq {
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		got[h[stream.HeaderReason]+"|"+string(m.Key)]++
		if h[stream.HeaderTopic] != cfg.Topics.Input || h[stream.HeaderOffset] == "" || h[stream.HeaderPartition] == "" || h[stream.HeaderError] == "" {
			t.Errorf("dead letter %q: headers %v", m.Key, h)
		}
	}
	for _, c := range cases {
		if got[c.reason+"|"+string(c.msg.Key)] != 1 {
			t.Errorf("no dead letter %s for key %q (dead letters: %v)", c.reason, c.msg.Key, got)
		}
	}
	// The good messages were all applied: the last one wins.
	waitUntil(t, time.Minute, "the good messages", func() bool {
		st, err := run.store.Get(context.Background(), "D-ok")
		return err == nil && len(st.Num) == 1 && st.Num[0].Value == float64(len(cases))
	})
}

// writeFresh writes msgs, retrying while a new topic's partition leadership settles.
func writeFresh(ctx context.Context, w *kafka.Writer, msgs []kafka.Message) error {
	for {
		err := w.WriteMessages(ctx, msgs...)
		if !errors.Is(err, kafka.UnknownTopicOrPartition) && !errors.Is(err, kafka.LeaderNotAvailable) &&
			!errors.Is(err, kafka.NotLeaderForPartition) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestStreamModelSwapUnderLoad publishes a second model while updates stream in: no update
// is lost, and every store ends with an assignment of the new model.
func TestStreamModelSwapUnderLoad(t *testing.T) {
	const n = 1000
	e := newStreamEnv(t, n)
	b1, d1 := fitModel(t, 800, 1)
	b2, d2 := fitModel(t, 900, 2)
	if b1.Version() == b2.Version() {
		t.Fatal("the two models are the same")
	}
	e.publish(b1, d1)
	cfg := e.cfg
	cfg.Emit = stream.EmitAlways // every store gets an assignment of the new model
	run := e.start(cfg, t.TempDir())
	w, err := stream.NewWriter(e.cfg.Kafka, e.cfg.Topics.Input)
	if err != nil {
		t.Fatal(err)
	}
	const steps = 6
	var wg sync.WaitGroup
	var prodErr error
	wg.Add(1)
	go func() { // the load: snapshots, then update rounds
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for step := 0; step <= steps && prodErr == nil; step++ {
			msgs := make([]kafka.Message, 0, n)
			for i := range n {
				var v []byte
				var err error
				if step == 0 {
					v, err = e.gen.Snapshot(nil, i)
				} else {
					v, err = e.gen.Update(nil, i, step)
				}
				if err != nil {
					prodErr = err
					return
				}
				msgs = append(msgs, kafka.Message{Key: e.gen.Key(i), Value: v})
			}
			prodErr = writeFresh(ctx, w, msgs)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	time.Sleep(700 * time.Millisecond)
	e.publish(b2, d2)
	wg.Wait()
	if err := stream.CloseWriter(w, 10*time.Second); err != nil || prodErr != nil {
		t.Fatalf("producing: %v %v", prodErr, err)
	}
	waitUntil(t, 2*time.Minute, "every update applied", func() bool {
		offs, err := run.store.Offsets(context.Background(), e.cfg.Topics.Input)
		total := int64(0)
		for _, o := range offs {
			total += o
		}
		return err == nil && total == int64(n*(steps+1))
	})
	dec := schemas.NewDecoder(nil)
	waitUntil(t, time.Minute, "every store assigned by the new model", func() bool {
		last := lastByKey(e.readTopic(e.cfg.Topics.Segments))
		if len(last) != n {
			return false
		}
		for _, m := range last {
			var sa schemas.SegmentAssignment
			if err := dec.Decode(context.Background(), m.Value, &sa); err != nil || sa.ModelVersion != b2.Version() {
				return false
			}
		}
		return true
	})
	for i := range n {
		st, err := run.store.Get(context.Background(), string(e.gen.Key(i)))
		if err != nil || st.UpdatedAt != e.gen.EventTime(steps).UnixMilli() {
			t.Fatalf("store %s: updated at %d (%v); want the last step", e.gen.Key(i), st.UpdatedAt, err)
		}
	}
}
