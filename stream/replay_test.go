package stream_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/statestore/statestoretest"
)

func snapshotOf(t *testing.T, s *statestoretest.Store) []statestore.State {
	t.Helper()
	var out []statestore.State
	if err := s.Snapshot(context.Background(), func(st statestore.State) error { out = append(out, st); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRestartResumesWithoutLoss stops a consumer, produces while it is down and starts it
// again in the same group: every update is applied exactly once.
func TestRestartResumesWithoutLoss(t *testing.T) {
	const n = 60
	e := newEnv(t)
	b, data := defaultBundle(t)
	e.publish(b.Version(), data)
	store := statestoretest.New()
	g := newGen(t, n, 0)
	r1 := e.start(e.cfg, store)
	e.produce(e.cfg.Topics.Input, snapshots(t, g, 0, n)...)
	segs := e.follow(e.cfg.Topics.Segments)
	segs.until(20*time.Second, "the first assignments", keys(n))
	if err := r1.stop(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	e.produce(e.cfg.Topics.Input, updates(t, g, 0, n, 1)...)
	e.start(e.cfg, store)
	e.follow(e.cfg.Topics.State).until(20*time.Second, "the updates made while down", func(recs []*kgo.Record) bool {
		l := latest(recs)
		for i := range n {
			r := l[string(g.Key(i))]
			if r == nil || decodeState(t, r.Value).UpdatedAt != g.EventTime(1).UnixMilli() {
				return false
			}
		}
		return true
	})
	waitFor(t, 5*time.Second, "every update applied", func() bool { return store.Applied() >= 2*n })
	if got := store.Applied(); got != 2*n {
		t.Errorf("%d updates applied; want exactly %d", got, 2*n)
	}
}

// TestReplayConverges replays the same input into a fresh state store (a new group) and into
// the same one (whose applied offsets make it skip everything): both end in the same state.
func TestReplayConverges(t *testing.T) {
	const n = 50
	e := newEnv(t)
	g := newGen(t, n, 0)
	msgs := snapshots(t, g, 0, n)
	msgs = append(msgs, updates(t, g, 0, n, 1)...)
	msgs = append(msgs, updates(t, g, 10, 30, 2)...)
	msgs = append(msgs, kafka.Message{Key: g.Key(7), Time: g.EventTime(3)})
	e.produce(e.cfg.Topics.Input, msgs...)
	total := float64(len(msgs))

	a := statestoretest.New()
	ra := e.start(e.cfg, a)
	waitFor(t, 20*time.Second, "the first run", func() bool { return metric(t, ra, "storeseg_stream_events_consumed_total", "") == total })
	waitFor(t, 5*time.Second, "the first run's batches", func() bool { return a.Applied() == len(msgs) })
	if err := ra.stop(); err != nil {
		t.Fatal(err)
	}

	fresh := statestoretest.New()
	cfg := e.cfg
	cfg.GroupID = "replay-fresh"
	e.start(cfg, fresh)
	waitFor(t, 20*time.Second, "the replay into a fresh store", func() bool { return fresh.Applied() == len(msgs) })

	cfg.GroupID = "replay-same"
	rs := e.start(cfg, a)
	waitFor(t, 20*time.Second, "the replay into the same store", func() bool {
		return metric(t, rs, "storeseg_stream_events_skipped_total", "") == total
	})
	if got := a.Applied(); got != len(msgs) {
		t.Errorf("replaying into the same store applied %d more updates; want none", got-len(msgs))
	}
	want := snapshotOf(t, a)
	if len(want) != n-1 {
		t.Errorf("%d stores; want %d (one removed)", len(want), n-1)
	}
	if d := cmp.Diff(want, snapshotOf(t, fresh)); d != "" {
		t.Errorf("replayed state differs (-first +replay):\n%s", d)
	}
}

// TestTransientStoreFailuresAreRetried makes the state store fail a few times: the first
// commit of a previewed batch reports a conflict, so the batch is merged and applied again,
// which fails transiently twice and is retried; nothing is dead-lettered and nothing is lost.
func TestTransientStoreFailuresAreRetried(t *testing.T) {
	const n = 30
	e := newEnv(t)
	store := statestoretest.New()
	var conflicts, failures atomic.Int32
	conflicts.Store(1)
	failures.Store(2)
	store.Fail = func(method string) error {
		switch {
		case method == "Commit" && conflicts.Add(-1) >= 0:
			return statestore.ErrConflict
		case method == "ApplyBatch" && failures.Add(-1) >= 0:
			return errors.New("disk briefly unavailable")
		}
		return nil
	}
	r := e.start(e.cfg, store)
	g := newGen(t, n, 0)
	e.produce(e.cfg.Topics.Input, snapshots(t, g, 0, n)...)
	e.follow(e.cfg.Topics.State).until(20*time.Second, "every state", keys(n))
	waitFor(t, 5*time.Second, "every update applied", func() bool { return store.Applied() == n })
	if got := metric(t, r, "storeseg_stream_retries_total", "op=commit_preview"); got != 1 {
		t.Errorf("commit_preview retries = %v; want 1", got)
	}
	if got := metric(t, r, "storeseg_stream_retries_total", "op=apply"); got != 2 {
		t.Errorf("apply retries = %v; want 2", got)
	}
	if got := metric(t, r, "storeseg_stream_events_dead_lettered_total", ""); got != 0 {
		t.Errorf("dead letters = %v; want 0", got)
	}
}

// TestGroupCommitWaitsForSync checks Config.SyncInterval: input offsets are committed only
// after a state-store Sync. While Sync fails nothing is committed, so a restart in the same
// group reads every message again (and skips it, as applied); once Sync works, the offsets
// are committed and the next restart reads only what is new.
func TestGroupCommitWaitsForSync(t *testing.T) {
	const n = 40
	e := newEnv(t)
	b, data := defaultBundle(t)
	e.publish(b.Version(), data)
	store := statestoretest.New()
	var syncOK atomic.Bool
	store.Fail = func(method string) error {
		if method == "Sync" && !syncOK.Load() {
			return errors.New("disk away")
		}
		return nil
	}
	cfg := e.cfg
	cfg.SyncInterval = 10 * time.Millisecond
	g := newGen(t, n, 0)
	e.produce(cfg.Topics.Input, snapshots(t, g, 0, n)...)

	r1 := e.start(cfg, store)
	waitFor(t, 20*time.Second, "the batches persisted", func() bool { return store.Applied() == n })
	waitFor(t, 5*time.Second, "a failed sync", func() bool { return metric(t, r1, "storeseg_stream_retries_total", "op=sync_state") > 0 })
	if err := r1.stop(); err != nil {
		t.Fatal(err)
	}

	syncOK.Store(true)
	r2 := e.start(cfg, store)
	waitFor(t, 20*time.Second, "every message read again and skipped", func() bool {
		return metric(t, r2, "storeseg_stream_events_skipped_total", "") == n
	})
	waitFor(t, 5*time.Second, "a sync", func() bool { return metric(t, r2, "storeseg_stream_state_sync_duration_seconds", "") > 0 })
	if err := r2.stop(); err != nil {
		t.Fatal(err)
	}

	r3 := e.start(cfg, store)
	e.produce(cfg.Topics.Input, updates(t, g, 0, 1, 1)...)
	waitFor(t, 20*time.Second, "the new update applied", func() bool { return store.Applied() == n+1 })
	if got := metric(t, r3, "storeseg_stream_events_skipped_total", ""); got != 0 {
		t.Errorf("after synced commits, a restart read %v applied messages again; want 0", got)
	}
}
