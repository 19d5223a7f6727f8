package stream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore"
)

// batch holds one batch's working data; its slices and maps are reused across batches.
type batch struct {
	msgBuf  []kafka.Message // the lane collects the batch's messages here
	msgs    []kafka.Message
	dead    []int               // message index → -1, or index into dlqErr
	dlqErr  []*inputError       // dead-letter errors, in order
	updates []statestore.Update // the valid updates, in message order
	upMsg   []int               // update index → message index
	dropped []bool              // update index → dead-lettered after scoring
	rec     schemas.StoreFeatureUpdate
	state   schemas.StoreState  // scratch changelog record, encoded at once
	preview *statestore.Preview // the merge of updates, committed by persist
	last    map[string]int      // store id → index of its last update
	changed map[string]bool
	finals  []final
	toScore []*statestore.State
	scores  []scored
	prepNum []float64 // prepared rows of the scored finals, by slot, for drift
	prepCat []int32
	out     outputs
}

// final is the outcome of a batch for one store: its last result and, when scored, its
// assignment.
type final struct {
	res    statestore.Result
	upIdx  int
	slot   int // index into the batch's scores and prepared rows
	scored bool
	a      model.Assignment
	emit   bool
}

func (b *batch) reset(msgs []kafka.Message) {
	b.preview.Discard() // a batch abandoned before its persist
	b.preview = nil
	b.msgs = msgs
	b.dead = b.dead[:0]
	b.dlqErr = b.dlqErr[:0]
	b.updates = b.updates[:0]
	b.upMsg = b.upMsg[:0]
	b.dropped = b.dropped[:0]
	if b.last == nil {
		b.last, b.changed = map[string]int{}, map[string]bool{}
	}
	b.out.reset()
}

// inflight is a batch whose outputs are acknowledged and whose state is being persisted
// while the lane works on its next batches.
type inflight struct {
	done   chan struct{}
	err    error
	stores map[string]int // the batch's stores (its batch.last)
	b      *batch         // reused by the lane once done
}

// wait waits for the batch to be persisted and committed; a nil inflight is done.
func (f *inflight) wait() error {
	if f == nil {
		return nil
	}
	<-f.done
	return f.err
}

// finished reports whether the batch is persisted (or failed).
func (f *inflight) finished() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// overlaps reports whether b updates a store the in-flight batch updated.
func (f *inflight) overlaps(b *batch) bool {
	for i := range b.updates {
		if _, ok := f.stores[b.updates[i].StoreID]; ok {
			return true
		}
	}
	return false
}

// waitOverlapping waits until no batch of queue (the lane's in-flight batches, oldest
// first) that shares a store with b is still being persisted: the newest such one, and so
// every one before it, since batches persist in order.
func waitOverlapping(queue []*inflight, b *batch) error {
	for i := len(queue) - 1; i >= 0; i-- {
		if f := queue[i]; !f.finished() && f.overlaps(b) {
			return f.wait()
		}
	}
	return nil
}

// processBatch runs one batch through the pipeline: decode and validate, merge (preview),
// score, produce the outputs and wait for their acknowledgement; then, in the background,
// persist state, offsets and emissions, commit the input offsets, and call release. Batches
// persist in order: the background work first waits for prev (the lane's newest in-flight
// batch, or nil). Before the merge it waits for every in-flight batch (queue) that shares a
// store, so the merge always sees the state it follows. On error nothing runs in the
// background and the caller releases.
func (c *Consumer) processBatch(ctx context.Context, r *kafka.Reader, l *lane, b *batch, msgs []kafka.Message,
	queue []*inflight, release func()) (_ *inflight, err error) {
	start := time.Now()
	defer func() {
		if err != nil {
			b.preview.Discard()
			b.preview = nil
		}
	}()
	b.reset(msgs)
	c.m.consumed.Add(float64(len(msgs)))
	c.m.batchSize.Observe(float64(len(msgs)))
	if err := c.decodeAll(ctx, l, b); err != nil {
		return nil, err
	}
	if err := waitOverlapping(queue, b); err != nil {
		return nil, err
	}
	if err := c.mergeAndScore(ctx, l, b); err != nil {
		return nil, err
	}
	if err := c.encodeOutputs(b); err != nil {
		return nil, err
	}
	if err := c.produce(ctx, &b.out); err != nil {
		return nil, err
	}
	acked := time.Now()
	offs := c.batchOffsets(b)
	for _, o := range offs {
		l.applied[o.Partition] = max(l.applied[o.Partition], o.Next)
	}
	var prev *inflight
	if len(queue) > 0 {
		prev = queue[len(queue)-1]
	}
	f := &inflight{done: make(chan struct{}), stores: b.last, b: b}
	go func() {
		defer close(f.done)
		defer release()
		if f.err = prev.wait(); f.err != nil { // batches persist in order
			return
		}
		if f.err = c.persist(ctx, b, offs); f.err != nil {
			return
		}
		c.commitDurable(ctx, r, msgs)
		c.afterBatch(l, b, acked)
		c.m.batchDuration.Observe(time.Since(start).Seconds())
	}()
	return f, nil
}

