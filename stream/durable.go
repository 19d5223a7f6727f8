package stream

import (
	"context"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// syncer is the group commit of Config.SyncInterval: lanes hand it the input positions of
// the batches they have persisted, and it commits them once a state-store Sync that began
// after they were persisted has returned.
type syncer struct {
	mu      sync.Mutex
	pending []kafka.Message // one per partition and batch: topic, partition, offset
}

// add queues the offsets of a persisted batch's messages for the next sync: the last of
// each partition's (a commit covers everything before it).
func (s *syncer) add(msgs []kafka.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.pending)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := &msgs[i]
		seen := false
		for _, q := range s.pending[n:] { // a batch holds few partitions
			if q.Partition == m.Partition && q.Topic == m.Topic {
				seen = true
				break
			}
		}
		if !seen {
			s.pending = append(s.pending, kafka.Message{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset})
		}
	}
}

// take returns the queued offsets and empties the queue.
func (s *syncer) take() []kafka.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending
	s.pending = nil
	return p
}

// commitDurable commits a persisted batch's input offsets, or hands them to the syncer
// when the consumer syncs the state store itself.
func (c *Consumer) commitDurable(ctx context.Context, r *kafka.Reader, msgs []kafka.Message) {
	if c.sync == nil {
		c.commit(ctx, r, msgs)
		return
	}
	c.sync.add(msgs)
}

// startSyncer starts the group commit when Config.SyncInterval asks for it and returns the
// function that stops it, syncing and committing once more (within Config.ShutdownTimeout)
// for the batches persisted since its last sync.
func (c *Consumer) startSyncer(ctx context.Context, r *kafka.Reader) (stop func()) {
	if c.cfg.SyncInterval <= 0 {
		return func() {}
	}
	c.sync = &syncer{}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); c.runSyncer(sctx, r) }()
	return func() {
		cancel()
		<-done
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.ShutdownTimeout)
		defer cancel()
		c.syncCommit(fctx, r)
	}
}

// runSyncer syncs the state store every Config.SyncInterval while offsets wait, and
// commits them, until ctx ends; the caller runs syncCommit once more after the lanes have
// stopped.
func (c *Consumer) runSyncer(ctx context.Context, r *kafka.Reader) {
	t := time.NewTicker(c.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.syncCommit(ctx, r)
		}
	}
}

// syncCommit syncs the state store and commits the offsets queued before the sync began.
// A failed sync puts them back for the next attempt (if ctx has ended they stay
// uncommitted, and their batches are consumed again after the restart).
func (c *Consumer) syncCommit(ctx context.Context, r *kafka.Reader) {
	msgs := c.sync.take()
	if len(msgs) == 0 {
		return
	}
	start := time.Now()
	if err := c.store.Sync(ctx); err != nil {
		c.m.retries.WithLabelValues("sync_state").Inc()
		if ctx.Err() == nil {
			c.log.Warn("syncing the state store failed; offsets stay uncommitted until a sync succeeds", "err", err)
		}
		c.sync.mu.Lock()
		c.sync.pending = append(msgs, c.sync.pending...)
		c.sync.mu.Unlock()
		return
	}
	c.m.syncDuration.Observe(time.Since(start).Seconds())
	c.commit(ctx, r, msgs)
}
