package statestore_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/storeseg/storeseg/statestore"
)

func num(name string, v float64) statestore.NumValue {
	return statestore.NumValue{Name: name, Value: v}
}
func cat(name, v string) statestore.CatValue { return statestore.CatValue{Name: name, Value: v} }

func upd(id string, t int64, nums []statestore.NumValue, cats ...statestore.CatValue) statestore.Update {
	return statestore.Update{StoreID: id, EventTime: t, Num: nums, Cat: cats}
}

func del(id string, t int64) statestore.Update {
	return statestore.Update{StoreID: id, EventTime: t, Delete: true}
}

// apply merges updates in order from an empty record.
func apply(updates ...statestore.Update) (statestore.Record, []statestore.Result) {
	var rec statestore.Record
	var results []statestore.Result
	for i := range updates {
		var res statestore.Result
		rec, res = statestore.Merge(rec, &updates[i])
		results = append(results, res)
	}
	return rec, results
}

func TestMergeRules(t *testing.T) {
	tests := []struct {
		name    string
		updates []statestore.Update
		want    statestore.State
		exists  bool
	}{{
		name:    "partial updates keep other features",
		updates: []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 1), num("y", 2)}), upd("a", 20, []statestore.NumValue{num("y", 3)}, cat("c", "k"))},
		want: statestore.State{StoreID: "a", UpdatedAt: 20,
			Num: []statestore.NumFeature{{Name: "x", Value: 1, EventTime: 10}, {Name: "y", Value: 3, EventTime: 20}},
			Cat: []statestore.CatFeature{{Name: "c", Value: "k", EventTime: 20}}},
		exists: true,
	}, {
		name:    "older update loses per feature",
		updates: []statestore.Update{upd("a", 20, []statestore.NumValue{num("x", 1)}), upd("a", 10, []statestore.NumValue{num("x", 5), num("z", 7)})},
		want: statestore.State{StoreID: "a", UpdatedAt: 20,
			Num: []statestore.NumFeature{{Name: "x", Value: 1, EventTime: 20}, {Name: "z", Value: 7, EventTime: 10}}},
		exists: true,
	}, {
		name:    "tie: greater value wins, missing is lowest",
		updates: []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 2), {Name: "y", Value: 9}}), upd("a", 10, []statestore.NumValue{num("x", 1), {Name: "y", Missing: true}}, cat("c", "b")), upd("a", 10, nil, cat("c", "a"))},
		want: statestore.State{StoreID: "a", UpdatedAt: 10,
			Num: []statestore.NumFeature{{Name: "x", Value: 2, EventTime: 10}, {Name: "y", Value: 9, EventTime: 10}},
			Cat: []statestore.CatFeature{{Name: "c", Value: "b", EventTime: 10}}},
		exists: true,
	}, {
		name:    "missing value is kept as a known-missing feature",
		updates: []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 2)}), upd("a", 11, []statestore.NumValue{{Name: "x", Value: 5, Missing: true}})},
		want:    statestore.State{StoreID: "a", UpdatedAt: 11, Num: []statestore.NumFeature{{Name: "x", Missing: true, EventTime: 11}}},
		exists:  true,
	}, {
		name:    "deletion removes the store",
		updates: []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 2)}), del("a", 15)},
		exists:  false,
	}, {
		name:    "older update after deletion does not resurrect",
		updates: []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 2)}), del("a", 15), upd("a", 15, []statestore.NumValue{num("x", 3)}), upd("a", 12, []statestore.NumValue{num("y", 3)})},
		exists:  false,
	}, {
		name:    "newer update after deletion recreates",
		updates: []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 2)}), del("a", 15), upd("a", 16, []statestore.NumValue{num("y", 3)})},
		want:    statestore.State{StoreID: "a", UpdatedAt: 16, Num: []statestore.NumFeature{{Name: "y", Value: 3, EventTime: 16}}},
		exists:  true,
	}, {
		name:    "deletion keeps features newer than itself",
		updates: []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 2)}), upd("a", 20, []statestore.NumValue{num("y", 3)}), del("a", 15)},
		want:    statestore.State{StoreID: "a", UpdatedAt: 20, Num: []statestore.NumFeature{{Name: "y", Value: 3, EventTime: 20}}},
		exists:  true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _ := apply(tt.updates...)
			if rec.Exists() != tt.exists {
				t.Fatalf("Exists() = %v; want %v", rec.Exists(), tt.exists)
			}
			if !tt.exists {
				return
			}
			if diff := cmp.Diff(tt.want, rec.State, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("state mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeResults(t *testing.T) {
	_, results := apply(
		upd("a", 10, []statestore.NumValue{num("x", 1)}), // create
		upd("a", 10, []statestore.NumValue{num("x", 1)}), // replay: unchanged
		upd("a", 5, []statestore.NumValue{num("x", 9)}),  // stale: unchanged
		upd("a", 11, []statestore.NumValue{num("x", 2)}), // change
		del("a", 12), // delete
		del("a", 12), // replayed delete
	)
	_, unknown := apply(del("b", 3)) // delete of an unknown store
	results = append(results, unknown...)
	type got struct {
		Exists, Changed, Deleted bool
		Revision                 uint64
	}
	want := []got{{true, true, false, 1}, {true, false, false, 1}, {true, false, false, 1},
		{true, true, false, 2}, {false, true, true, 3}, {false, false, false, 3}, {false, false, false, 0}}
	for i, r := range results {
		if g := (got{r.Exists, r.Changed, r.Deleted, r.Revision}); g != want[i] {
			t.Errorf("result %d = %+v; want %+v", i, g, want[i])
		}
	}
}

func TestMergeDoesNotModifyInput(t *testing.T) {
	rec, _ := apply(upd("a", 10, []statestore.NumValue{num("x", 1), num("y", 2)}))
	before := rec.State.Num[0]
	next, _ := statestore.Merge(rec, &statestore.Update{StoreID: "a", EventTime: 11, Num: []statestore.NumValue{num("x", 7)}})
	if rec.State.Num[0] != before {
		t.Fatalf("Merge modified its input: %+v; want %+v", rec.State.Num[0], before)
	}
	if next.State.Num[0].Value != 7 {
		t.Fatalf("merged x = %v; want 7", next.State.Num[0].Value)
	}
	next, _ = statestore.Merge(rec, &statestore.Update{StoreID: "a", EventTime: 12, Delete: true})
	if len(rec.State.Num) != 2 || next.Exists() {
		t.Fatalf("delete: input has %d features, output exists=%v; want 2, false", len(rec.State.Num), next.Exists())
	}
}

// randomUpdates draws updates of one store over few feature names, times and values, so
// that ties and deletions race often.
func randomUpdates(r *rand.Rand, n int) []statestore.Update {
	names := []string{"a", "b", "c", "d"}
	cats := []string{"", "k", "l"}
	var out []statestore.Update
	for range n {
		u := statestore.Update{StoreID: "s", EventTime: 1 + r.Int64N(8), Source: names[r.IntN(2)], Sequence: r.Int64N(3), HasSequence: r.IntN(2) == 0}
		if r.IntN(6) == 0 {
			u = statestore.Update{StoreID: "s", EventTime: u.EventTime, Delete: true}
			out = append(out, u)
			continue
		}
		for _, name := range names {
			switch r.IntN(4) {
			case 0:
				v := []float64{0, math.Copysign(0, -1), 1, -2.5, math.MaxFloat64}[r.IntN(5)]
				u.Num = append(u.Num, statestore.NumValue{Name: name, Value: v, Missing: r.IntN(5) == 0})
			case 1:
				u.Cat = append(u.Cat, statestore.CatValue{Name: name, Value: cats[r.IntN(3)], Missing: r.IntN(5) == 0})
			}
		}
		r.Shuffle(len(u.Num), func(i, j int) { u.Num[i], u.Num[j] = u.Num[j], u.Num[i] })
		out = append(out, u)
	}
	return out
}

// TestMergeOrderIndependent checks that any arrival order, with duplicates, converges to
// the same state (features, lineage and existence; Revision counts local changes).
func TestMergeOrderIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for trial := range 300 {
		updates := randomUpdates(r, 1+r.IntN(12))
		want, _ := apply(updates...)
		for perm := range 20 {
			shuffled := append([]statestore.Update(nil), updates...)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if perm%2 == 1 { // replay a prefix: idempotence
				shuffled = append(shuffled, shuffled[:r.IntN(len(shuffled))+1]...)
			}
			got, _ := apply(shuffled...)
			if got.Exists() != want.Exists() || got.DeletedAt != want.DeletedAt {
				t.Fatalf("trial %d perm %d: exists=%v deletedAt=%d; want %v, %d", trial, perm, got.Exists(), got.DeletedAt, want.Exists(), want.DeletedAt)
			}
			if diff := cmp.Diff(want.State, got.State, cmpopts.EquateEmpty(), cmp.Comparer(sameFloat)); diff != "" {
				t.Fatalf("trial %d perm %d: state depends on order (-first +permuted):\n%s\nupdates: %+v", trial, perm, diff, updates)
			}
		}
	}
}