// decodeAll decodes and validates every message not applied yet, sorting it into an update or
// a dead letter. Only transient decode failures (registry away) are retried; ctx ending then
// is the only error.
func (c *Consumer) decodeAll(ctx context.Context, l *lane, b *batch) error {
	for i := range b.msgs {
		m := &b.msgs[i]
		b.dead = append(b.dead, -1)
		c.m.partitionLag(m.Partition, m.HighWaterMark-m.Offset-1)
		if next, ok := l.applied[int32(m.Partition)]; ok && m.Offset < next {
			c.m.skipped.Inc()
			continue
		}
		if len(b.updates) == cap(b.updates) {
			b.updates = append(b.updates, statestore.Update{})
		} else {
			b.updates = b.updates[:len(b.updates)+1]
		}
		u := &b.updates[len(b.updates)-1]
		err := c.decodeOne(ctx, m, u, &b.rec)
		if err == nil {
			b.upMsg = append(b.upMsg, i)
			b.dropped = append(b.dropped, false)
			continue
		}
		b.updates = b.updates[:len(b.updates)-1]
		var ie *inputError
		if !errors.As(err, &ie) {
			return err
		}
		b.dead[i] = len(b.dlqErr)
		b.dlqErr = append(b.dlqErr, ie)
	}
	return nil
}

// decodeOne turns message m into update u, or returns an *inputError for a bad message.
func (c *Consumer) decodeOne(ctx context.Context, m *kafka.Message, u *statestore.Update, rec *schemas.StoreFeatureUpdate) error {
	if n := len(m.Key) + len(m.Value); n > c.cfg.MaxMessageBytes {
		return badInput(ReasonOversized, "message of %d bytes exceeds the limit of %d", n, c.cfg.MaxMessageBytes)
	}
	if m.Value == nil {
		if len(m.Key) == 0 {
			return badInput(ReasonMissingStoreID, "tombstone without a key")
		}
		*u = statestore.Update{StoreID: string(m.Key), EventTime: m.Time.UnixMilli(), Delete: true, Num: u.Num[:0], Cat: u.Cat[:0]}
		if err := statestore.ValidateUpdate(u); err != nil {
			return &inputError{Reason: ReasonInvalidUpdate, Err: err}
		}
		return nil
	}
	var err error
	_ = c.retry(ctx, "decode", func(ctx context.Context) error {
		err = c.dec.Decode(ctx, m.Value, rec)
		if err != nil && schemas.Reason(err) == "" {
			return err // transient: retry
		}
		return nil
	})
	if err != nil {
		if reason := schemas.Reason(err); reason != "" {
			return &inputError{Reason: reason, Err: err}
		}
		return err
	}
	if rec.StoreID != string(m.Key) {
		return badInput(ReasonKeyMismatch, "message key %q differs from store_id %q", m.Key, rec.StoreID)
	}
	if err := c.bounds.check(rec); err != nil {
		return err
	}
	toUpdate(u, rec)
	if err := statestore.ValidateUpdate(u); err != nil {
		return &inputError{Reason: ReasonInvalidUpdate, Err: err}
	}
	return nil
}

// mergeAndScore previews the merge of the batch's updates and scores the final state of
// every changed store. An update whose merged state the model rejects as bad input is
// dead-lettered and the preview repeated without it.
func (c *Consumer) mergeAndScore(ctx context.Context, l *lane, b *batch) error {
	for {
		live := b.liveUpdates()
		b.preview.Discard() // the merge repeated without a dead-lettered update
		b.preview = nil
		err := c.retry(ctx, "preview", func(ctx context.Context) error {
			var err error
			b.preview, err = c.store.Preview(ctx, live)
			return err
		})
		if err != nil {
			return fmt.Errorf("merging batch: %w", err)
		}
		if !c.collectFinals(l, b, b.preview.Results) {
			return nil
		}
	}
}

