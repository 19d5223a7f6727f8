package statestore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/statestore/statestoretest"
)

// cacheSizes are the record-cache settings the cache tests run with: disabled, so small
// that every entry is evicted as soon as it is not in flight, and the default.
var cacheSizes = []struct {
	name string
	size int64
}{{"disabled", -1}, {"tiny", 1}, {"default", 0}}

func openCached(t *testing.T, size int64) *statestore.Store {
	t.Helper()
	cfg := statestore.DefaultConfig("")
	cfg.InMemory, cfg.CacheSize = true, size
	st, err := statestore.Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStore(t, st) })
	return st
}

// TestCacheMatchesFake runs random batches (previews committed, discarded or overtaken by
// another batch, plain ApplyBatch, emissions) against the Badger store with each cache
// setting and against the fake, and compares every result, state and emission.
func TestCacheMatchesFake(t *testing.T) {
	for _, cs := range cacheSizes {
		t.Run(cs.name, func(t *testing.T) {
			st, fake := openCached(t, cs.size), statestoretest.New()
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(5, 7))
			ids := []string{"a", "b", "c", "d", "e", "f"}
			randomBatch := func(step int) []statestore.Update {
				batch := make([]statestore.Update, 1+rng.IntN(4))
				for i := range batch {
					id, ts := ids[rng.IntN(len(ids))], int64(1+rng.IntN(3*step+3))
					if rng.IntN(8) == 0 {
						batch[i] = del(id, ts)
					} else {
						batch[i] = upd(id, ts, []statestore.NumValue{num(fmt.Sprint("x", rng.IntN(3)), float64(rng.IntN(5)))})
					}
				}
				return batch
			}
			for step := range 200 {
				batch := randomBatch(step)
				ems := []statestore.Emission{{StoreID: batch[0].StoreID, Revision: uint64(step), ModelVersion: "v", SegmentID: int32(rng.IntN(3)) - 1, Acked: true}}
				p, err := st.Preview(ctx, batch)
				if err != nil {
					t.Fatal(err)
				}
				switch rng.IntN(4) {
				case 0: // discarded
					p.Discard()
					continue
				case 1: // overtaken by a batch on a common store: a conflict if it changed one
					fp, err := fake.Preview(ctx, batch)
					if err != nil {
						t.Fatal(err)
					}
					other := randomBatch(step)
					other[0].StoreID = batch[0].StoreID
					applyBoth(t, st, fake, other)
					err, want := st.Commit(ctx, p, nil), fake.Commit(ctx, fp, nil)
					if (err == nil) != (want == nil) || err != nil && !errors.Is(err, statestore.ErrConflict) {
						t.Fatalf("step %d: Commit after another batch error = %v; the fake's %v\nbatch %+v\nother %+v", step, err, want, batch, other)
					}
					if err != nil {
						applyBoth(t, st, fake, batch)
					}
				default:
					want, err := fake.ApplyBatch(ctx, batch, nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := p.AddEmissions(ems); err != nil {
						t.Fatal(err)
					}
					if err := st.Commit(ctx, p, nil); err != nil {
						t.Fatalf("step %d: Commit error: %v", step, err)
					}
					if err := fake.RecordEmissions(ctx, ems); err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, p.Results, cmpopts.EquateEmpty()); diff != "" {
						t.Fatalf("step %d: results differ from the fake's (-fake +badger):\n%s", step, diff)
					}
				}
				compareStores(t, st, fake, ids)
			}
		})
	}
}

func applyBoth(t *testing.T, st *statestore.Store, fake *statestoretest.Store, batch []statestore.Update) {
	t.Helper()
	got, err := st.ApplyBatch(context.Background(), batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fake.ApplyBatch(context.Background(), batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("ApplyBatch results differ (-fake +badger):\n%s", diff)
	}
}

func compareStores(t *testing.T, st *statestore.Store, fake *statestoretest.Store, ids []string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		got, gerr := st.Get(ctx, id)
		want, werr := fake.Get(ctx, id)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" || (gerr == nil) != (werr == nil) {
			t.Fatalf("Get(%s) = %v (%v); fake %v (%v); diff:\n%s", id, got, gerr, want, werr, diff)
		}
		gotEm, gerr := st.Emission(ctx, id)
		wantEm, werr := fake.Emission(ctx, id)
		if gotEm != wantEm || (gerr == nil) != (werr == nil) {
			t.Fatalf("Emission(%s) = %+v (%v); fake %+v (%v)", id, gotEm, gerr, wantEm, werr)
		}
	}
}

// TestCacheNoLostUpdate has workers preview and commit updates of one store concurrently,
// retrying on ErrConflict: every worker's last value must survive (a stale cached record
// would lose one).
func TestCacheNoLostUpdate(t *testing.T) {
	for _, cs := range cacheSizes {
		t.Run(cs.name, func(t *testing.T) {
			st := openCached(t, cs.size)
			ctx := context.Background()
			const workers, rounds = 4, 40
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := 1; i <= rounds; i++ {
						for {
							p, err := st.Preview(ctx, []statestore.Update{upd("hot", int64(i*10+w), []statestore.NumValue{num(fmt.Sprint("w", w), float64(i))})})
							if err != nil {
								t.Error(err)
								return
							}
							err = st.Commit(ctx, p, nil)
							if err == nil {
								break
							}
							if !errors.Is(err, statestore.ErrConflict) {
								t.Error(err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			got, err := st.Get(ctx, "hot")
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Num) != workers {
				t.Fatalf("state %+v; want %d features", got, workers)
			}
			for _, f := range got.Num {
				if f.Value != rounds {
					t.Errorf("feature %s = %v; want %d (an update was lost)", f.Name, f.Value, rounds)
				}
			}
		})
	}
}
