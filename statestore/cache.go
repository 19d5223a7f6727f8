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
	mu      sync.Mutex
	ents    map[string]*entry // one per store: its record and its emission
	bytes   int64
	limit   int64
	seq     uint64
	buf     []byte   // encoding scratch
	scratch []*entry // beginCommit's lookups
}

// entry is a store's cached record and emission. Its record part is empty when val is ""
// (seq is then 0, which no Preview holds) and its emission part when !hasEm; an entry with
// both parts empty and nothing in flight leaves the map.
type entry struct {
	val     string // encoded Record (immutable: decoded strings share it)
	seq     uint64
	recBusy bool

	em       Emission
	hasEm    bool
	emBusy   int
	poisoned bool
}

func (e *entry) empty() bool { return e.val == "" && !e.recBusy && !e.hasEm && e.emBusy == 0 }

// entryOverhead approximates the bytes of a map entry beyond its key and value.
const entryOverhead = 128

func newCache(limit int64) *cache {
	if limit <= 0 {
		return nil
	}
	return &cache{ents: map[string]*entry{}, limit: limit}
}

// lookup returns, in one map lookup, the encoded record of id and its sequence number if
// the cache holds it and no commit of id is in flight (recOK), and id's last recorded
// emission if the cache knows it and none is in flight (emOK).
func (c *cache) lookup(id string) (val string, seq uint64, recOK bool, em Emission, emOK bool) {
	if c == nil {
		return "", 0, false, Emission{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.ents[id]
	if e == nil {
		return "", 0, false, Emission{}, false
	}
	if !e.recBusy && e.val != "" {
		val, seq, recOK = e.val, e.seq, true
	}
	if e.emBusy == 0 && e.hasEm {
		em, emOK = e.em, true
	}
	return val, seq, recOK, em, emOK
}

// emission returns id's last recorded emission, if the cache knows it.
func (c *cache) emission(id string) (em Emission, has, ok bool) {
	_, _, _, em, ok = c.lookup(id)
	return em, ok, ok
}

// get returns id's entry, creating an empty one; the caller holds mu.
func (c *cache) get(id string) *entry {
	e := c.ents[id]
	if e == nil {
		e = &entry{}
		c.ents[id] = e
		c.bytes += int64(len(id)) + entryOverhead
	}
	return e
}

// drop removes id's entry if it is empty; the caller holds mu.
func (c *cache) drop(id string, e *entry) {
	if e.empty() {
		c.bytes -= int64(len(id)) + entryOverhead
		delete(c.ents, id)
	}
}

// clearRecord empties e's record part; the caller holds mu.
func (c *cache) clearRecord(e *entry) {
	c.bytes -= int64(len(e.val))
	e.val, e.seq, e.recBusy = "", 0, false
}

// beginCommit marks p's stores (and the stores of its emissions) busy, or reports a
// conflict and marks nothing.
func (c *cache) beginCommit(p *Preview) (ok bool) {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scratch = c.scratch[:0]
	for i := range p.stores {
		t := &p.stores[i]
		e := c.ents[t.id]
		if e != nil && e.recBusy || t.cached && (e == nil || e.seq != t.seq) {
			clear(c.scratch)
			return false
		}
		c.scratch = append(c.scratch, e)
	}
	for i, e := range c.scratch {
		if e == nil {
			e = c.get(p.stores[i].id)
		}
		e.recBusy = true
	}
	clear(c.scratch)
	c.beginEmissions(p.ems)
	return true
}

// endCommit stores the records p wrote (all of them forgotten when !written) and clears
// busy. A store's record is taken as written (touched.enc, encoded with the dictionary)
// or encoded again with snap.
func (c *cache) endCommit(p *Preview, written bool, snap *dictSnap) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	for i := range p.stores {
		t := &p.stores[i]
		e := c.ents[t.id]
		switch {
		case !written || !t.rec.Exists():
			c.clearRecord(e)
		case t.changed() || e.val == "":
			var val string
			if t.enc != nil {
				val = string(t.enc)
			} else {
				c.buf = encodeRecord(c.buf[:0], &t.rec, snap)
				val = string(c.buf)
			}
			c.bytes += int64(len(val) - len(e.val))
			e.val, e.seq, e.recBusy = val, c.seq, false
		default:
			e.recBusy = false
		}
		t.enc = nil
		c.drop(t.id, e)
	}
	c.endEmissions(p.ems, written)
	c.evict()
}

// beginEmissions marks ems' stores busy; the caller holds mu.
func (c *cache) beginEmissions(ems []Emission) {
	for i := range ems {
		e := c.get(ems[i].StoreID)
		if e.emBusy++; e.emBusy > 1 {
			e.poisoned = true
		}
	}
}

// endEmissions stores ems (forgets them when !written); the caller holds mu.
func (c *cache) endEmissions(ems []Emission, written bool) {
	for i := range ems {
		id := ems[i].StoreID
		e := c.ents[id]
		if e.emBusy--; e.emBusy > 0 {
			e.poisoned = true
			continue
		}
		if !written || e.poisoned || ems[i].SegmentID < 0 { // tombstones expire in Badger
			c.bytes -= int64(len(e.em.ModelVersion))
			e.em, e.hasEm, e.poisoned = Emission{}, false, false
			c.drop(id, e)
			continue
		}
		c.bytes += int64(len(ems[i].ModelVersion) - len(e.em.ModelVersion))
		e.em, e.hasEm = ems[i], true
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
	for id, e := range c.ents {
		if c.bytes <= c.limit {
			return
		}
		if e.recBusy || e.emBusy > 0 {
			continue
		}
		c.bytes -= int64(len(id)+len(e.val)+len(e.em.ModelVersion)) + entryOverhead
		delete(c.ents, id)
	}
}