// liveUpdates returns the updates not dropped, compacting the batch's slices in place.
func (b *batch) liveUpdates() []statestore.Update {
	k := 0
	for i := range b.updates {
		if b.dropped[i] {
			continue
		}
		b.updates[k], b.updates[i] = b.updates[i], b.updates[k]
		b.upMsg[k] = b.upMsg[i]
		b.dropped[k] = false
		k++
	}
	b.updates, b.upMsg, b.dropped = b.updates[:k], b.upMsg[:k], b.dropped[:k]
	return b.updates
}

// collectFinals finds every changed store's last result and scores it. It reports whether an
// update was dead-lettered (and the merge must be repeated).
func (c *Consumer) collectFinals(l *lane, b *batch, results []statestore.Result) (again bool) {
	clear(b.last)
	clear(b.changed)
	for i := range results {
		id := b.updates[i].StoreID
		b.last[id] = i
		if results[i].Changed {
			b.changed[id] = true
		}
	}
	b.finals = b.finals[:0]
	b.toScore = b.toScore[:0]
	for i := range results {
		id := b.updates[i].StoreID
		if b.last[id] != i || !b.changed[id] {
			continue
		}
		b.finals = append(b.finals, final{res: results[i], upIdx: i})
	}
	if l.pool == nil {
		return false
	}
	for k := range b.finals {
		if b.finals[k].res.Exists {
			b.toScore = append(b.toScore, &b.finals[k].res.State)
		}
	}
	n := len(b.toScore)
	b.scores = slices.Grow(b.scores[:0], n)[:n]
	b.prepNum = slices.Grow(b.prepNum[:0], n*l.pool.nNum)[:n*l.pool.nNum]
	b.prepCat = slices.Grow(b.prepCat[:0], n*l.pool.nCat)[:n*l.pool.nCat]
	l.pool.scoreAll(b.toScore, b.scores, b.prepNum, b.prepCat)
	j := 0
	for k := range b.finals {
		f := &b.finals[k]
		if !f.res.Exists {
			continue
		}
		f.slot, j = j, j+1
		s := b.scores[f.slot]
		if s.err == nil {
			f.scored, f.a = true, s.a
			continue
		}
		id := f.res.State.StoreID
		if reason := scoreReason(s.err); reason != "" {
			c.blame(b, id, results, reason, s.err)
			return true
		}
		c.m.failed.WithLabelValues("score_error").Inc()
		c.log.Error("scoring failed", "store", id, "err", s.err)
	}
	return false
}

// blame dead-letters the last update that changed store id.
func (c *Consumer) blame(b *batch, id string, results []statestore.Result, reason string, err error) {
	for i := len(results) - 1; i >= 0; i-- {
		if b.updates[i].StoreID == id && results[i].Changed {
			b.dropped[i] = true
			mi := b.upMsg[i]
			b.dead[mi] = len(b.dlqErr)
			b.dlqErr = append(b.dlqErr, &inputError{Reason: reason, Err: fmt.Errorf("store %q: %w", id, err)})
			return
		}
	}
}

// encodeOutputs builds the batch's output messages: dead letters, changelog states and
// tombstones, segment assignments and tombstones.
func (c *Consumer) encodeOutputs(b *batch) error {
	for i, d := range b.dead {
		if d >= 0 {
			b.out.addDLQ(&b.msgs[i], b.dlqErr[d])
		}
	}
	srv := c.serving.Load()
	now := time.Now().UnixMilli()
	for k := range b.finals {
		f := &b.finals[k]
		id := b.updates[f.upIdx].StoreID
		if !f.res.Exists {
			b.out.addTombstone(&b.out.state, id)
			if f.res.HasEmission && f.res.Emission.SegmentID >= 0 {
				b.out.addTombstone(&b.out.segs, id)
				b.out.ems = append(b.out.ems, statestore.Emission{StoreID: id, Revision: f.res.Revision, SegmentID: -1, Acked: true,
					ModelVersion: f.res.Emission.ModelVersion})
			}
			continue
		}
		if err := b.out.addRecord(&b.out.state, id, toStoreState(&b.state, &f.res.State), c.stateID); err != nil {
			return fmt.Errorf("encoding state of store %q: %w", id, err)
		}
		if !f.scored {
			continue
		}
		f.emit = c.shouldEmit(f.res.HasEmission, f.res.Emission, srv.version, int32(f.a.SegmentID), true)
		if !f.emit {
			continue
		}
		if !c.encodeAssignment(&b.out, id, &f.a, srv.version, f.res.State.UpdatedAt, now, f.res.HasEmission, f.res.Emission) {
			f.emit = false
			continue
		}
		b.out.ems = append(b.out.ems, statestore.Emission{StoreID: id, Revision: f.res.Revision, ModelVersion: srv.version,
			SegmentID: int32(f.a.SegmentID), Acked: true})
	}
	b.out.finish()
	return nil
}

