package stream

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/stream/loadgen"
)

// benchModel fits the default config (100 trees) on n generated stores.
func benchModel(b *testing.B, n int) (*model.Bundle, *loadgen.Generator) {
	b.Helper()
	lc := loadgen.DefaultConfig()
	lc.Synth.Stores = n
	g, err := loadgen.New(lc)
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	raw := g.Frame(n) // Fit keeps the columns the config names
	r, err := model.Fit(context.Background(), model.FitInput{Raw: raw}, cfg.FitConfig())
	if err != nil {
		b.Fatal(err)
	}
	return r.Bundle, g
}

// BenchmarkMessage measures the per-message work of the consumer without Kafka: decode a
// partial update, merge it into the store's state, lay the state out for the model and
// score it (a changed store, so the forest and approximate_predict run).
func BenchmarkMessage(b *testing.B) {
	bundle, g := benchModel(b, 2000)
	const stores = 1000
	dec := schemas.NewDecoder(nil)
	recs := make([]statestore.Record, stores)
	msgs := make([][]byte, stores)
	var u statestore.Update
	var rec schemas.StoreFeatureUpdate
	for i := range stores {
		v, err := g.Snapshot(nil, i)
		if err != nil {
			b.Fatal(err)
		}
		if err := dec.Decode(context.Background(), v, &rec); err != nil {
			b.Fatal(err)
		}
		toUpdate(&u, &rec)
		recs[i], _ = statestore.Merge(recs[i], &u)
		if msgs[i], err = g.Update(nil, i, 1); err != nil {
			b.Fatal(err)
		}
	}
	sc, mapper := bundle.NewScorer(), newRecordMapper(bundle.Features())
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i % stores
		i++
		if err := dec.Decode(ctx, msgs[k], &rec); err != nil {
			b.Fatal(err)
		}
		toUpdate(&u, &rec)
		r, res := statestore.Merge(recs[k], &u)
		if _, err := sc.Score(rec.StoreID, mapper.record(&res.State)); err != nil {
			b.Fatal(err)
		}
		_ = r
	}
}

// BenchmarkBatch measures a whole batch through the consumer's pipeline without Kafka I/O:
// decode partial updates, merge them (Preview on an in-memory Badger store holding the
// stores' snapshots), score the changed stores on the scorer pool, encode the changelog and
// assignment messages. Persisting is left out so every iteration sees the same changes
// (statestore has its own ApplyBatch benchmarks).
func BenchmarkBatch(b *testing.B) {
	bundle, g := benchModel(b, 2000)
	for _, size := range []int{100, 2000} {
		b.Run(fmt.Sprintf("messages=%d", size), func(b *testing.B) {
			c, msgs := benchConsumer(b, bundle, g, size)
			loadSnapshots(b, c, g, size)
			ctx := context.Background()
			b.ReportAllocs()
			l := c.lanes[0]
			bt := l.batch()
			for b.Loop() {
				bt.reset(msgs)
				if err := c.decodeAll(ctx, l, bt); err != nil {
					b.Fatal(err)
				}
				if err := c.mergeAndScore(ctx, l, bt); err != nil {
					b.Fatal(err)
				}
				if err := c.encodeOutputs(bt); err != nil {
					b.Fatal(err)
				}
				if len(bt.finals) != size {
					b.Fatalf("%d stores changed; want %d", len(bt.finals), size)
				}
				bt.preview.Discard()
				bt.preview = nil
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/message")
		})
	}
}

// loadSnapshots applies the snapshots of stores [0, n) to the consumer's store.
func loadSnapshots(b *testing.B, c *Consumer, g *loadgen.Generator, n int) {
	b.Helper()
	ctx := context.Background()
	ups := make([]statestore.Update, 0, 5000)
	var rec schemas.StoreFeatureUpdate
	dec := schemas.NewDecoder(nil)
	for i := range n {
		v, err := g.Snapshot(nil, i)
		if err != nil {
			b.Fatal(err)
		}
		if err := dec.Decode(ctx, v, &rec); err != nil {
			b.Fatal(err)
		}
		ups = append(ups, statestore.Update{})
		toUpdate(&ups[len(ups)-1], &rec)
		if len(ups) == cap(ups) || i == n-1 {
			if _, err := c.store.ApplyBatch(ctx, ups, nil); err != nil {
				b.Fatal(err)
			}
			ups = ups[:0]
		}
	}
}

func benchConsumer(b *testing.B, bundle *model.Bundle, g *loadgen.Generator, size int) (*Consumer, []kafka.Message) {
	b.Helper()
	cfg := DefaultConfig("localhost:9092")
	cfg.Spec = config.Default().PreprocessSpec()
	st, err := statestore.Open(statestore.Config{InMemory: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	c, err := New(cfg, st, nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	c.serving.Store(newServing(bundle))
	c.lanes = []*lane{{applied: map[int32]int64{}, pool: newScorers(bundle, 2)}}
	msgs := make([]kafka.Message, size)
	for i := range msgs {
		v, err := g.Update(nil, i, 1)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = kafka.Message{Topic: cfg.Topics.Input, Partition: i % 6, Offset: int64(i), Key: g.Key(i), Value: v, Time: time.Now()}
	}
	return c, msgs
}

// BenchmarkRescore measures the CPU side of a model swap on an in-memory Badger store of n
// stores: read every state, score them in chunks on the scorer pool, look up each store's
// last emission and encode its assignment (Kafka writes excluded).
func BenchmarkRescore(b *testing.B) {
	bundle, g := benchModel(b, 2000)
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("stores=%d", n), func(b *testing.B) {
			if testing.Short() && n > 10000 {
				b.Skip("large rescore skipped in -short mode")
			}
			c, _ := benchConsumer(b, bundle, g, 1)
			loadSnapshots(b, c, g, n)
			ctx := context.Background()
			b.ReportAllocs()
			invalid := 0
			for b.Loop() {
				total := 0
				chunk := make([]statestore.State, 0, c.cfg.RescoreChunk)
				flush := func() error {
					ptrs := make([]*statestore.State, len(chunk))
					for i := range chunk {
						ptrs[i] = &chunk[i]
					}
					res := make([]scored, len(chunk))
					c.lanes[0].pool.scoreAll(ptrs, res, nil, nil)
					c.rescoreOut.reset()
					for i := range chunk {
						if res[i].err != nil {
							return res[i].err
						}
						if _, err := c.store.Emission(ctx, chunk[i].StoreID); err != nil && !errors.Is(err, statestore.ErrNotFound) {
							return err
						}
						if !c.encodeAssignment(&c.rescoreOut, chunk[i].StoreID, &res[i].a, "m", chunk[i].UpdatedAt, 1, false, statestore.Emission{}) {
							invalid++ // as the consumer does: counted, not emitted
						}
					}
					total += len(chunk)
					chunk = chunk[:0]
					return nil
				}
				err := c.store.Snapshot(ctx, func(s statestore.State) error {
					chunk = append(chunk, s)
					if len(chunk) == cap(chunk) {
						return flush()
					}
					return nil
				})
				if err == nil {
					err = flush()
				}
				if err != nil || total != n {
					b.Fatalf("rescored %d of %d: %v", total, n, err)
				}
			}
			b.ReportMetric(float64(invalid)/float64(b.N*n), "invalid/store")
		})
	}
}
