package statestore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/statestore/statestoretest"
)

// TestCommitWritesPreview checks that Preview + Commit leaves exactly the state, offsets and
// results ApplyBatch gives, on a twin store.
func TestCommitWritesPreview(t *testing.T) {
	implementations(t, func(t *testing.T, st store) {
		ctx := context.Background()
		seed := []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 1)}), upd("gone", 3, nil, cat("c", "v"))}
		batch := []statestore.Update{upd("a", 11, []statestore.NumValue{num("y", 2)}), upd("b", 5, nil, cat("c", "k")),
			del("gone", 4), upd("a", 9, nil, cat("d", "z")), upd("a", 8, []statestore.NumValue{num("x", 7)})}
		offs := []statestore.Offset{{Topic: "in", Partition: 1, Next: 42}, {Topic: "in", Partition: 2, Next: 7}}
		twin := statestoretest.New()
		for _, s := range []store{st, twin} {
			if _, err := s.ApplyBatch(ctx, seed, nil); err != nil {
				t.Fatal(err)
			}
		}
		p, err := st.Preview(ctx, batch)
		if err != nil {
			t.Fatalf("Preview error: %v", err)
		}
		if got, want := p.Stores(), 3; got != want || !p.Touches("gone") || p.Touches("x") {
			t.Errorf("Preview: %d stores (touches gone: %v, x: %v); want %d, true, false", got, p.Touches("gone"), p.Touches("x"), want)
		}
		if err := st.Commit(ctx, p, offs); err != nil {
			t.Fatalf("Commit error: %v", err)
		}
		want, err := twin.ApplyBatch(ctx, batch, offs)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, p.Results, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Preview results differ from ApplyBatch (-apply +preview):\n%s", diff)
		}
		for _, id := range []string{"a", "b", "gone"} {
			got, gerr := st.Get(ctx, id)
			w, werr := twin.Get(ctx, id)
			if diff := cmp.Diff(w, got, cmpopts.EquateEmpty()); diff != "" || errors.Is(gerr, statestore.ErrNotFound) != errors.Is(werr, statestore.ErrNotFound) {
				t.Errorf("Get(%s) after Commit = %v, %v; want %v, %v (diff %s)", id, got, gerr, w, werr, diff)
			}
		}
		gotOffs, err := st.Offsets(ctx, "in")
		if err != nil || gotOffs[1] != 42 || gotOffs[2] != 7 {
			t.Errorf("Offsets after Commit = %v, %v; want 1:42 2:7", gotOffs, err)
		}
	})
}

// TestCommitConflict: a batch that changed a previewed store in between makes Commit fail
// with ErrConflict and write nothing, offsets included.
func TestCommitConflict(t *testing.T) {
	implementations(t, func(t *testing.T, st store) {
		ctx := context.Background()
		if _, err := st.ApplyBatch(ctx, []statestore.Update{upd("a", 10, []statestore.NumValue{num("x", 1)})}, nil); err != nil {
			t.Fatal(err)
		}
		p, err := st.Preview(ctx, []statestore.Update{upd("a", 11, []statestore.NumValue{num("x", 2)}), upd("b", 1, []statestore.NumValue{num("x", 3)})})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ApplyBatch(ctx, []statestore.Update{upd("a", 12, []statestore.NumValue{num("y", 5)})}, nil); err != nil {
			t.Fatal(err)
		}
		err = st.Commit(ctx, p, []statestore.Offset{{Topic: "in", Partition: 0, Next: 9}})
		if !errors.Is(err, statestore.ErrConflict) {
			t.Fatalf("Commit after a conflicting batch error = %v; want ErrConflict", err)
		}
		if _, err := st.Get(ctx, "b"); !errors.Is(err, statestore.ErrNotFound) {
			t.Errorf("Get(b) after a conflicting Commit error = %v; want ErrNotFound", err)
		}
		if a, err := st.Get(ctx, "a"); err != nil || a.Num[0].Value != 1 || len(a.Num) != 2 {
			t.Errorf("Get(a) after a conflicting Commit = %+v, %v; want x=1 and y=5", a, err)
		}
		if offs, _ := st.Offsets(ctx, "in"); len(offs) != 0 {
			t.Errorf("Offsets after a conflicting Commit = %v; want none", offs)
		}
		if err := st.Commit(ctx, p, nil); !errors.Is(err, statestore.ErrPreviewDone) {
			t.Errorf("second Commit error = %v; want ErrPreviewDone", err)
		}
	})
}

// TestCommitAfterDisjointBatch is the stream's lane: the next batch is previewed while the
// previous one (other stores, same partition) is committed; both commits succeed and the
// offset ends at the later batch's.
func TestCommitAfterDisjointBatch(t *testing.T) {
	implementations(t, func(t *testing.T, st store) {
		ctx := context.Background()
		first, err := st.Preview(ctx, []statestore.Update{upd("a", 1, []statestore.NumValue{num("x", 1)})})
		if err != nil {
			t.Fatal(err)
		}
		second, err := st.Preview(ctx, []statestore.Update{upd("b", 1, []statestore.NumValue{num("x", 2)})})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, first, []statestore.Offset{{Topic: "in", Partition: 3, Next: 10}}); err != nil {
			t.Fatalf("first Commit error: %v", err)
		}
		if err := st.Commit(ctx, second, []statestore.Offset{{Topic: "in", Partition: 3, Next: 20}}); err != nil {
			t.Fatalf("second Commit error: %v", err)
		}
		if offs, err := st.Offsets(ctx, "in"); err != nil || offs[3] != 20 {
			t.Errorf("Offsets = %v, %v; want 3:20", offs, err)
		}
		for _, id := range []string{"a", "b"} {
			if _, err := st.Get(ctx, id); err != nil {
				t.Errorf("Get(%s) error: %v", id, err)
			}
		}
	})
}