// invalidAssignment counts and logs an assignment the model produced that its schema refuses
// (a model defect): the store keeps its previous assignment.
func (c *Consumer) invalidAssignment(id string, err error) {
	c.m.failed.WithLabelValues("invalid_assignment").Inc()
	c.log.Error("model produced an invalid assignment; not emitted", "store", id, "version", versionOf(c.serving.Load()), "err", err)
}

// shouldEmit applies the emit policy. changedState says the store's state changed (a
// stream update) rather than the model (a rescore).
func (c *Consumer) shouldEmit(has bool, prev statestore.Emission, version string, seg int32, changedState bool) bool {
	if !has || !prev.Acked || prev.SegmentID < 0 || prev.SegmentID != seg {
		return true
	}
	if c.cfg.Emit == EmitAlways {
		return changedState || prev.ModelVersion != version
	}
	return false
}

// clampUnit brings v into [0, 1] and reports whether it had to. NaN stays NaN (and the
// assignment is then refused as invalid).
func clampUnit(v float64) (float64, bool) {
	switch {
	case v < 0:
		return 0, true
	case v > 1:
		return 1, true
	}
	return v, false
}

// assignmentRecord builds the SegmentAssignment of a scored store. A confidence or outlier
// score outside [0, 1] (a model defect; hdbscan's own approximate_predict_scores caps λ at the
// cluster's maximum, which amounts to the same clamp) is clamped and counted by the caller
// through clamped.
func assignmentRecord(sa *schemas.SegmentAssignment, id string, a *model.Assignment, version string, eventTime, now int64, hasPrev bool, prev statestore.Emission) (clamped bool) {
	conf, c1 := clampUnit(a.Confidence)
	outlier, c2 := clampUnit(a.OutlierScore)
	*sa = schemas.SegmentAssignment{
		StoreID: id, SegmentID: int32(a.SegmentID), SegmentName: a.SegmentName, Confidence: conf,
		Source: schemas.AssignmentSource(a.Source), Novelty: a.Novelty, OutlierScore: outlier,
		Cluster: int32(a.Cluster), ModelVersion: version, FeatureEventTime: eventTime, AssignedAt: now,
	}
	if hasPrev && prev.SegmentID >= 0 {
		sa.PreviousSegmentID, sa.HasPreviousSegment = prev.SegmentID, true
	}
	return c1 || c2
}

// encodeAssignment queues a store's assignment; a model output its schema refuses is counted
// and not queued. It reports whether the assignment was queued.
func (c *Consumer) encodeAssignment(o *outputs, id string, a *model.Assignment, version string, eventTime, now int64, hasPrev bool, prev statestore.Emission) bool {
	sa := &o.assignment
	clamped := assignmentRecord(sa, id, a, version, eventTime, now, hasPrev, prev)
	if clamped {
		c.m.clamped.Inc()
		c.log.Debug("model output outside [0, 1] clamped", "store", id, "confidence", a.Confidence, "outlier_score", a.OutlierScore)
	}
	if err := o.addRecord(&o.segs, id, sa, c.segID); err != nil {
		c.invalidAssignment(id, err)
		return false
	}
	return true
}

// batchOffsets returns the next offset to apply of every partition in the batch.
func (c *Consumer) batchOffsets(b *batch) []statestore.Offset {
	offs := make([]statestore.Offset, 0, 8)
	for _, m := range b.msgs {
		p := int32(m.Partition)
		found := false
		for k := range offs {
			if offs[k].Partition == p {
				offs[k].Next = max(offs[k].Next, m.Offset+1)
				found = true
			}
		}
		if !found {
			offs = append(offs, statestore.Offset{Topic: c.cfg.Topics.Input, Partition: p, Next: m.Offset + 1})
		}
	}
	return offs
}

