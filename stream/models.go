package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/schemas"
)

// modelSlot hands the newest verified bundle from the model follower to the Run loop, which
// swaps it in between batches. A newer bundle replaces one not yet taken.
type modelSlot struct {
	mu     sync.Mutex
	b      *model.Bundle
	notify chan struct{}
}

func (s *modelSlot) init() { s.notify = make(chan struct{}, 1) }

func (s *modelSlot) put(b *model.Bundle) {
	s.mu.Lock()
	s.b = b
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *modelSlot) take() *model.Bundle {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.b
	s.b = nil
	return b
}

// modelRecord is one record of the models topic.
type modelRecord struct {
	key, value []byte
	partition  int
	offset     int64
	caughtUp   bool // the record's partition has reached its end as of the follower's start
}

// followModels reads the models topic from the beginning (no consumer group), reassembles
// bundles, loads and verifies them, and hands each new version to the Run loop. During the
// initial catch-up only the newest bundle is handed over. It returns when ctx ends.
//
// caughtUp is closed once the models topic has been read up to its end as of the start (and
// the newest bundle found, if any, is in the slot).
func (c *Consumer) followModels(ctx context.Context, caughtUp chan<- struct{}) {
	signalled := false
	signal := func() {
		if !signalled {
			signalled = true
			close(caughtUp)
		}
	}
	defer signal()
	var parts []kafka.Partition
	err := c.retry(ctx, "models_metadata", func(ctx context.Context) error {
		var err error
		parts, err = c.modelPartitions(ctx)
		return err
	})
	if err != nil {
		return
	}
	recs := make(chan modelRecord, 64)
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Add(1)
		go func() { defer wg.Done(); c.readModelPartition(ctx, p, recs) }()
	}
	defer wg.Wait()
	asm, err := schemas.NewAssembler(schemas.DefaultAssemblerConfig(), c.dec)
	if err != nil {
		c.log.Error("model assembler", "err", err)
		return
	}
	pending := len(parts)
	caught := map[int]bool{}
	if pending == 0 {
		signal()
	}
	var candidate *model.Bundle
	for {
		var r modelRecord
		select {
		case <-ctx.Done():
			return
		case r = <-recs:
		}
		if r.caughtUp && !caught[r.partition] {
			caught[r.partition] = true
			pending--
		}
		if r.key != nil {
			if b := c.assemble(ctx, asm, r); b != nil {
				candidate = b
			}
		}
		if pending == 0 && candidate != nil {
			c.pending.put(candidate)
			candidate = nil
		}
		if pending == 0 {
			signal()
		}
	}
}

// modelPartitions returns the partitions of the models topic with their end offsets at start.
func (c *Consumer) modelPartitions(ctx context.Context) ([]kafka.Partition, error) {
	var md *kafka.MetadataResponse
	err := c.kc.withAdmin(c.cfg.Kafka.DialTimeout, func(admin *kafka.Client) error {
		var err error
		md, err = admin.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{c.cfg.Topics.Models}})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading metadata of %s: %w", c.cfg.Topics.Models, err)
	}
	if len(md.Topics) != 1 || md.Topics[0].Error != nil || len(md.Topics[0].Partitions) == 0 {
		return nil, fmt.Errorf("topic %s is not available", c.cfg.Topics.Models)
	}
	return md.Topics[0].Partitions, nil
}

