package statestore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/storeseg/storeseg/statestore"
)

func BenchmarkGet(b *testing.B) {
	st := openMem(b)
	fill(b, st, 10_000)
	ctx := context.Background()
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = fmt.Sprintf("store-%07d", i*9)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := st.Get(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkApplyBatch applies batches of 500 partial updates over 10k existing stores, with
// the offset write, as the stream does per poll.
func BenchmarkApplyBatch(b *testing.B) {
	for _, mode := range []string{"memory", "disk-nosync", "disk-sync"} {
		b.Run(mode+"/500", func(b *testing.B) {
			st := openMode(b, mode)
			fill(b, st, 10_000)
			batches := make([][]statestore.Update, 64)
			for j := range batches {
				for k := range 500 {
					batches[j] = append(batches[j], statestore.Update{StoreID: fmt.Sprintf("store-%07d", (j*500+k*7)%10_000),
						EventTime: int64(1_000_000 + j*500 + k), Num: []statestore.NumValue{{Name: "sales", Value: float64(k)}}})
				}
			}
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				off := []statestore.Offset{{Topic: "store-features", Partition: 0, Next: int64(i + 1)}}
				if _, err := st.ApplyBatch(ctx, batches[i%len(batches)], off); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// openMode opens an in-memory store, or one on disk with or without fsync per batch.
func openMode(b *testing.B, mode string) *statestore.Store {
	if mode == "memory" {
		return openMem(b)
	}
	cfg := statestore.DefaultConfig(b.TempDir())
	cfg.SyncWrites = mode == "disk-sync"
	st, err := statestore.Open(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { closeStore(b, st) })
	return st
}

func BenchmarkSnapshot(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			st := openMem(b)
			fill(b, st, n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				count := 0
				if err := st.Snapshot(ctx, func(statestore.State) error { count++; return nil }); err != nil || count != n {
					b.Fatalf("Snapshot visited %d, err %v", count, err)
				}
			}
		})
	}
}

func BenchmarkMerge(b *testing.B) {
	rec, _ := statestore.Merge(statestore.Record{}, &statestore.Update{StoreID: "s", EventTime: 1,
		Num: []statestore.NumValue{{Name: "a", Value: 1}, {Name: "b", Value: 2}, {Name: "c", Value: 3}, {Name: "d", Value: 4}},
		Cat: []statestore.CatValue{{Name: "type", Value: "x"}, {Name: "zone", Value: "y"}}})
	u := statestore.Update{StoreID: "s", EventTime: 2, Num: []statestore.NumValue{{Name: "b", Value: 5}}}
	b.ReportAllocs()
	for b.Loop() {
		statestore.Merge(rec, &u)
	}
}

// BenchmarkPreviewCommit is the stream's state-store work per batch on a store of 100,000
// stores on disk (no fsync, to measure CPU): Preview 2,000 partial updates of distinct
// stores spread over the key space (reading each state and emission), then Commit them with
// the offsets. Per compression of the tables.
func BenchmarkPreviewCommit(b *testing.B) {
	const stores, size = 100_000, 2000
	for _, comp := range []statestore.Compression{statestore.CompressionNone, statestore.CompressionSnappy} {
		b.Run(fmt.Sprintf("compression=%s", comp), func(b *testing.B) {
			if testing.Short() {
				b.Skip("large store skipped in -short mode")
			}
			cfg := statestore.DefaultConfig(b.TempDir())
			cfg.SyncWrites, cfg.Compression = false, comp
			st, err := statestore.Open(cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { closeStore(b, st) })
			fill(b, st, stores)
			ems := make([]statestore.Emission, stores)
			for i := range ems {
				ems[i] = statestore.Emission{StoreID: fmt.Sprintf("store-%07d", i), Revision: 1, ModelVersion: "v1", Acked: true}
			}
			if err := st.RecordEmissions(context.Background(), ems); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			batch := make([]statestore.Update, size)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				for k := range batch {
					id := (i*size + k*37) % stores
					batch[k] = statestore.Update{StoreID: fmt.Sprintf("store-%07d", id), EventTime: int64(1_000_000 + i*size + k),
						Num: []statestore.NumValue{{Name: "sales", Value: float64(k)}}}
				}
				p, err := st.Preview(ctx, batch)
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Commit(ctx, p, []statestore.Offset{{Topic: "in", Partition: 0, Next: int64(i + 1)}}); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/update")
		})
	}
}
