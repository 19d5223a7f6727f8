package stream

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// A lane processes the batches of the input partitions p with p mod Lanes = its id. A store
// lives in one partition, so lanes touch disjoint stores and their batches (state-store
// transactions included) run concurrently; within a lane, batches run in order, so each
// partition keeps its order. A lane's I/O waits (acknowledgements, fsync, commit) overlap the
// other lanes' work.
type lane struct {
	id      int
	in      chan kafka.Message
	applied map[int32]int64 // next offset to apply, for this lane's partitions
	bufs    [2]batch        // the batch in hand and the one being persisted
	pool    *scorers        // the serving model's scorers for this lane; nil before the first model
}

// lanes returns the number of lanes Run uses.
func (c Config) lanes() int {
	if c.Lanes > 0 {
		return c.Lanes
	}
	return runtime.GOMAXPROCS(0)
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
// in the background while the next batch is decoded, scored and produced (see processBatch);
// each holds swapMu shared until it is persisted. Batches run under hard, which outlives ctx
// by Config.ShutdownTimeout, so a batch in hand at shutdown is finished and committed.
func (c *Consumer) runLane(ctx, hard context.Context, r *kafka.Reader, l *lane) (err error) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var prev *inflight
	defer func() {
		if werr := prev.wait(); werr != nil {
			if ctx.Err() != nil {
				c.log.Warn("batch abandoned at shutdown; it will be consumed again", "err", werr)
				return
			}
			err = errors.Join(err, werr)
		}
	}()
	var msgs [2][]kafka.Message
	for k := 0; ; k ^= 1 {
		batch := msgs[k][:0]
		select {
		case <-ctx.Done():
			return nil
		case m := <-l.in:
			batch = append(batch, m)
		}
		batch = c.fill(ctx, l, batch, timer)
		msgs[k] = batch
		c.swapMu.RLock()
		f, perr := c.processBatch(hard, r, l, &l.bufs[k], batch, prev, c.swapMu.RUnlock)
		if perr != nil {
			c.swapMu.RUnlock()
			if ctx.Err() != nil {
				c.log.Warn("batch abandoned at shutdown; it will be consumed again", "messages", len(batch), "err", perr)
				return nil
			}
			return perr
		}
		prev = f
	}
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