// persist writes the merged states, the batch's offsets and the acknowledged emissions in
// one state-store transaction (committing the batch's preview); if that fails, it merges
// again, applies, and records the emissions in a second transaction.
func (c *Consumer) persist(ctx context.Context, b *batch, offs []statestore.Offset) error {
	err := b.preview.AddEmissions(b.out.ems)
	if err == nil {
		err = c.store.Commit(ctx, b.preview, offs)
	}
	b.preview.Discard() // when AddEmissions failed
	b.preview = nil
	fallback := err != nil && !permanent(err)
	if fallback {
		// A conflict (a store changed since the preview; the lanes make it impossible) or a
		// transient failure: merge again from the stored state, which converges.
		c.m.retries.WithLabelValues("commit_preview").Inc()
		c.log.Warn("committing the previewed batch failed; applying it again", "err", err)
		err = c.retry(ctx, "apply", func(ctx context.Context) error {
			_, err := c.store.ApplyBatch(ctx, b.updates, offs)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("persisting batch: %w", err)
	}
	c.kindsMu.Lock()
	for i := range b.updates {
		c.kinds.addUpdate(&b.updates[i])
	}
	c.kindsMu.Unlock()
	if !fallback || len(b.out.ems) == 0 {
		return nil
	}
	err = c.retry(ctx, "record_emissions", func(ctx context.Context) error { return c.store.RecordEmissions(ctx, b.out.ems) })
	if err != nil {
		return fmt.Errorf("recording emissions: %w", err)
	}
	return nil
}

// commit commits the batch's input offsets (hands them to the reader's background commit
// with Config.CommitInterval). A failure is logged, not fatal: the state store holds the
// applied offsets, so messages consumed again are skipped.
func (c *Consumer) commit(ctx context.Context, r *kafka.Reader, msgs []kafka.Message) {
	var err error
	for attempt := range 3 {
		if err = r.CommitMessages(ctx, msgs...); err == nil || ctx.Err() != nil {
			break
		}
		c.m.retries.WithLabelValues("commit").Inc()
		if !sleep(ctx, c.cfg.RetryMin<<attempt) {
			break
		}
	}
	if err != nil {
		c.log.Warn("committing input offsets failed; applied offsets in the state store prevail", "err", err)
	}
}

// afterBatch updates metrics, live segment counts and the drift window.
func (c *Consumer) afterBatch(l *lane, b *batch, acked time.Time) {
	for i := range b.msgs {
		if !b.msgs[i].Time.IsZero() {
			c.m.latency.Observe(max(acked.Sub(b.msgs[i].Time).Seconds(), 0))
		}
	}
	for _, e := range b.dlqErr {
		c.m.failed.WithLabelValues(e.Reason).Inc()
	}
	c.m.deadLettered.Add(float64(len(b.dlqErr)))
	c.m.stateWritten.Add(float64(len(b.out.state.msgs)))
	c.m.tombstones.Add(float64(b.out.segTombstones))
	c.countsMu.Lock()
	defer c.countsMu.Unlock()
	for i := range b.finals {
		f := &b.finals[i]
		id := b.updates[f.upIdx].StoreID
		if !f.res.Exists {
			c.forget(id)
			continue
		}
		if !f.scored {
			continue
		}
		c.place(id, int32(f.a.SegmentID))
		c.m.scored.Inc()
		if f.a.Novelty {
			c.m.novel.Inc()
		}
		if f.emit {
			c.m.emitted.WithLabelValues(strconv.Itoa(f.a.SegmentID), f.a.Source.String()).Inc()
		}
		if c.window != nil {
			nNum, nCat := l.pool.nNum, l.pool.nCat
			row := frame.Row{Num: b.prepNum[f.slot*nNum : (f.slot+1)*nNum], Cat: b.prepCat[f.slot*nCat : (f.slot+1)*nCat]}
			if err := c.window.Observe(row, f.a.SegmentID); err != nil {
				c.log.Debug("drift observation rejected", "err", err)
			}
		}
	}
	c.maybeUpdateDrift(time.Now())
}

// place records store id's current segment; forget removes it. The caller holds countsMu.
func (c *Consumer) place(id string, seg int32) {
	if old, ok := c.segOf[id]; ok {
		if old == seg {
			return
		}
		c.counts[old]--
	}
	c.segOf[id] = seg
	c.counts[seg]++
}

func (c *Consumer) forget(id string) {
	if old, ok := c.segOf[id]; ok {
		c.counts[old]--
		delete(c.segOf, id)
	}
}
