package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/stream"
	"github.com/storeseg/storeseg/table"
)

// topicSnapshot reads the compacted store-state changelog from its first offset to the end
// it had when the read started, keeps the newest state of every store (a tombstone removes
// it) and returns the stores as a raw frame with the schema's columns, sorted by store id.
func topicSnapshot(ctx context.Context, kcfg stream.KafkaConfig, topic string, schema table.Schema, timeout time.Duration) (*frame.Frame, error) {
	tlsCfg, err := kcfg.TLSConfig()
	if err != nil {
		return nil, err
	}
	mech, err := kcfg.Mechanism()
	if err != nil {
		return nil, err
	}
	transport := &kafka.Transport{ClientID: kcfg.ClientID, DialTimeout: kcfg.DialTimeout, TLS: tlsCfg, SASL: mech}
	admin := &kafka.Client{Addr: kafka.TCP(kcfg.Brokers...), Timeout: timeout, Transport: transport}
	ranges, err := partitionRanges(ctx, admin, topic)
	if err != nil {
		return nil, err
	}
	dialer := &kafka.Dialer{ClientID: kcfg.ClientID, Timeout: kcfg.DialTimeout, DualStack: true, TLS: tlsCfg, SASLMechanism: mech}
	dec := schemas.NewDecoder(nil)
	var mu sync.Mutex
	states := map[string]*schemas.StoreState{}
	g, gctx := errgroup.WithContext(ctx)
	for p, r := range ranges {
		if r[1] <= r[0] {
			continue
		}
		g.Go(func() error {
			return readPartition(gctx, dialer, kcfg.Brokers, topic, p, r, timeout, func(key string, value []byte) error {
				var st *schemas.StoreState
				if value != nil {
					st = new(schemas.StoreState)
					if err := dec.Decode(gctx, value, st); err != nil {
						return fmt.Errorf("store %q: %w", key, err)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if st == nil {
					delete(states, key)
				} else {
					states[key] = st
				}
				return nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", topic, err)
	}
	return statesFrame(states, schema), nil
}

// errNoTopic reports a topic the cluster does not have.
var errNoTopic = errors.New("no such topic")

// partitionRanges returns, per partition, the first offset and the end offset (exclusive).
func partitionRanges(ctx context.Context, admin *kafka.Client, topic string) (map[int][2]int64, error) {
	meta, err := admin.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("reading metadata of %s: %w", topic, err)
	}
	if len(meta.Topics) != 1 {
		return nil, fmt.Errorf("%w: %s", errNoTopic, topic)
	}
	if err := meta.Topics[0].Error; err != nil {
		if errors.Is(err, kafka.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("%w: %s", errNoTopic, topic)
		}
		return nil, fmt.Errorf("topic %s: %w", topic, err)
	}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range meta.Topics[0].Partitions {
		req.Topics[topic] = append(req.Topics[topic], kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	res, err := admin.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("listing offsets of %s: %w", topic, err)
	}
	out := map[int][2]int64{}
	for _, po := range res.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("offsets of %s/%d: %w", topic, po.Partition, po.Error)
		}
		out[po.Partition] = [2]int64{po.FirstOffset, po.LastOffset}
	}
	return out, nil
}

// readPartition reads offsets [r[0], r[1]) of one partition (a compacted topic may skip
// some) and calls fn for each record.
func readPartition(ctx context.Context, d *kafka.Dialer, brokers []string, topic string, p int, r [2]int64,
	timeout time.Duration, fn func(key string, value []byte) error) error {
	rd := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p, Dialer: d,
		MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 250 * time.Millisecond})
	defer rd.Close()
	if err := rd.SetOffset(r[0]); err != nil {
		return err
	}
	for {
		rctx, cancel := context.WithTimeout(ctx, timeout)
		msg, err := rd.ReadMessage(rctx) // no group: nothing is committed
		cancel()
		if err != nil {
			return fmt.Errorf("partition %d at offset %d of [%d, %d): %w", p, rd.Offset(), r[0], r[1], err)
		}
		if err := fn(string(msg.Key), msg.Value); err != nil {
			return err
		}
		if msg.Offset >= r[1]-1 {
			return nil
		}
	}
}

// statesFrame lays the states out as a raw frame with the schema's columns.
func statesFrame(states map[string]*schemas.StoreState, schema table.Schema) *frame.Frame {
	ids := make([]string, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	f := &frame.Frame{IDName: schema.ID, IDs: ids, NumNames: schema.Numeric, CatNames: schema.Categorical}
	f.Num = make([][]float64, len(schema.Numeric))
	for j := range f.Num {
		f.Num[j] = make([]float64, len(ids))
	}
	f.Cat = make([][]int32, len(schema.Categorical))
	f.Levels = make([][]string, len(schema.Categorical))
	codes := make([]map[string]int32, len(schema.Categorical))
	for q := range f.Cat {
		f.Cat[q] = make([]int32, len(ids))
		codes[q] = map[string]int32{}
	}
	numIdx, catIdx := indexOf(schema.Numeric), indexOf(schema.Categorical)
	for i, id := range ids {
		for j := range f.Num {
			f.Num[j][i] = math.NaN()
		}
		for q := range f.Cat {
			f.Cat[q][i] = frame.Missing
		}
		for _, v := range states[id].Numeric {
			if j, ok := numIdx[v.Name]; ok && !v.Null {
				f.Num[j][i] = v.Value
			}
		}
		for _, v := range states[id].Categorical {
			q, ok := catIdx[v.Name]
			if !ok || v.Null || v.Value == "" {
				continue
			}
			c, seen := codes[q][v.Value]
			if !seen {
				c = int32(len(f.Levels[q]))
				codes[q][v.Value] = c
				f.Levels[q] = append(f.Levels[q], v.Value)
			}
			f.Cat[q][i] = c
		}
	}
	return f
}

func indexOf(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}
