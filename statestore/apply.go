package statestore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// pending is a store touched by a batch.
type pending struct {
	rec      Record
	loaded   Record // as read, to tell whether it needs writing
	emission Emission
	hasEm    bool
}

// ApplyBatch merges updates, in order, into the stored states (see [Merge]) and advances
// the applied offsets, all in one Badger transaction, and returns one Result per update.
// An offset only moves forward: a lower Next than the stored one is ignored. If any update
// or offset is invalid, nothing is applied and the error matches ErrInvalidUpdate.
//
// A batch too large for one Badger transaction is committed in several, the offsets in the
// last; a crash in between leaves states ahead of the offsets, and replaying the batch then
// converges to the same states because the merge is idempotent.
func (s *Store) ApplyBatch(ctx context.Context, updates []Update, offsets []Offset) ([]Result, error) {
	return s.apply(ctx, updates, offsets, true)
}

// Preview returns the Results ApplyBatch would return for updates, without writing
// anything. Merging is deterministic, so a following ApplyBatch of the same updates returns
// the same Results unless another call changed those stores in between. It lets the stream
// produce its outputs before it persists the batch (see the package documentation).
func (s *Store) Preview(ctx context.Context, updates []Update) ([]Result, error) {
	return s.apply(ctx, updates, nil, false)
}

func (s *Store) apply(ctx context.Context, updates []Update, offsets []Offset, persist bool) ([]Result, error) {
	if err := validateBatch(updates, offsets); err != nil {
		return nil, err
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	txn := s.db.NewTransaction(persist)
	defer func() { txn.Discard() }()
	touched := make(map[string]*pending, len(updates))
	order := make([]string, 0, len(updates))
	results := make([]Result, len(updates))
	for i := range updates {
		u := &updates[i]
		p := touched[u.StoreID]
		if p == nil {
			if p, err = loadPending(txn, u.StoreID); err != nil {
				return nil, err
			}
			touched[u.StoreID] = p
			order = append(order, u.StoreID)
		}
		var res Result
		p.rec, res = Merge(p.rec, u)
		res.Emission, res.HasEmission = p.emission, p.hasEm
		results[i] = res
	}
	if !persist {
		return results, nil
	}
	if err := s.write(ctx, &txn, touched, order, offsets); err != nil {
		return nil, err
	}
	return results, nil
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

func loadPending(txn *badger.Txn, id string) (*pending, error) {
	p := &pending{}
	item, err := txn.Get(stateKey(id))
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return nil, fmt.Errorf("reading store %q: %w", id, err)
	default:
		if err := item.Value(func(v []byte) error { p.rec, err = decodeRecord(v); return err }); err != nil {
			return nil, fmt.Errorf("reading store %q: %w", id, err)
		}
	}
	p.loaded = p.rec
	item, err = txn.Get(emissionKey(id))
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return nil, fmt.Errorf("reading emission of %q: %w", id, err)
	default:
		if err := item.Value(func(v []byte) error { p.emission, err = decodeEmission(id, v); return err }); err != nil {
			return nil, fmt.Errorf("reading emission of %q: %w", id, err)
		}
		p.hasEm = true
	}
	return p, nil
}

// write stores the changed records and the offsets, splitting the transaction if Badger
// finds it too big.
func (s *Store) write(ctx context.Context, txn **badger.Txn, touched map[string]*pending, order []string, offsets []Offset) error {
	var buf []byte
	for _, id := range order {
		p := touched[id]
		if p.rec.Revision == p.loaded.Revision && p.rec.DeletedAt == p.loaded.DeletedAt {
			continue // unchanged
		}
		buf = encodeRecord(buf[:0], &p.rec)
		e := badger.NewEntry(stateKey(id), append([]byte(nil), buf...))
		if !p.rec.Exists() && s.cfg.TombstoneTTL > 0 {
			e = e.WithTTL(s.cfg.TombstoneTTL)
		}
		if err := s.set(txn, e); err != nil {
			return err
		}
	}
	for _, o := range offsets {
		if err := s.advance(txn, o); err != nil {
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

func (s *Store) advance(txn **badger.Txn, o Offset) error {
	key := offsetKey(o.Topic, o.Partition)
	item, err := (*txn).Get(key)
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
	case err != nil:
		return fmt.Errorf("reading offset %s/%d: %w", o.Topic, o.Partition, err)
	default:
		cur, err := readOffset(item)
		if err != nil {
			return err
		}
		if cur >= o.Next {
			return nil
		}
	}
	return s.set(txn, badger.NewEntry(key, encodeOffset(o.Next)))
}
