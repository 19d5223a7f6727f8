package stream

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// A lane processes the batches of the input partitions p with p mod Lanes = its id. A store
// lives in one partition, so lanes touch disjoint stores and their batches (state-store
// transactions included) run concurrently; within a lane, batches run in order, so each
// partition keeps its order. A lane's I/O waits (acknowledgements, fsync, commit) overlap the
// other lanes' work, and its batches' persists overlap its next batches (up to maxInflight).
type lane struct {
	id      int
	in      chan kafka.Message
	applied map[int32]int64 // next offset to apply, for this lane's partitions
	free    []*batch        // batch buffers to reuse
	pool    *scorers        // the serving model's scorers for this lane; nil before the first model
}

// maxInflight bounds a lane's batches whose outputs are acknowledged and whose state is still
// being persisted. A state-store write that stalls (a memtable flush, a slow fsync) then
// holds back only the persisting, not the next batches' outputs, until this many are
// waiting.
const maxInflight = 4

// batch returns a buffer for the lane's next batch.
func (l *lane) batch() *batch {
	if n := len(l.free); n > 0 {
		b := l.free[n-1]
		l.free = l.free[:n-1]
		return b
	}
	return &batch{}
}

// lanes returns the number of lanes Run uses.
func (c Config) lanes() int {
	if c.Lanes > 0 {
		return c.Lanes
	}
	return runtime.GOMAXPROCS(0) + 1
}

func (c *Consumer) laneOf(partition int) *lane { return c.lanes[partition%len(c.lanes)] }

// fetch hands the reader's messages to their lanes until ctx is cancelled or the reader is
// closed.
func (c *Consumer) fetch(ctx context.Context, r *kafka.Reader) {
	delay := c.cfg.RetryMin
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			c.log.Warn("fetching input", "err", err)
			if !sleep(ctx, delay) {
				return
			}
			delay = min(2*delay, c.cfg.RetryMax)
			continue
		}
		delay = c.cfg.RetryMin
		select {
		case c.laneOf(m.Partition).in <- m:
		case <-ctx.Done():
			return
		}
	}
}

// runLanes runs every lane and swaps models in between batches until ctx ends or a lane
// fails; it returns once every lane has finished its batch in hand.
func (c *Consumer) runLanes(ctx context.Context, r *kafka.Reader) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// hard outlives lctx by ShutdownTimeout: batches in hand get that long to finish.
	hard, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hardCancel()
	go func() {
		<-lctx.Done()
		t := time.NewTimer(c.cfg.ShutdownTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			hardCancel()
		case <-hard.Done():
		}
	}()
	errc := make(chan error, len(c.lanes))
	var wg sync.WaitGroup
	for _, l := range c.lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.runLane(lctx, hard, r, l); err != nil {
				errc <- err
				cancel()
			}
		}()
	}
	var err error
	for done := false; !done; {
		select {
		case <-lctx.Done():
			done = true
		case <-c.pending.notify:
			c.swapMu.Lock()
			err = c.swapPending(lctx)
			c.swapMu.Unlock()
			if err != nil {
				cancel()
				done = true
			}
		}
	}
	wg.Wait()
	close(errc)
	if err != nil {
		return err
	}
	return <-errc // nil when no lane failed
}

// runLane collects the lane's batches and processes them. A batch's persist and commit run
// in the background while the next batches are decoded, scored and produced (see
// processBatch); each holds swapMu shared until it is persisted. Batches run under hard,
// which outlives ctx by Config.ShutdownTimeout, so batches in hand at shutdown are finished
// and committed.
func (c *Consumer) runLane(ctx, hard context.Context, r *kafka.Reader, l *lane) (err error) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var queue []*inflight // in-flight batches, oldest first
	defer func() {
		for _, f := range queue { // every background persist ends before the lane does
			if werr := f.wait(); werr != nil && err == nil {
				err = c.laneError(ctx, werr)
			}
		}
	}()
	for {
		for len(queue) > 0 && (len(queue) >= maxInflight || queue[0].finished()) {
			if werr := queue[0].wait(); werr != nil {
				return c.laneError(ctx, werr)
			}
			l.free = append(l.free, queue[0].b)
			queue = queue[1:]
		}
		b := l.batch()
		msgs := b.msgBuf[:0]
		select {
		case <-ctx.Done():
			l.free = append(l.free, b)
			return nil
		case m := <-l.in:
			msgs = append(msgs, m)
		}
		msgs = c.fill(ctx, l, msgs, timer)
		b.msgBuf = msgs
		c.swapMu.RLock()
		f, perr := c.processBatch(hard, r, l, b, msgs, queue, c.swapMu.RUnlock)
		if perr != nil {
			c.swapMu.RUnlock()
			l.free = append(l.free, b)
			if ctx.Err() != nil {
				c.log.Warn("batch abandoned at shutdown; it will be consumed again", "messages", len(msgs), "err", perr)
				return nil
			}
			return perr
		}
		queue = append(queue, f)
	}
}

// laneError is what a lane returns for a failed persist: nil at shutdown (the batch is
// consumed again after the restart), else the error.
func (c *Consumer) laneError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		c.log.Warn("batch abandoned at shutdown; it will be consumed again", "err", err)
		return nil
	}
	return err
}

// fill adds messages to batch until it is full or BatchMaxWait has passed.
func (c *Consumer) fill(ctx context.Context, l *lane, batch []kafka.Message, timer *time.Timer) []kafka.Message {
	timer.Reset(c.cfg.BatchMaxWait)
	defer timer.Stop()
	for len(batch) < c.cfg.BatchSize {
		select {
		case m := <-l.in:
			batch = append(batch, m)
		case <-timer.C:
			return batch
		case <-ctx.Done():
			return batch
		}
	}
	return batch
}
