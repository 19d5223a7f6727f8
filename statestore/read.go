package statestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/dgraph-io/badger/v4"
)

// Get returns the state of a store, or an error matching ErrNotFound when the store does
// not exist (never did, or was deleted).
func (s *Store) Get(ctx context.Context, storeID string) (State, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return State{}, err
	}
	defer release()
	var rec Record
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(stateKey(storeID))
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { rec, err = decodeRecord(v, s.dict.snap()); return err })
	})
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
		return State{}, fmt.Errorf("store %q: %w", storeID, ErrNotFound)
	case err != nil:
		return State{}, fmt.Errorf("reading store %q: %w", storeID, err)
	case !rec.Exists():
		return State{}, fmt.Errorf("store %q: %w", storeID, ErrNotFound)
	}
	return rec.State, nil
}

// Offsets returns the applied offsets of topic by partition: for each, the offset of the
// next record to apply.
func (s *Store) Offsets(ctx context.Context, topic string) (map[int32]int64, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	out := map[int32]int64{}
	prefix := offsetPrefix(topic)
	err = s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().Key()
			if len(key) != len(prefix)+4 {
				return fmt.Errorf("%w: offset key %q", ErrCorrupt, key)
			}
			next, err := readOffset(it.Item())
			if err != nil {
				return err
			}
			out[int32(binary.BigEndian.Uint32(key[len(prefix):]))] = next
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading offsets of %s: %w", topic, err)
	}
	return out, nil
}

func encodeOffset(next int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(next)) }

func readOffset(item *badger.Item) (int64, error) {
	var next int64
	err := item.Value(func(v []byte) error {
		if len(v) != 8 || binary.BigEndian.Uint64(v) > math.MaxInt64 {
			return fmt.Errorf("%w: offset value %x", ErrCorrupt, v)
		}
		next = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return next, err
}

// snapshotCheckEvery is how many stores Snapshot visits between checks of ctx.
const snapshotCheckEvery = 1024

// Snapshot calls fn with every existing store's state, in store-id byte order, from one
// consistent read view; it stops at fn's first error and returns it. fn may keep the State
// but must not call Close.
func (s *Store) Snapshot(ctx context.Context, fn func(State) error) error {
	release, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixState, PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		n := 0
		for it.Rewind(); it.Valid(); it.Next() {
			if n++; n%snapshotCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var rec Record
			err := it.Item().Value(func(v []byte) error { rec, err = decodeRecord(v, s.dict.snap()); return err })
			if err != nil {
				return fmt.Errorf("reading store %q: %w", it.Item().Key()[len(prefixState):], err)
			}
			if !rec.Exists() {
				continue
			}
			if err := fn(rec.State); err != nil {
				return err
			}
		}
		return nil
	})
}

// RecordEmissions stores the last emission of each store, replacing the previous one. An
// emission of a tombstone (SegmentID -1) expires after TombstoneTTL.
func (s *Store) RecordEmissions(ctx context.Context, ems []Emission) error {
	for _, e := range ems {
		if err := ValidateEmission(e); err != nil {
			return err
		}
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.cache.recordEmissions(ems, func() error {
		txn := s.db.NewTransaction(true)
		defer func() { txn.Discard() }()
		for i := range ems {
			if err := s.set(&txn, s.emissionEntry(&ems[i])); err != nil {
				return err
			}
		}
		if err := txn.Commit(); err != nil {
			return fmt.Errorf("committing emissions: %w", err)
		}
		return nil
	})
}

// emissionEntry is the Badger entry recording e; a tombstone's expires after TombstoneTTL.
func (s *Store) emissionEntry(e *Emission) *badger.Entry {
	entry := badger.NewEntry(emissionKey(e.StoreID), encodeEmission(nil, e))
	if e.SegmentID < 0 && s.cfg.TombstoneTTL > 0 {
		entry = entry.WithTTL(s.cfg.TombstoneTTL)
	}
	return entry
}

// Emission returns the last emission recorded for a store, or an error matching
// ErrNotFound.
func (s *Store) Emission(ctx context.Context, storeID string) (Emission, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return Emission{}, err
	}
	defer release()
	if em, _, ok := s.cache.emission(storeID); ok {
		return em, nil
	}
	var em Emission
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(emissionKey(storeID))
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error { em, err = decodeEmission(storeID, v); return err })
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return Emission{}, fmt.Errorf("emission of %q: %w", storeID, ErrNotFound)
	}
	if err != nil {
		return Emission{}, fmt.Errorf("reading emission of %q: %w", storeID, err)
	}
	return em, nil
}
