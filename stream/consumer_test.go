package stream_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore/statestoretest"
)

// TestEndToEnd streams the snapshots of the stores a model was fitted on, then partial
// updates and a removal, and checks every output: the state changelog, the assignments
// (equal to the refit's own for unchanged stores), tombstones and the HTTP API.
func TestEndToEnd(t *testing.T) {
	const n = 150
	e := newEnv(t)
	b, data := defaultBundle(t)
	e.publish(b.Version(), data)
	store := statestoretest.New()
	r := e.start(e.cfg, store)
	segs, states := e.follow(e.cfg.Topics.Segments), e.follow(e.cfg.Topics.State)

	g := newGen(t, n, 0)
	e.produce(e.cfg.Topics.Input, snapshots(t, g, 0, n)...)
	got := latest(segs.until(20*time.Second, "an assignment of every store", keys(n)))
	sc := b.NewScorer()
	novel := 0
	for i := range n {
		sa := decodeAssignment(t, got[string(g.Key(i))].Value)
		if sa.Novelty {
			novel++
		}
		rec := onlyFeatures(t, g.Frame(i+1), config.Default()).Row(i)
		want, err := sc.Score(string(g.Key(i)), rec)
		if err != nil {
			t.Fatal(err)
		}
		if int(sa.SegmentID) != want.SegmentID || sa.Source.String() != want.Source.String() || sa.ModelVersion != b.Version() {
			t.Errorf("store %s: segment %d (%s, %s); want %d (%s, %s)", g.Key(i), sa.SegmentID, sa.Source, sa.ModelVersion,
				want.SegmentID, want.Source, b.Version())
		}
		if want.Source == model.SourcePredicted {
			t.Errorf("store %s is unchanged since the refit but scored as predicted", g.Key(i))
		}
	}
	t.Logf("%d of %d stores flagged novel", novel, n)
	waitFor(t, 5*time.Second, "every store counted as scored", func() bool { return metric(t, r, "storeseg_stream_stores_scored_total", "") == n })
	if got := metric(t, r, "storeseg_stream_stores_novel_total", ""); got != float64(novel) {
		t.Errorf("storeseg_stream_stores_novel_total = %v; want %d (the assignments flagged novel)", got, novel)
	}
	if got := metric(t, r, "storeseg_stream_ready", ""); got != 1 {
		t.Errorf("storeseg_stream_ready = %v while consuming with a model; want 1", got)
	}
	st := latest(states.until(10*time.Second, "every state", keys(n)))
	s0 := decodeState(t, st["S0000003"].Value)
	if s0.UpdatedAt != g.EventTime(0).UnixMilli() || len(s0.Numeric) != 10 || len(s0.Categorical) != 5 {
		t.Errorf("state of S0000003 = %+v; want the full snapshot at %d", s0, g.EventTime(0).UnixMilli())
	}

	// Partial updates change the state; a tombstone removes store 0 downstream.
	e.produce(e.cfg.Topics.Input, updates(t, g, 0, n, 1)...)
	e.produce(e.cfg.Topics.Input, kafka.Message{Key: g.Key(0), Value: nil, Time: g.EventTime(2)})
	states.until(20*time.Second, "the updated states and the removal", func(recs []*kgo.Record) bool {
		l := latest(recs)
		for i := 1; i < n; i++ {
			if decodeState(t, l[string(g.Key(i))].Value).UpdatedAt != g.EventTime(1).UnixMilli() {
				return false
			}
		}
		return l["S0000001"].Value == nil
	})
	segs.until(10*time.Second, "the segment tombstone", func(recs []*kgo.Record) bool {
		return latest(recs)["S0000001"].Value == nil
	})

	// Outputs are acknowledged before the batch is persisted: wait for the state store.
	waitFor(t, 5*time.Second, "the removal persisted", func() bool { code, _ := r.get(t, "/v1/stores/S0000001"); return code == 404 })
	waitFor(t, 5*time.Second, "the live counts", func() bool { return liveStores(t, r) == n-1 })
	checkHTTP(t, r, b, n-1)
	// Drift: a PSI gauge per model feature and one for the segment shares.
	fs := b.Features()
	if got, want := series(t, r, "storeseg_drift_psi"), len(fs.Numeric)+len(fs.Categorical)+1; got != want {
		t.Errorf("%d storeseg_drift_psi series; want %d (every feature and the segment shares)", got, want)
	}
	if got := metric(t, r, "storeseg_drift_psi", "feature=segment"); got < 0 {
		t.Errorf("segment-share PSI = %v; want non-negative", got)
	}
	if got := metric(t, r, "storeseg_stream_processing_latency_seconds", ""); got < 2*n {
		t.Errorf("%v latency observations; want one per input", got)
	}
	if v := metric(t, r, "storeseg_stream_events_consumed_total", ""); v < 2*n+1 {
		t.Errorf("events consumed = %v; want at least %d", v, 2*n+1)
	}
}

func liveStores(t *testing.T, r *running) int {
	t.Helper()
	_, body := r.get(t, "/v1/segments")
	var segs struct {
		Segments []struct {
			Live int `json:"live_stores"`
		}
	}
	if err := json.Unmarshal(body, &segs); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range segs.Segments {
		total += s.Live
	}
	return total
}

func checkHTTP(t *testing.T, r *running, b *model.Bundle, live int) {
	t.Helper()
	if code, body := r.get(t, "/readyz"); code != 200 || !strings.Contains(string(body), b.Version()) {
		t.Errorf("/readyz = %d %s; want 200 naming %s", code, body, b.Version())
	}
	code, body := r.get(t, "/v1/stores/S0000002")
	var store struct {
		StoreID    string `json:"store_id"`
		Numeric    map[string]struct{ Value *float64 }
		Assignment *struct {
			SegmentID    int    `json:"segment_id"`
			ModelVersion string `json:"model_version"`
		}
	}
	if err := json.Unmarshal(body, &store); err != nil || code != 200 {
		t.Fatalf("/v1/stores/S0000002 = %d %s (%v)", code, body, err)
	}
	if store.StoreID != "S0000002" || store.Assignment == nil || store.Assignment.ModelVersion != b.Version() ||
		store.Numeric["revenue_12m"].Value == nil || math.IsNaN(*store.Numeric["revenue_12m"].Value) {
		t.Errorf("/v1/stores/S0000002 = %s", body)
	}
	if code, body := r.get(t, "/v1/stores/S0000001"); code != 404 {
		t.Errorf("/v1/stores of a removed store = %d %s; want 404", code, body)
	}
	code, body = r.get(t, "/v1/segments")
	var segs struct {
		ModelVersion string `json:"model_version"`
		Segments     []struct {
			ID   int `json:"id"`
			Live int `json:"live_stores"`
		}
	}
	if err := json.Unmarshal(body, &segs); err != nil || code != 200 {
		t.Fatalf("/v1/segments = %d %s (%v)", code, body, err)
	}
	total := 0
	for _, s := range segs.Segments {
		total += s.Live
	}
	if total != live || len(segs.Segments) != len(b.Segments()) {
		t.Errorf("/v1/segments: %d segments with %d live stores; want %d and %d", len(segs.Segments), total, len(b.Segments()), live)
	}
	if code, body := r.get(t, "/metrics"); code != 200 || !strings.Contains(string(body), "storeseg_stream_events_consumed_total") ||
		!strings.Contains(string(body), `storeseg_model_info{version="`+b.Version()+`"} 1`) {
		t.Errorf("/metrics = %d, lacks the consumer's metrics", code)
	}
}

var _ = context.Background
var _ = schemas.SchemaOf
