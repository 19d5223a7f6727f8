package stream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore"
)

// queue is the output messages of one topic. Keys and values live in the outputs' arena
// until finish points the messages at them, so a batch's outputs take one growing buffer.
type queue struct {
	msgs  []kafka.Message
	spans [][4]int // key start, key end, value start, value end (-1: tombstone)
}

// outputs is everything a batch (or a rescore chunk) produces.
type outputs struct {
	arena         []byte
	dlq           queue
	state         queue
	segs          queue
	ems           []statestore.Emission
	segTombstones int
	assignment    schemas.SegmentAssignment // scratch record, encoded at once
}

func (o *outputs) reset() {
	o.arena = o.arena[:0]
	for _, q := range []*queue{&o.dlq, &o.state, &o.segs} {
		clear(q.msgs) // drop references to the previous batch's bytes
		q.msgs, q.spans = q.msgs[:0], q.spans[:0]
	}
	o.ems = o.ems[:0]
	o.segTombstones = 0
}

// addRecord queues rec under key id, framed with the Confluent schema id or, when it is 0,
// as Avro single-object.
func (o *outputs) addRecord(q *queue, id string, rec schemas.Record, schemaID int) error {
	ks := len(o.arena)
	o.arena = append(o.arena, id...)
	vs := len(o.arena)
	var err error
	if schemaID > 0 {
		o.arena, err = schemas.AppendConfluent(o.arena, schemaID, rec)
	} else {
		o.arena, err = schemas.AppendSingleObject(o.arena, rec)
	}
	if err != nil {
		o.arena = o.arena[:ks]
		return err
	}
	q.msgs = append(q.msgs, kafka.Message{})
	q.spans = append(q.spans, [4]int{ks, vs, vs, len(o.arena)})
	return nil
}

// addTombstone queues a null value under key id.
func (o *outputs) addTombstone(q *queue, id string) {
	ks := len(o.arena)
	o.arena = append(o.arena, id...)
	q.msgs = append(q.msgs, kafka.Message{})
	q.spans = append(q.spans, [4]int{ks, len(o.arena), -1, -1})
	if q == &o.segs {
		o.segTombstones++
	}
}

// addDLQ queues a dead letter: the input message as received, with the reason headers.
func (o *outputs) addDLQ(m *kafka.Message, e *inputError) {
	h := make([]kafka.Header, 0, len(m.Headers)+6)
	h = append(h, m.Headers...)
	h = append(h,
		kafka.Header{Key: HeaderReason, Value: []byte(e.Reason)},
		kafka.Header{Key: HeaderError, Value: []byte(e.Error())},
		kafka.Header{Key: HeaderTopic, Value: []byte(m.Topic)},
		kafka.Header{Key: HeaderPartition, Value: strconv.AppendInt(nil, int64(m.Partition), 10)},
		kafka.Header{Key: HeaderOffset, Value: strconv.AppendInt(nil, m.Offset, 10)},
		kafka.Header{Key: HeaderTimestamp, Value: strconv.AppendInt(nil, m.Time.UnixMilli(), 10)},
	)
	o.dlq.msgs = append(o.dlq.msgs, kafka.Message{Key: m.Key, Value: m.Value, Headers: h})
	o.dlq.spans = append(o.dlq.spans, [4]int{-1, -1, -1, -1})
}

// finish points every queued message at its bytes in the arena.
func (o *outputs) finish() {
	for _, q := range []*queue{&o.state, &o.segs} {
		for i, s := range q.spans {
			q.msgs[i].Key = o.arena[s[0]:s[1]:s[1]]
			if s[2] >= 0 {
				q.msgs[i].Value = o.arena[s[2]:s[3]:s[3]]
			} else {
				q.msgs[i].Value = nil
			}
		}
	}
}

// writers are the output producers, one per topic, each with its own Transport.
type writers struct {
	dlq, state, segs *kafka.Writer
}

func (c *Consumer) newWriters() writers {
	t := c.cfg.Topics
	return writers{
		dlq:   c.kc.writer(t.DLQ, c.cfg.WriteTimeout, c.cfg.ProduceLinger, c.cfg.Compression.codec()),
		state: c.kc.writer(t.State, c.cfg.WriteTimeout, c.cfg.ProduceLinger, c.cfg.Compression.codec()),
		segs:  c.kc.writer(t.Segments, c.cfg.WriteTimeout, c.cfg.ProduceLinger, c.cfg.Compression.codec()),
	}
}

// close flushes and closes every writer, giving up on each after d.
func (w writers) close(d time.Duration) error {
	var errs []error
	for name, wr := range map[string]*kafka.Writer{"dlq writer": w.dlq, "state writer": w.state, "segments writer": w.segs} {
		if wr != nil {
			errs = append(errs, closeWriter(d, name, wr))
		}
	}
	return errors.Join(errs...)
}

// produce writes the outputs to their topics concurrently and returns once every message is
// acknowledged; transient failures are retried until ctx ends.
func (c *Consumer) produce(ctx context.Context, o *outputs) error {
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, job := range []struct {
		w *kafka.Writer
		q *queue
	}{{c.w.dlq, &o.dlq}, {c.w.state, &o.state}, {c.w.segs, &o.segs}} {
		if len(job.q.msgs) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.retry(ctx, "produce_"+job.w.Topic, func(ctx context.Context) error {
				wctx, cancel := context.WithTimeout(ctx, c.cfg.WriteTimeout)
				defer cancel()
				return job.w.WriteMessages(wctx, job.q.msgs...)
			})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("producing outputs: %w", err)
	}
	return nil
}

// registerSchemas registers the output schemas with the Schema Registry and keeps their ids.
func (c *Consumer) registerSchemas(ctx context.Context) error {
	st, err := c.reg.Register(ctx, c.cfg.Topics.State+"-value", schemas.SchemaOf(&schemas.StoreState{}).Text)
	if err != nil {
		return fmt.Errorf("registering the StoreState schema: %w", err)
	}
	sg, err := c.reg.Register(ctx, c.cfg.Topics.Segments+"-value", schemas.SchemaOf(&schemas.SegmentAssignment{}).Text)
	if err != nil {
		return fmt.Errorf("registering the SegmentAssignment schema: %w", err)
	}
	c.stateID, c.segID = st, sg
	return nil
}
