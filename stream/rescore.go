package stream

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/drift"
	"github.com/storeseg/storeseg/statestore"
)

// serving is the model currently in use, as the HTTP handlers see it.
type serving struct {
	bundle   *model.Bundle
	version  string
	segments []model.SegmentInfo
	loadedAt time.Time

	mu     sync.Mutex // guards scorer and mapper, shared by HTTP requests
	scorer *model.Scorer
	mapper *recordMapper
}

func newServing(b *model.Bundle) *serving {
	return &serving{bundle: b, version: b.Version(), segments: b.Segments(), loadedAt: time.Now(),
		scorer: b.NewScorer(), mapper: newRecordMapper(b.Features())}
}

// score scores one state for an HTTP request.
func (s *serving) score(st *statestore.State) (model.Assignment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scorer.Score(st.StoreID, s.mapper.record(st))
}

// swapPending swaps in the bundle waiting in the slot, if it fits the stored state, and
// rescores every known store. A bundle that does not fit is rejected and the serving model
// stays.
func (c *Consumer) swapPending(ctx context.Context) error {
	b := c.pending.take()
	if b == nil {
		return nil
	}
	if cur := c.serving.Load(); cur != nil && cur.version == b.Version() {
		return nil
	}
	c.kindsMu.Lock()
	err := c.kinds.check(b.Features())
	c.kindsMu.Unlock()
	if err != nil {
		c.modelFailed("incompatible_features", err, "version", b.Version())
		return nil
	}
	var window *drift.Window
	if ref := b.DriftReference(); ref != nil {
		w, err := drift.NewWindow(ref, c.cfg.DriftWindow)
		if err != nil {
			c.modelFailed("drift_reference", err, "version", b.Version())
			return nil
		}
		window = w
	}
	old := c.serving.Load()
	c.serving.Store(newServing(b))
	workers := c.cfg.ScoreWorkers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for _, l := range c.lanes {
		l.pool = newScorers(b, workers)
	}
	c.countsMu.Lock()
	c.window, c.nextPSI = window, time.Time{}
	c.countsMu.Unlock()
	if old != nil {
		c.m.modelInfo.DeleteLabelValues(old.version)
	}
	c.m.modelInfo.WithLabelValues(b.Version()).Set(1)
	c.m.modelSwaps.Inc()
	c.m.psi.Reset()
	c.log.Info("model swapped in; rescoring every store", "version", b.Version(), "previous", versionOf(old))
	start := time.Now()
	n, emitted, err := c.rescoreAll(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopping; the next start rescores again
		}
		return fmt.Errorf("rescoring after the swap to %s: %w", b.Version(), err)
	}
	d := time.Since(start)
	c.m.rescoreDur.Observe(d.Seconds())
	c.log.Info("rescore done", "version", b.Version(), "stores", n, "emitted", emitted, "took", d)
	return nil
}

func versionOf(s *serving) string {
	if s == nil {
		return ""
	}
	return s.version
}

// rescoreAll scores every stored store with the serving model, emits the assignments the
// emit policy asks for, and rebuilds the live segment counts. It returns the number of stores
// scored and of assignments emitted.
func (c *Consumer) rescoreAll(ctx context.Context) (n, emitted int, err error) {
	c.countsMu.Lock()
	clear(c.segOf)
	clear(c.counts)
	c.countsMu.Unlock()
	chunk := make([]statestore.State, 0, c.cfg.RescoreChunk)
	flush := func() error {
		e, err := c.rescoreChunk(ctx, chunk)
		emitted += e
		n += len(chunk)
		chunk = chunk[:0]
		return err
	}
	err = c.store.Snapshot(ctx, func(s statestore.State) error {
		chunk = append(chunk, s)
		if len(chunk) == cap(chunk) {
			return flush()
		}
		return nil
	})
	if err == nil && len(chunk) > 0 {
		err = flush()
	}
	c.m.rescored.Add(float64(n))
	return n, emitted, err
}

// rescoreChunk scores states, produces the assignments to emit, waits for their
// acknowledgement and records the emissions.
func (c *Consumer) rescoreChunk(ctx context.Context, states []statestore.State) (int, error) {
	srv := c.serving.Load()
	o := &c.rescoreOut
	o.reset()
	now := time.Now().UnixMilli()
	type placed struct {
		seg    int32
		source model.Source
	}
	segs := make([]placed, len(states))
	var emittedIdx []int
	ptrs := make([]*statestore.State, len(states))
	for i := range states {
		ptrs[i] = &states[i]
	}
	results := make([]scored, len(states))
	c.lanes[0].pool.scoreAll(ptrs, results, nil, nil)
	for i := range states {
		s, a, err := &states[i], results[i].a, results[i].err
		segs[i].seg = -1
		if err != nil {
			reason := scoreReason(err)
			if reason == "" {
				reason = "score_error"
			}
			c.m.failed.WithLabelValues("rescore_" + reason).Inc()
			c.log.Debug("store not rescored", "store", s.StoreID, "err", err)
			continue
		}
		segs[i] = placed{int32(a.SegmentID), a.Source}
		prev, err := c.store.Emission(ctx, s.StoreID)
		has := err == nil
		if err != nil && !errors.Is(err, statestore.ErrNotFound) {
			return 0, fmt.Errorf("reading the last emission of store %q: %w", s.StoreID, err)
		}
		if !c.shouldEmit(has, prev, srv.version, int32(a.SegmentID), false) {
			continue
		}
		if !c.encodeAssignment(o, s.StoreID, &a, srv.version, s.UpdatedAt, now, has, prev) {
			continue
		}
		emittedIdx = append(emittedIdx, i)
		rev := prev.Revision
		if !has {
			rev = 0
		}
		o.ems = append(o.ems, statestore.Emission{StoreID: s.StoreID, Revision: rev, ModelVersion: srv.version,
			SegmentID: int32(a.SegmentID), Acked: true})
	}
	o.finish()
	if err := c.produce(ctx, o); err != nil {
		return 0, err
	}
	if len(o.ems) > 0 {
		if err := c.retry(ctx, "record_emissions", func(ctx context.Context) error { return c.store.RecordEmissions(ctx, o.ems) }); err != nil {
			return 0, fmt.Errorf("recording emissions: %w", err)
		}
	}
	c.countsMu.Lock()
	for i := range states {
		if segs[i].seg >= 0 {
			c.place(states[i].StoreID, segs[i].seg)
		}
	}
	c.countsMu.Unlock()
	for _, i := range emittedIdx {
		c.m.emitted.WithLabelValues(strconv.Itoa(int(segs[i].seg)), segs[i].source.String()).Inc()
	}
	return len(o.ems), nil
}

// maybeUpdateDrift recomputes the drift gauges at most every DriftInterval. The caller holds
// countsMu.
func (c *Consumer) maybeUpdateDrift(now time.Time) {
	if c.window == nil || c.window.Len() == 0 || now.Before(c.nextPSI) {
		return
	}
	c.nextPSI = now.Add(c.cfg.DriftInterval)
	for _, f := range c.window.PSI() {
		c.m.psi.WithLabelValues(f.Name).Set(f.PSI)
	}
}
