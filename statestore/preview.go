package statestore

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// ErrPreviewDone reports a Commit of a Preview that was already committed or discarded, or
// that another store made.
var ErrPreviewDone = errors.New("statestore: preview already committed, discarded or from another store")

// Preview is a batch merged against the stored state and not written yet: the Results the
// batch gives and the merged records, with the revisions they were merged onto. Commit it
// (Store.Commit writes it without reading the stores again) or Discard it; either releases
// what it holds. A Preview is used by one goroutine at a time.
type Preview struct {
	// Results holds one Result per update, in order, as ApplyBatch returns them.
	Results []Result

	stores []touched        // the batch's stores in first-touch order
	index  map[string]int32 // store id → index into stores
	store  *Store           // the Badger store that made it; nil for statestoretest
	txn    *badger.Txn      // reads of the state keys, checked for conflicts at commit
	ems    []Emission       // recorded by Commit with the states
	done   bool
}

// touched is one store of a batch: its record as loaded and as merged, and its emission.
type touched struct {
	id       string
	loaded   Record
	rec      Record
	emission Emission
	hasEm    bool
	cached   bool   // loaded from the Store's cache, under sequence number seq
	seq      uint64 // (see cache)
	enc      []byte // the merged record as Commit encoded it, until the cache has it
}

// changed reports whether the batch changed the store (so Commit writes its record).
func (t *touched) changed() bool {
	return t.rec.Revision != t.loaded.Revision || t.rec.DeletedAt != t.loaded.DeletedAt
}

// Loader returns a store's record (the zero Record when absent) and its last emission, for
// NewPreview.
type Loader func(storeID string) (rec Record, em Emission, hasEm bool, err error)

// NewPreview merges updates, in order, into the records load returns (called once per store,
// in first-touch order) and returns the Preview with one Result per update. The updates
// must be valid (see ValidateUpdate). It is the merge shared by Store and the
// statestoretest fake; a Preview it makes can only be committed by the fake, through
// Changed.
func NewPreview(updates []Update, load Loader) (*Preview, error) {
	p := &Preview{}
	err := p.merge(updates, func(id string) (touched, error) {
		rec, em, hasEm, err := load(id)
		return touched{id: id, loaded: rec, rec: rec, emission: em, hasEm: hasEm}, err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Preview) merge(updates []Update, load func(id string) (touched, error)) error {
	p.Results = make([]Result, len(updates))
	p.stores = make([]touched, 0, len(updates))
	p.index = make(map[string]int32, len(updates))
	for i := range updates {
		u := &updates[i]
		k, ok := p.index[u.StoreID]
		if !ok {
			t, err := load(u.StoreID)
			if err != nil {
				return err
			}
			k = int32(len(p.stores))
			p.index[u.StoreID] = k
			p.stores = append(p.stores, t)
		}
		t := &p.stores[k]
		var res Result
		t.rec, res = Merge(t.rec, u)
		res.Emission, res.HasEmission = t.emission, t.hasEm
		p.Results[i] = res
	}
	return nil
}

// Changed calls fn, in first-touch order, for every store of the batch with its record as
// loaded and as merged, and whether the batch changed it (and so must write it); it stops at
// fn's first error and returns it.
func (p *Preview) Changed(fn func(storeID string, loaded, merged Record, changed bool) error) error {
	for i := range p.stores {
		t := &p.stores[i]
		if err := fn(t.id, t.loaded, t.rec, t.changed()); err != nil {
			return err
		}
	}
	return nil
}

// AddEmissions has Commit record ems (as RecordEmissions does) in the same transaction as
// the states and offsets, saving a transaction (and its fsync) per batch: for outputs that
// are acknowledged before the batch is committed. Each must be valid (ValidateEmission);
// nothing is added otherwise. ems is copied.
func (p *Preview) AddEmissions(ems []Emission) error {
	for _, e := range ems {
		if err := ValidateEmission(e); err != nil {
			return err
		}
	}
	p.ems = append(p.ems, ems...)
	return nil
}

// Emissions returns the emissions AddEmissions added, for statestoretest's Commit.
func (p *Preview) Emissions() []Emission { return p.ems }

// writes reports whether committing the Preview writes anything besides offsets: a changed
// store or an emission.
func (p *Preview) writes() bool {
	if len(p.ems) > 0 {
		return true
	}
	for i := range p.stores {
		if p.stores[i].changed() {
			return true
		}
	}
	return false
}

// Idle reports whether committing the Preview with no offsets would write nothing (no store
// changed, no emission added): such a commit succeeds without a conflict check.
func (p *Preview) Idle() bool { return !p.writes() }

// Stores returns the number of distinct stores the batch touches.
func (p *Preview) Stores() int { return len(p.stores) }

// Touches reports whether the batch touches store id.
func (p *Preview) Touches(storeID string) bool {
	_, ok := p.index[storeID]
	return ok
}

// Discard releases the Preview without writing anything. It is idempotent and a no-op after
// Commit.
func (p *Preview) Discard() {
	if p == nil || p.done {
		return
	}
	p.done = true
	if p.txn != nil {
		p.store.discard(p.txn)
		p.txn = nil
	}
}

// MarkDone marks the Preview committed, for statestoretest's Commit: it reports false when it
// was committed or discarded already.
func (p *Preview) MarkDone() bool {
	if p.done || p.store != nil {
		return false
	}
	p.done = true
	return true
}

// preview merges updates onto the stores' records and emissions: from the cache where it
// holds them, else read in txn (the state keys, so that a commit in txn fails with
// ErrConflict if another transaction wrote one of them meanwhile) and in a read-only view
// (the emissions).
func (s *Store) preview(txn *badger.Txn, updates []Update) (*Preview, error) {
	view := s.db.NewTransaction(false)
	defer view.Discard()
	p := &Preview{store: s, txn: txn}
	snap := s.dict.snap()
	err := p.merge(updates, func(id string) (touched, error) {
		t := touched{id: id}
		var err error
		val, seq, recOK, em, emOK := s.cache.lookup(id)
		if recOK {
			if t.loaded, err = decodeRecordString(val, snap); err != nil {
				return t, fmt.Errorf("reading store %q from the cache: %w", id, err)
			}
			t.cached, t.seq = true, seq
		} else if t.loaded, err = readRecord(txn, id, snap); err != nil {
			return t, err
		}
		t.rec = t.loaded
		if emOK {
			t.emission, t.hasEm = em, true
		} else {
			t.emission, t.hasEm, err = readEmission(view, id)
		}
		return t, err
	})
	if err != nil {
		txn.Discard()
		return nil, err
	}
	return p, nil
}

func readRecord(txn *badger.Txn, id string, snap *dictSnap) (Record, error) {
	item, err := txn.Get(stateKey(id))
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
		return Record{}, nil
	case err != nil:
		return Record{}, fmt.Errorf("reading store %q: %w", id, err)
	}
	var rec Record
	if err := item.Value(func(v []byte) error { rec, err = decodeRecord(v, snap); return err }); err != nil {
		return Record{}, fmt.Errorf("reading store %q: %w", id, err)
	}
	return rec, nil
}

func readEmission(txn *badger.Txn, id string) (Emission, bool, error) {
	item, err := txn.Get(emissionKey(id))
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
		return Emission{}, false, nil
	case err != nil:
		return Emission{}, false, fmt.Errorf("reading emission of %q: %w", id, err)
	}
	var em Emission
	if err := item.Value(func(v []byte) error { em, err = decodeEmission(id, v); return err }); err != nil {
		return Emission{}, false, fmt.Errorf("reading emission of %q: %w", id, err)
	}
	return em, true, nil
}