// sameFloat compares bit patterns, so -0 and +0 differ.
func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name string
		u    statestore.Update
		ok   bool
	}{
		{"valid", upd("a", 1, []statestore.NumValue{num("x", 1)}, cat("y", "k")), true},
		{"empty id", upd("", 1, nil), false},
		{"zero time", upd("a", 0, nil), false},
		{"NaN", upd("a", 1, []statestore.NumValue{num("x", math.NaN())}), false},
		{"missing NaN is fine", upd("a", 1, []statestore.NumValue{{Name: "x", Value: math.NaN(), Missing: true}}), true},
		{"Inf", upd("a", 1, []statestore.NumValue{num("x", math.Inf(-1))}), false},
		{"duplicate", upd("a", 1, []statestore.NumValue{num("x", 1), num("y", 1), num("x", 2)}), false},
		{"duplicate cat", upd("a", 1, nil, cat("x", "k"), cat("x", "l")), false},
		{"unnamed", upd("a", 1, nil, cat("", "k")), false},
		{"delete with features", statestore.Update{StoreID: "a", EventTime: 1, Delete: true, Num: []statestore.NumValue{num("x", 1)}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := statestore.ValidateUpdate(&tt.u)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateUpdate() = %v; want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, statestore.ErrInvalidUpdate) {
				t.Fatalf("ValidateUpdate() = %v; want ErrInvalidUpdate", err)
			}
		})
	}
}

func ExampleMerge() {
	var rec statestore.Record
	for _, u := range []statestore.Update{
		{StoreID: "s1", EventTime: 200, Num: []statestore.NumValue{{Name: "sales", Value: 120}}},
		{StoreID: "s1", EventTime: 100, Num: []statestore.NumValue{{Name: "sales", Value: 90}, {Name: "area", Value: 300}}},
	} {
		rec, _ = statestore.Merge(rec, &u)
	}
	for _, f := range rec.State.Num {
		fmt.Printf("%s=%v (t=%d)\n", f.Name, f.Value, f.EventTime)
	}
	// Output:
	// area=300 (t=100)
	// sales=120 (t=200)
}
