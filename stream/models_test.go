package stream_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/statestore/statestoretest"
	"github.com/storeseg/storeseg/stream"
)

// TestStateKeptBeforeFirstModel streams stores before any model exists: the state and its
// changelog are kept, nothing is emitted and /readyz explains why it is not ready. Publishing
// a model then rescores every store and emits all their assignments.
func TestStateKeptBeforeFirstModel(t *testing.T) {
	const n = 120
	e := newEnv(t)
	store := statestoretest.New()
	r := e.start(e.cfg, store)
	g := newGen(t, n, 0)
	e.produce(e.cfg.Topics.Input, snapshots(t, g, 0, n)...)
	e.follow(e.cfg.Topics.State).until(20*time.Second, "every state", keys(n))
	segs := e.follow(e.cfg.Topics.Segments)
	if code, body := r.get(t, "/readyz"); code != 503 || !strings.Contains(string(body), "no model loaded yet") {
		t.Errorf("/readyz before any model = %d %s; want 503 explaining that no model is loaded", code, body)
	}
	if code, _ := r.get(t, "/v1/segments"); code != 503 {
		t.Errorf("/v1/segments before any model = %d; want 503", code)
	}
	b, data := defaultBundle(t)
	e.publish(b.Version(), data)
	recs := segs.until(20*time.Second, "the assignments after the first model", keys(n))
	if len(recs) != n {
		t.Errorf("%d assignments for %d stores; want one each", len(recs), n)
	}
	waitFor(t, 5*time.Second, "the rescore metrics", func() bool {
		return metric(t, r, "storeseg_model_rescored_stores_total", "") == n &&
			metric(t, r, "storeseg_model_rescore_duration_seconds", "") == 1
	})
	em, err := store.Emission(context.Background(), "S0000005")
	if err != nil || em.ModelVersion != b.Version() || !em.Acked {
		t.Errorf("emission of S0000005 = %+v, %v; want an acknowledged one of %s", em, err, b.Version())
	}
}

// TestBadBundlesKeepTheServingModel publishes a good model, then a corrupt bundle and a
// model whose features the stored state never had: both are rejected and counted, and the
// good model keeps serving.
func TestBadBundlesKeepTheServingModel(t *testing.T) {
	const n = 40
	e := newEnv(t)
	b, data := defaultBundle(t)
	e.publish(b.Version(), data)
	r := e.start(e.cfg, statestoretest.New())
	g := newGen(t, n, 0)
	e.produce(e.cfg.Topics.Input, snapshots(t, g, 0, n)...)
	e.follow(e.cfg.Topics.Segments).until(20*time.Second, "the assignments", keys(n))

	corrupt := append([]byte(nil), data...)
	corrupt[len(corrupt)/2] ^= 0xFF
	e.publish("m-corrupt", corrupt)
	waitFor(t, 10*time.Second, "the corrupt bundle's rejection", func() bool {
		return metric(t, r, "storeseg_model_load_failures_total", "reason=corrupt") == 1
	})
	renamed, renamedData := fitBundle(t, 300, configWith(t, "revenue_12m", "revenue_eur"), map[string]string{"revenue_12m": "revenue_eur"})
	e.publish(renamed.Version(), renamedData)
	waitFor(t, 10*time.Second, "the incompatible bundle's rejection", func() bool {
		return metric(t, r, "storeseg_model_load_failures_total", "reason=incompatible_features") == 1
	})
	if got := metric(t, r, "storeseg_model_info", "version="+b.Version()); got != 1 {
		t.Errorf("model info of %s = %v; want 1 (still serving)", b.Version(), got)
	}
	if code, body := r.get(t, "/readyz"); code != 200 || !strings.Contains(string(body), b.Version()) {
		t.Errorf("/readyz = %d %s; want the first model serving", code, body)
	}
}

// TestUnseenLevelDeadLettered uses a model whose FAMD rejects unseen levels: a store with a
// region the refit never saw is dead-lettered with reason unseen_level, and its state is not
// merged.
func TestUnseenLevelDeadLettered(t *testing.T) {
	e := newEnv(t)
	b, data := fitBundle(t, 300, configWith(t, "unseen: zero", "unseen: error"), nil)
	e.publish(b.Version(), data)
	store := statestoretest.New()
	r := e.start(e.cfg, store)
	waitFor(t, 10*time.Second, "the model", func() bool { code, _ := r.get(t, "/readyz"); return code == 200 })
	g := newGen(t, 3, 0)
	msgs := snapshots(t, g, 0, 3)
	bad := update("S0000002", map[string]float64{"revenue_12m": 1e6}, map[string]string{"region": "atlantis"})
	msgs = append(msgs, kafka.Message{Key: []byte("S0000002"), Value: single(t, bad)})
	e.produce(e.cfg.Topics.Input, msgs...)
	dlq := e.follow(e.cfg.Topics.DLQ).until(20*time.Second, "the dead letter", func(recs []*kgo.Record) bool { return len(recs) == 1 })
	if got := header(dlq[0], stream.HeaderReason); got != stream.ReasonUnseenLevel {
		t.Errorf("reason = %q; want %q", got, stream.ReasonUnseenLevel)
	}
	e.follow(e.cfg.Topics.Segments).until(20*time.Second, "the good stores' assignments", keys(3))
	var st statestore.State
	waitFor(t, 5*time.Second, "the batch persisted (outputs are acknowledged first)", func() bool {
		var err error
		st, err = store.Get(context.Background(), "S0000002")
		return err == nil
	})
	for _, f := range st.Cat {
		if f.Name == "region" && f.Value == "atlantis" {
			t.Errorf("the rejected region was merged: %+v", st.Cat)
		}
	}
}

// TestModelChunksInAnyOrder checks the subscription reassembles a bundle whose chunks and
// manifest arrive out of order and ignores other model lineages.
func TestModelChunksInAnyOrder(t *testing.T) {
	e := newEnv(t)
	b, data := defaultBundle(t)
	m, chunks, err := schemas.SplitBundle(schemas.ModelPublished{ModelName: "storeseg", ModelVersion: b.Version(),
		BundleFormat: "storeseg-bundle/v1", CreatedAt: 1}, data, 50<<10)
	if err != nil || len(chunks) < 3 {
		t.Fatalf("split into %d chunks: %v", len(chunks), err)
	}
	var msgs []kafka.Message
	msgs = append(msgs, kafka.Message{Key: []byte(m.Key()), Value: single(t, &m)})
	for i := len(chunks) - 1; i >= 0; i-- {
		msgs = append(msgs, kafka.Message{Key: []byte(chunks[i].Key()), Value: single(t, &chunks[i])})
	}
	other := schemas.ModelPublished{ModelName: "other", ModelVersion: "v1", BundleFormat: "x", CreatedAt: 1,
		BundleSize: 3, BundleSHA256: sha256.Sum256([]byte("abc")), Bundle: []byte("abc")}
	msgs = append(msgs, kafka.Message{Key: []byte(other.Key()), Value: single(t, &other)})
	e.produce(e.cfg.Topics.Models, msgs...)
	r := e.start(e.cfg, statestoretest.New())
	waitFor(t, 10*time.Second, "the model", func() bool { code, _ := r.get(t, "/readyz"); return code == 200 })
	if got := metric(t, r, "storeseg_model_load_failures_total", ""); got != 0 {
		t.Errorf("load failures = %v; want 0 (the other lineage is ignored)", got)
	}
}