func TestCommitRejects(t *testing.T) {
	implementations(t, func(t *testing.T, st store) {
		ctx := context.Background()
		batch := []statestore.Update{upd("a", 1, []statestore.NumValue{num("x", 1)})}
		p, err := st.Preview(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, p, []statestore.Offset{{Topic: "", Next: 1}}); !errors.Is(err, statestore.ErrInvalidUpdate) {
			t.Errorf("Commit(bad offset) error = %v; want ErrInvalidUpdate", err)
		}
		if _, err := st.Get(ctx, "a"); !errors.Is(err, statestore.ErrNotFound) {
			t.Errorf("Get(a) after a rejected Commit error = %v; want ErrNotFound", err)
		}
		p, err = st.Preview(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		p.Discard()
		p.Discard() // idempotent
		if err := st.Commit(ctx, p, nil); !errors.Is(err, statestore.ErrPreviewDone) {
			t.Errorf("Commit of a discarded Preview error = %v; want ErrPreviewDone", err)
		}
		if err := st.Commit(ctx, nil, nil); !errors.Is(err, statestore.ErrPreviewDone) {
			t.Errorf("Commit(nil) error = %v; want ErrPreviewDone", err)
		}
		foreign, err := statestore.NewPreview(batch, func(string) (statestore.Record, statestore.Emission, bool, error) {
			return statestore.Record{}, statestore.Emission{}, false, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, fake := st.(*statestoretest.Store); !fake {
			if err := st.Commit(ctx, foreign, nil); !errors.Is(err, statestore.ErrPreviewDone) {
				t.Errorf("Commit of a Preview made elsewhere error = %v; want ErrPreviewDone", err)
			}
		}
		if _, err := st.Preview(ctx, []statestore.Update{{StoreID: "a"}}); !errors.Is(err, statestore.ErrInvalidUpdate) {
			t.Errorf("Preview(invalid) error = %v; want ErrInvalidUpdate", err)
		}
	})
}

// TestPreviewAfterClose: a Preview outstanding when the store closes can still be
// discarded, and Commit then reports ErrClosed.
func TestPreviewAfterClose(t *testing.T) {
	st := openMem(t)
	ctx := context.Background()
	p, err := st.Preview(ctx, []statestore.Update{upd("a", 1, nil, cat("c", "v"))})
	if err != nil {
		t.Fatal(err)
	}
	q, err := st.Preview(ctx, []statestore.Update{upd("b", 1, nil, cat("c", "v"))})
	if err != nil {
		t.Fatal(err)
	}
	closeStore(t, st)
	p.Discard()
	if err := st.Commit(ctx, q, nil); !errors.Is(err, statestore.ErrClosed) {
		t.Errorf("Commit after Close error = %v; want ErrClosed", err)
	}
}

// TestCommitRecordsEmissions: emissions added to a Preview are written with its states, and
// not at all when the commit fails.
func TestCommitRecordsEmissions(t *testing.T) {
	implementations(t, func(t *testing.T, st store) {
		ctx := context.Background()
		p, err := st.Preview(ctx, []statestore.Update{upd("a", 1, []statestore.NumValue{num("x", 1)})})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AddEmissions([]statestore.Emission{{StoreID: "a", SegmentID: -2}}); !errors.Is(err, statestore.ErrInvalidUpdate) {
			t.Errorf("AddEmissions(bad) error = %v; want ErrInvalidUpdate", err)
		}
		em := statestore.Emission{StoreID: "a", Revision: p.Results[0].Revision, ModelVersion: "v1", SegmentID: 3, Acked: true}
		if err := p.AddEmissions([]statestore.Emission{em}); err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Emission(ctx, "a"); err != nil || got != em {
			t.Errorf("Emission(a) = %+v, %v; want %+v", got, err, em)
		}
		q, err := st.Preview(ctx, []statestore.Update{upd("a", 2, []statestore.NumValue{num("x", 2)})})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.AddEmissions([]statestore.Emission{{StoreID: "a", Revision: 9, ModelVersion: "v2", SegmentID: 4, Acked: true}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ApplyBatch(ctx, []statestore.Update{upd("a", 3, []statestore.NumValue{num("x", 3)})}, nil); err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, q, nil); !errors.Is(err, statestore.ErrConflict) {
			t.Fatalf("conflicting Commit error = %v; want ErrConflict", err)
		}
		if got, err := st.Emission(ctx, "a"); err != nil || got != em {
			t.Errorf("Emission(a) after a conflicting Commit = %+v, %v; want %+v", got, err, em)
		}
	})
}
