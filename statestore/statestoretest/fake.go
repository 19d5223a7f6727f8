// Package statestoretest provides an in-memory fake of statestore.Store for tests of its
// users. It merges with statestore.Merge, so it behaves like the real store, and it can be
// told to fail.
package statestoretest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/storeseg/storeseg/statestore"
)

// Store is an in-memory statestore with the same methods as statestore.Store. Deletion
// markers never expire. The zero value is not usable; call New.
type Store struct {
	// Fail, when set, is called with the method name ("ApplyBatch", "Get", ...) at the
	// start of every call; a non-nil result is returned as the call's error and nothing
	// changes.
	Fail func(method string) error

	mu        sync.Mutex
	records   map[string]statestore.Record
	emissions map[string]statestore.Emission
	offsets   map[string]map[int32]int64
	closed    bool
	applied   int
}

// New returns an empty Store.
func New() *Store {
	return &Store{records: map[string]statestore.Record{}, emissions: map[string]statestore.Emission{},
		offsets: map[string]map[int32]int64{}}
}

func (s *Store) begin(ctx context.Context, method string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return statestore.ErrClosed
	}
	if s.Fail != nil {
		return s.Fail(method)
	}
	return nil
}

// ApplyBatch is statestore.Store.ApplyBatch: a Preview and its Commit under one lock.
func (s *Store) ApplyBatch(ctx context.Context, updates []statestore.Update, offsets []statestore.Offset) ([]statestore.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "ApplyBatch"); err != nil {
		return nil, err
	}
	if err := validate(updates, offsets); err != nil {
		return nil, err
	}
	p, err := s.preview(updates)
	if err != nil {
		return nil, err
	}
	if err := s.commit(p, offsets); err != nil {
		return nil, err
	}
	return p.Results, nil
}

// Preview is statestore.Store.Preview, merging with the same code (statestore.NewPreview).
// The Preview's Results share no memory with the fake's records.
func (s *Store) Preview(ctx context.Context, updates []statestore.Update) (*statestore.Preview, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "Preview"); err != nil {
		return nil, err
	}
	if err := validate(updates, nil); err != nil {
		return nil, err
	}
	return s.preview(updates)
}

// Commit is statestore.Store.Commit. It fails with statestore.ErrConflict, writing
// nothing, when a store of the batch has another revision (or deletion marker) than the
// Preview merged onto.
func (s *Store) Commit(ctx context.Context, p *statestore.Preview, offsets []statestore.Offset) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == nil || !p.MarkDone() {
		return statestore.ErrPreviewDone
	}
	if err := s.begin(ctx, "Commit"); err != nil {
		return err
	}
	if err := validate(nil, offsets); err != nil {
		return err
	}
	return s.commit(p, offsets)
}

func validate(updates []statestore.Update, offsets []statestore.Offset) error {
	for i := range updates {
		if err := statestore.ValidateUpdate(&updates[i]); err != nil {
			return fmt.Errorf("update %d: %w", i, err)
		}
	}
	for _, o := range offsets {
		if err := statestore.ValidateOffset(o); err != nil {
			return err
		}
	}
	return nil
}

// preview merges updates onto copies of the stored records. The caller holds mu.
func (s *Store) preview(updates []statestore.Update) (*statestore.Preview, error) {
	return statestore.NewPreview(updates, func(id string) (statestore.Record, statestore.Emission, bool, error) {
		rec := s.records[id]
		rec.State = clone(rec.State)
		em, ok := s.emissions[id]
		return rec, em, ok, nil
	})
}

// commit checks p against the stored records and writes it. The caller holds mu and has
// marked p done. Like the Badger store, a commit that writes nothing checks nothing.
func (s *Store) commit(p *statestore.Preview, offsets []statestore.Offset) error {
	if len(offsets) == 0 && p.Idle() {
		s.applied += len(p.Results)
		return nil
	}
	err := p.Changed(func(id string, loaded, _ statestore.Record, _ bool) error {
		cur := s.records[id]
		if cur.Revision != loaded.Revision || cur.DeletedAt != loaded.DeletedAt {
			return statestore.ErrConflict
		}
		return nil
	})
	if err != nil {
		return err
	}
	_ = p.Changed(func(id string, _, rec statestore.Record, changed bool) error {
		if changed {
			rec.State = clone(rec.State)
			s.records[id] = rec
		}
		return nil
	})
	for _, o := range offsets {
		if s.offsets[o.Topic] == nil {
			s.offsets[o.Topic] = map[int32]int64{}
		}
		if cur, ok := s.offsets[o.Topic][o.Partition]; !ok || o.Next > cur {
			s.offsets[o.Topic][o.Partition] = o.Next
		}
	}
	for _, e := range p.Emissions() {
		s.emissions[e.StoreID] = e
	}
	s.applied += len(p.Results)
	return nil
}

// Get is statestore.Store.Get.
func (s *Store) Get(ctx context.Context, storeID string) (statestore.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "Get"); err != nil {
		return statestore.State{}, err
	}
	rec, ok := s.records[storeID]
	if !ok || !rec.Exists() {
		return statestore.State{}, fmt.Errorf("store %q: %w", storeID, statestore.ErrNotFound)
	}
	return clone(rec.State), nil
}

// Offsets is statestore.Store.Offsets.
func (s *Store) Offsets(ctx context.Context, topic string) (map[int32]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "Offsets"); err != nil {
		return nil, err
	}
	out := maps.Clone(s.offsets[topic])
	if out == nil {
		out = map[int32]int64{}
	}
	return out, nil
}

// Snapshot is statestore.Store.Snapshot. fn runs without the fake's lock held, on a copy
// taken when Snapshot was called.
func (s *Store) Snapshot(ctx context.Context, fn func(statestore.State) error) error {
	s.mu.Lock()
	if err := s.begin(ctx, "Snapshot"); err != nil {
		s.mu.Unlock()
		return err
	}
	ids := slices.Sorted(maps.Keys(s.records))
	states := make([]statestore.State, 0, len(ids))
	for _, id := range ids {
		if rec := s.records[id]; rec.Exists() {
			states = append(states, clone(rec.State))
		}
	}
	s.mu.Unlock()
	for _, st := range states {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
	}
	return nil
}

// RecordEmissions is statestore.Store.RecordEmissions.
func (s *Store) RecordEmissions(ctx context.Context, ems []statestore.Emission) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "RecordEmissions"); err != nil {
		return err
	}
	for _, e := range ems {
		if err := statestore.ValidateEmission(e); err != nil {
			return err
		}
	}
	for _, e := range ems {
		s.emissions[e.StoreID] = e
	}
	return nil
}

// Emission is statestore.Store.Emission.
func (s *Store) Emission(ctx context.Context, storeID string) (statestore.Emission, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.begin(ctx, "Emission"); err != nil {
		return statestore.Emission{}, err
	}
	e, ok := s.emissions[storeID]
	if !ok {
		return statestore.Emission{}, fmt.Errorf("emission of %q: %w", storeID, statestore.ErrNotFound)
	}
	return e, nil
}

// Stats is statestore.Store.Stats; sizes are 0.
func (s *Store) Stats() statestore.Stats { return statestore.Stats{} }

// Sync is statestore.Store.Sync: everything is durable as soon as it is written here.
func (s *Store) Sync(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.begin(ctx, "Sync")
}

// Close is statestore.Store.Close; it is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// Applied returns how many updates ApplyBatch has applied so far, for assertions.
func (s *Store) Applied() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied
}

func clone(st statestore.State) statestore.State {
	st.Num, st.Cat = slices.Clone(st.Num), slices.Clone(st.Cat)
	return st
}
