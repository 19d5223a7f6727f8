package statestore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// ApplyBatch merges updates, in order, into the stored states (see [Merge]) and advances
// the applied offsets, all in one Badger transaction, and returns one Result per update.
// An offset only moves forward: a lower Next than the stored one is ignored. If any update
// or offset is invalid, nothing is applied and the error matches ErrInvalidUpdate.
//
// A batch too large for one Badger transaction is committed in several, the offsets in the
// last; a crash in between leaves states ahead of the offsets, and replaying the batch then
// converges to the same states because the merge is idempotent.
func (s *Store) ApplyBatch(ctx context.Context, updates []Update, offsets []Offset) ([]Result, error) {
	if err := validateBatch(updates, offsets); err != nil {
		return nil, err
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	p, err := s.preview(s.db.NewTransaction(true), updates)
	if err != nil {
		return nil, err
	}
	if err := s.commit(ctx, p, offsets); err != nil {
		return nil, err
	}
	return p.Results, nil
}

// Preview merges updates as ApplyBatch would, without writing anything, and returns the
// Results (Preview.Results) with the merged records. Commit writes them and the offsets
// without reading the stores again; Discard drops them. Merging is deterministic, so the
// states Commit writes are those ApplyBatch would have written, unless another batch changed
// one of these stores in between: then Commit fails with ErrConflict and writes nothing. It
// lets the stream produce its outputs before it persists the batch (see the package
// documentation).
//
// The Preview holds a Badger transaction until it is committed or discarded: do one or the
// other promptly.
func (s *Store) Preview(ctx context.Context, updates []Update) (*Preview, error) {
	if err := validateBatch(updates, nil); err != nil {
		return nil, err
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.preview(s.db.NewTransaction(true), updates)
}

// Commit writes a Preview's changed states, advances the applied offsets and records the
// Preview's emissions (Preview.AddEmissions) in one Badger transaction (split like
// ApplyBatch's when too large), without reading the states again. It fails with
// ErrConflict, writing nothing, when another batch changed one of the Preview's stores after
// the Preview read it (a Preview that changes no store and carries no emission, committed
// with no offsets, writes nothing and always succeeds); with ErrPreviewDone for a Preview already
// committed or discarded or made by another store; and with an error matching
// ErrInvalidUpdate, writing nothing, for an invalid offset. The Preview is done afterwards
// whatever the outcome.
func (s *Store) Commit(ctx context.Context, p *Preview, offsets []Offset) error {
	if p == nil || p.store != s || p.done {
		return ErrPreviewDone
	}
	if err := validateBatch(nil, offsets); err != nil {
		p.Discard()
		return err
	}
	release, err := s.acquire(ctx)
	if err != nil {
		p.Discard()
		return err
	}
	defer release()
	return s.commit(ctx, p, offsets)
}

// discard releases txn unless the store is closed (Badger is gone then).
func (s *Store) discard(txn *badger.Txn) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.closed.Load() {
		txn.Discard()
	}
}

func validateBatch(updates []Update, offsets []Offset) error {
	for i := range updates {
		if err := ValidateUpdate(&updates[i]); err != nil {
			return fmt.Errorf("update %d: %w", i, err)
		}
	}
	for _, o := range offsets {
		if err := ValidateOffset(o); err != nil {
			return err
		}
	}
	return nil
}

// ValidateOffset checks an offset: a topic name without NUL, a partition and Next not
// negative. The error matches ErrInvalidUpdate.
func ValidateOffset(o Offset) error {
	if o.Topic == "" || strings.IndexByte(o.Topic, 0) >= 0 || o.Partition < 0 || o.Next < 0 {
		return fmt.Errorf("%w: bad offset %+v", ErrInvalidUpdate, o)
	}
	return nil
}

// ValidateEmission checks an emission: a store id and a segment id of at least -1. The
// error matches ErrInvalidUpdate.
func ValidateEmission(e Emission) error {
	if e.StoreID == "" || e.SegmentID < -1 {
		return fmt.Errorf("%w: bad emission %+v", ErrInvalidUpdate, e)
	}
	return nil
}

// commit writes p's changed records, the offsets and p's emissions in p's transaction,
// which it ends, and updates the cache; the caller holds acquire. Keys and values share one
// buffer: Badger keeps the slices until the commit.
func (s *Store) commit(ctx context.Context, p *Preview, offsets []Offset) error {
	p.done = true
	txn := p.txn
	p.txn = nil
	defer func() { txn.Discard() }()
	if len(offsets) == 0 && !p.writes() {
		return nil // nothing to write, nothing to check (Badger would not either)
	}
	if !s.cache.beginCommit(p) {
		return ErrConflict
	}
	ap := s.arenas.Get().(*[]byte) // Badger copies the entries before Commit returns
	defer s.arenas.Put(ap)
	err := s.write(ctx, &txn, p, offsets, ap)
	s.cache.endCommit(p, err == nil, s.dict.snap()) // takes the records encoded in *ap
	return err
}

// write writes p's changed records, encoded into *arena (each store's touched.enc points at
// its record there), the offsets and p's emissions in *txn.
func (s *Store) write(ctx context.Context, txn **badger.Txn, p *Preview, offsets []Offset, arena *[]byte) error {
	snap, err := s.extendDict(p)
	if err != nil {
		return err
	}
	buf := (*arena)[:0]
	for i := range p.stores {
		t := &p.stores[i]
		t.enc = nil
		if !t.changed() {
			continue
		}
		ks := len(buf)
		buf = append(append(buf, prefixState...), t.id...)
		vs := len(buf)
		buf = encodeRecord(buf, &t.rec, snap) // when it grows, earlier slices keep the old array
		t.enc = buf[vs:len(buf):len(buf)]
		e := badger.NewEntry(buf[ks:vs:vs], t.enc)
		if !t.rec.Exists() && s.cfg.TombstoneTTL > 0 {
			e = e.WithTTL(s.cfg.TombstoneTTL)
		}
		if err := s.set(txn, e); err != nil {
			return err
		}
	}
	*arena = buf[:0]
	if err := s.advance(txn, offsets); err != nil {
		return err
	}
	for i := range p.ems {
		if err := s.set(txn, s.emissionEntry(&p.ems[i])); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := (*txn).Commit(); errors.Is(err, badger.ErrConflict) {
		return ErrConflict
	} else if err != nil {
		return fmt.Errorf("committing batch: %w", err)
	}
	return nil
}

// extendDict gives dictionary ids to the strings of p's changed records that have none yet
// (persisting them first; see dict.go) and returns the dictionary to encode them with.
func (s *Store) extendDict(p *Preview) (*dictSnap, error) {
	snap := s.dict.snap()
	if len(snap.strs) >= dictMaxEntries {
		return snap, nil
	}
	var missing []string
	_ = p.Changed(func(_ string, _, rec Record, changed bool) error {
		if changed {
			missing = snap.missing(missing, &rec)
		}
		return nil
	})
	if len(missing) == 0 {
		return snap, nil
	}
	if err := s.dict.add(s.db, missing); err != nil {
		return nil, err
	}
	return s.dict.snap(), nil
}

// set adds e to *txn, committing it and starting a new one when it is full.
func (s *Store) set(txn **badger.Txn, e *badger.Entry) error {
	err := (*txn).SetEntry(e)
	if errors.Is(err, badger.ErrTxnTooBig) {
		if err := (*txn).Commit(); err != nil {
			return fmt.Errorf("committing partial batch: %w", err)
		}
		*txn = s.db.NewTransaction(true)
		err = (*txn).SetEntry(e)
	}
	if err != nil {
		return fmt.Errorf("writing %q: %w", e.Key, err)
	}
	return nil
}

// advance writes the offsets, each the larger of the stored one and the given one (an
// offset only moves forward; writing it anyway makes a commit with offsets always write, so
// its conflict check never depends on whether they moved). The stored offsets are read in a
// fresh view (not in *txn, whose snapshot may predate the lane's previous batch): each
// partition's batches are committed in order by one caller.
func (s *Store) advance(txn **badger.Txn, offsets []Offset) error {
	if len(offsets) == 0 {
		return nil
	}
	view := s.db.NewTransaction(false)
	defer view.Discard()
	for i, o := range offsets {
		if superseded(offsets, i) {
			continue
		}
		key := offsetKey(o.Topic, o.Partition)
		item, err := view.Get(key)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return fmt.Errorf("reading offset %s/%d: %w", o.Topic, o.Partition, err)
		default:
			cur, err := readOffset(item)
			if err != nil {
				return err
			}
			o.Next = max(o.Next, cur)
		}
		if err := s.set(txn, badger.NewEntry(key, encodeOffset(o.Next))); err != nil {
			return err
		}
	}
	return nil
}

// superseded reports whether another offset of the list is for the same partition and
// further (or equal and earlier in the list).
func superseded(offsets []Offset, i int) bool {
	o := offsets[i]
	for j, q := range offsets {
		if j != i && q.Topic == o.Topic && q.Partition == o.Partition && (q.Next > o.Next || (q.Next == o.Next && j < i)) {
			return true
		}
	}
	return false
}
