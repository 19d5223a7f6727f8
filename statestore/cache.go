package statestore

import "sync"

// cache keeps the latest committed record (encoded) and emission of recently written stores,
// so that Preview and Emission need not look them up in Badger. It is filled only by
// commits (write-through), never by reads, and an entry is marked busy while a commit of
// its store is in flight, so it never holds anything but the newest committed value:
//
//   - A Preview takes a store's record from the cache when an entry holds one and is not
//     busy, noting the entry's sequence number; otherwise it reads Badger in its
//     transaction, where Badger's own conflict detection covers it.
//   - A commit first marks every store it touches busy (creating placeholder entries), and
//     fails with ErrConflict if one was busy already or a record taken from the cache has
//     another sequence number (or is gone); then it writes Badger; then it stores the new
//     records under new sequence numbers (deleting the entries of deletion markers, which
//     Badger expires, and every entry when the write failed) and clears busy.
//
// Emissions are recorded without conflicts: concurrent writers of one store's emission
// poison its entry, which the last of them deletes. The cache holds at most limit bytes
// (approximately); beyond that, entries not in flight are evicted at random.
type cache struct {
	mu    sync.Mutex
	recs  map[string]*recEntry
	ems   map[string]*emEntry
	bytes int64
	limit int64
	seq   uint64
	buf   []byte // encoding scratch
}

type recEntry struct {
	val  string // encoded Record (immutable: decoded strings share it); "" for a placeholder
	seq  uint64
	busy bool
}

type emEntry struct {
	em       Emission
	has      bool
	busy     int
	poisoned bool
}

// entryOverhead approximates the bytes of a map entry beyond its key and value.
const entryOverhead = 96

func newCache(limit int64) *cache {
	if limit <= 0 {
		return nil
	}
	return &cache{recs: map[string]*recEntry{}, ems: map[string]*emEntry{}, limit: limit}
}

// record returns the encoded record of id and its sequence number, if the cache holds it
// and no commit of id is in flight.
func (c *cache) record(id string) (val string, seq uint64, ok bool) {
	if c == nil {
		return "", 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.recs[id]
	if e == nil || e.busy || e.val == "" {
		return "", 0, false
	}
	return e.val, e.seq, true
}

// emission returns id's last recorded emission, if the cache knows it.
func (c *cache) emission(id string) (em Emission, has, ok bool) {
	if c == nil {
		return Emission{}, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.ems[id]
	if e == nil || e.busy > 0 || !e.has {
		return Emission{}, false, false
	}
	return e.em, true, true
}

// beginCommit marks p's stores (and the stores of its emissions) busy, or reports a
// conflict and marks nothing.
func (c *cache) beginCommit(p *Preview) (ok bool) {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range p.stores {
		t := &p.stores[i]
		e := c.recs[t.id]
		if e != nil && e.busy || t.cached && (e == nil || e.seq != t.seq) {
			return false
		}
	}
	for i := range p.stores {
		id := p.stores[i].id
		if e := c.recs[id]; e != nil {
			e.busy = true
		} else {
			c.recs[id] = &recEntry{busy: true}
			c.bytes += int64(len(id)) + entryOverhead
		}
	}
	c.beginEmissions(p.ems)
	return true
}

// endCommit stores the records p wrote (all of them forgotten when !written), encoded with
// snap, and clears busy.
func (c *cache) endCommit(p *Preview, written bool, snap *dictSnap) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	for i := range p.stores {
		t := &p.stores[i]
		e := c.recs[t.id]
		switch {
		case !written || !t.rec.Exists():
			c.bytes -= int64(len(t.id)+len(e.val)) + entryOverhead
			delete(c.recs, t.id)
		case t.rec.Revision != t.loaded.Revision || t.rec.DeletedAt != t.loaded.DeletedAt || e.val == "":
			c.buf = encodeRecord(c.buf[:0], &t.rec, snap)
			val := string(c.buf)
			c.bytes += int64(len(val) - len(e.val))
			e.val, e.seq, e.busy = val, c.seq, false
		default:
			e.busy = false
		}
	}
	c.endEmissions(p.ems, written)
	c.evict()
}

// beginEmissions marks ems' stores busy; the caller holds mu.
func (c *cache) beginEmissions(ems []Emission) {
	for i := range ems {
		id := ems[i].StoreID
		e := c.ems[id]
		if e == nil {
			e = &emEntry{}
			c.ems[id] = e
			c.bytes += int64(len(id)) + entryOverhead
		}
		if e.busy++; e.busy > 1 {
			e.poisoned = true
		}
	}
}

// endEmissions stores ems (forgets them when !written); the caller holds mu.
func (c *cache) endEmissions(ems []Emission, written bool) {
	for i := range ems {
		id := ems[i].StoreID
		e := c.ems[id]
		if e.busy--; e.busy > 0 {
			e.poisoned = true
			continue
		}
		if !written || e.poisoned || ems[i].SegmentID < 0 { // tombstones expire in Badger
			c.bytes -= int64(len(id)+len(e.em.ModelVersion)) + entryOverhead
			delete(c.ems, id)
			continue
		}
		c.bytes += int64(len(ems[i].ModelVersion) - len(e.em.ModelVersion))
		e.em, e.has = ems[i], true
	}
}

// recordEmissions is beginEmissions and endEmissions around write.
func (c *cache) recordEmissions(ems []Emission, write func() error) error {
	if c == nil {
		return write()
	}
	c.mu.Lock()
	c.beginEmissions(ems)
	c.mu.Unlock()
	err := write()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.endEmissions(ems, err == nil)
	c.evict()
	return err
}

// evict drops entries not in flight until the cache is within its limit; the caller
// holds mu.
func (c *cache) evict() {
	for id, e := range c.ems {
		if c.bytes <= c.limit {
			return
		}
		if e.busy == 0 {
			c.bytes -= int64(len(id)+len(e.em.ModelVersion)) + entryOverhead
			delete(c.ems, id)
		}
	}
	for id, e := range c.recs {
		if c.bytes <= c.limit {
			return
		}
		if !e.busy {
			c.bytes -= int64(len(id)+len(e.val)) + entryOverhead
			delete(c.recs, id)
		}
	}
}
