package statestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// The dictionary numbers the strings that recur from record to record (feature names,
// categorical values, sources), so that a record stores a one- or two-byte id where it
// would repeat the string: a store's record shrinks by about half, and with it the bytes
// every update writes to the memtable and its log, flushes and compacts.
//
// Ids are given in order from 0 and never change or go away. Each is persisted under
// n/<id, 4 bytes BE> → the string, in a transaction of its own that commits before any
// record using it is written, so a record on disk only refers to ids on disk. A string
// longer than dictMaxLen, or any string once the dictionary holds dictMaxEntries, is
// written inline instead: unbounded categorical values cannot grow the dictionary beyond a
// few megabytes.
const (
	dictMaxEntries = 1 << 16
	dictMaxLen     = 64
)

var prefixDict = []byte("n/")

func dictKey(id uint32) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(nil), prefixDict...), id)
}

// dictSnap is an immutable state of the dictionary; encoding and decoding read one without
// locking.
type dictSnap struct {
	ids  map[string]uint32
	strs []string // id → string
}

// dict is the store's string dictionary: readers load the current snapshot, and add (rare:
// a string never seen before) persists new ids and publishes a new snapshot.
type dict struct {
	mu  sync.Mutex // serialises add
	cur atomic.Pointer[dictSnap]
}

func newDict(strs []string) *dict {
	d := &dict{}
	s := &dictSnap{ids: make(map[string]uint32, len(strs)), strs: strs}
	for i, v := range strs {
		s.ids[v] = uint32(i)
	}
	d.cur.Store(s)
	return d
}

// snap returns the current snapshot (an empty one for a nil dict).
func (d *dict) snap() *dictSnap {
	if d == nil {
		return &dictSnap{}
	}
	return d.cur.Load()
}

// eligible reports whether s may get an id.
func eligible(s string) bool { return s != "" && len(s) <= dictMaxLen }

// missing appends to dst the strings of rec that could have an id and have none in snap.
func (s *dictSnap) missing(dst []string, rec *Record) []string {
	st := &rec.State
	check := func(v string) {
		if _, ok := s.ids[v]; !ok && eligible(v) {
			dst = append(dst, v)
		}
	}
	check(st.Source)
	for i := range st.Num {
		check(st.Num[i].Name)
	}
	for i := range st.Cat {
		check(st.Cat[i].Name)
		if !st.Cat[i].Missing {
			check(st.Cat[i].Value)
		}
	}
	return dst
}

// add gives ids to the strings of strs that have none (while the dictionary has room),
// persisting them in one synchronous transaction before publishing them.
func (d *dict) add(db *badger.DB, strs []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.cur.Load()
	var fresh []string
	seen := map[string]bool{}
	for _, v := range strs {
		if _, ok := old.ids[v]; ok || seen[v] || len(old.strs)+len(fresh) >= dictMaxEntries {
			continue
		}
		seen[v] = true
		fresh = append(fresh, v)
	}
	if len(fresh) == 0 {
		return nil
	}
	err := db.Update(func(txn *badger.Txn) error {
		for i, v := range fresh {
			if err := txn.Set(dictKey(uint32(len(old.strs)+i)), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("writing %d dictionary strings: %w", len(fresh), err)
	}
	next := &dictSnap{ids: make(map[string]uint32, len(old.strs)+len(fresh)), strs: make([]string, 0, len(old.strs)+len(fresh))}
	next.strs = append(append(next.strs, old.strs...), fresh...)
	for i, v := range next.strs {
		next.ids[v] = uint32(i)
	}
	d.cur.Store(next)
	return nil
}

// loadDict reads the persisted dictionary; its ids must run from 0 without a gap.
func loadDict(db *badger.DB) (*dict, error) {
	var strs []string
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixDict, PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().Key()
			if len(key) != len(prefixDict)+4 {
				return fmt.Errorf("%w: dictionary key %q", ErrCorrupt, key)
			}
			if id := binary.BigEndian.Uint32(key[len(prefixDict):]); int(id) != len(strs) {
				return fmt.Errorf("%w: dictionary id %d where %d was due", ErrCorrupt, id, len(strs))
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if !utf8.Valid(v) || !eligible(string(v)) {
				return fmt.Errorf("%w: dictionary string %d", ErrCorrupt, len(strs))
			}
			strs = append(strs, string(v))
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			return nil, err
		}
		return nil, fmt.Errorf("reading the string dictionary: %w", err)
	}
	return newDict(strs), nil
}