// readModelPartition sends every record of one partition of the models topic, and one
// marker record (no key) as soon as the partition's end at start is reached.
func (c *Consumer) readModelPartition(ctx context.Context, p kafka.Partition, out chan<- modelRecord) {
	var end int64
	err := c.retry(ctx, "models_offsets", func(ctx context.Context) error {
		var resp *kafka.ListOffsetsResponse
		err := c.kc.withAdmin(c.cfg.Kafka.DialTimeout, func(admin *kafka.Client) error {
			var err error
			resp, err = admin.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
				p.Topic: {kafka.LastOffsetOf(p.ID)}}})
			return err
		})
		if err != nil {
			return err
		}
		for _, po := range resp.Topics[p.Topic] {
			if po.Error != nil {
				return po.Error
			}
			end = po.LastOffset
		}
		return nil
	})
	if err != nil {
		return
	}
	send := func(r modelRecord) bool {
		select {
		case out <- r:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if end == 0 && !send(modelRecord{partition: p.ID, caughtUp: true}) {
		return
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: c.cfg.Kafka.Brokers, Topic: p.Topic, Partition: p.ID, Dialer: c.kc.dialer(),
		StartOffset: kafka.FirstOffset, MaxBytes: 64 << 20, MaxWait: 500 * time.Millisecond,
		ReadBackoffMin: c.cfg.RetryMin, ReadBackoffMax: c.cfg.RetryMax,
	})
	defer func() {
		if err := closeWithin(c.cfg.ShutdownTimeout, "models reader", r.Close); err != nil {
			c.log.Warn("closing models reader", "err", err)
		}
	}()
	for {
		m, err := r.FetchMessage(ctx) // no group, nothing to commit
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return
			}
			c.log.Warn("reading models topic", "partition", p.ID, "err", err)
			if !sleep(ctx, c.cfg.RetryMin) {
				return
			}
			continue
		}
		key := m.Key
		if key == nil {
			key = []byte{}
		}
		if !send(modelRecord{key: key, value: m.Value, partition: p.ID, offset: m.Offset, caughtUp: m.Offset+1 >= end}) {
			return
		}
	}
}

// assemble adds a record to the assembler and returns the verified bundle it completes, if
// any. Failures are counted, logged and otherwise ignored: the serving model stays.
func (c *Consumer) assemble(ctx context.Context, asm *schemas.Assembler, r modelRecord) *model.Bundle {
	if c.cfg.ModelName != "" {
		if k, err := schemas.ParseModelKey(string(r.key)); err == nil && k.Model != c.cfg.ModelName {
			return nil
		}
	}
	var sb *schemas.Bundle
	err := c.retry(ctx, "models_decode", func(ctx context.Context) error {
		var err error
		sb, err = asm.Add(ctx, string(r.key), r.value)
		if err != nil && schemas.Reason(err) != "" {
			return &inputError{Reason: schemas.Reason(err), Err: err}
		}
		return err
	})
	if err != nil {
		var ie *inputError
		if errors.As(err, &ie) {
			c.modelFailed("record_"+ie.Reason, err, "key", string(r.key), "offset", r.offset)
		}
		return nil
	}
	if sb == nil {
		return nil
	}
	if cur := c.serving.Load(); cur != nil && cur.version == sb.Manifest.ModelVersion {
		return nil
	}
	b, err := model.Load(sb.Data)
	if err != nil {
		reason := "invalid"
		switch {
		case errors.Is(err, model.ErrCorrupt):
			reason = "corrupt"
		case errors.Is(err, model.ErrFormat):
			reason = "format"
		case errors.Is(err, model.ErrInconsistent):
			reason = "inconsistent"
		}
		c.modelFailed(reason, err, "model", sb.Manifest.ModelName, "version", sb.Manifest.ModelVersion)
		return nil
	}
	if b.Version() != sb.Manifest.ModelVersion {
		c.modelFailed("version_mismatch", fmt.Errorf("manifest names version %q, bundle is %q", sb.Manifest.ModelVersion, b.Version()))
		return nil
	}
	c.log.Info("model bundle loaded", "model", sb.Manifest.ModelName, "version", b.Version(), "bytes", len(sb.Data))
	return b
}

func (c *Consumer) modelFailed(reason string, err error, attrs ...any) {
	c.m.modelFailures.WithLabelValues(reason).Inc()
	c.log.Error("model bundle rejected; the serving model stays", append([]any{"reason", reason, "err", err}, attrs...)...)
}
