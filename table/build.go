package table

import (
	"hash/maphash"
	"math"
	"strconv"

	"github.com/storeseg/storeseg/model/frame"
)

// chunkRows bounds the chunks that columns grow in, so that reading never holds more than one
// chunk of slack per column and never copies a whole column to grow it.
const chunkRows = 1 << 15

// chunked accumulates values in chunks and concatenates them once at the end.
type chunked[T any] struct {
	done [][]T
	cur  []T
}

func (c *chunked[T]) add(v T) {
	if len(c.cur) == cap(c.cur) {
		c.grow()
	}
	c.cur = append(c.cur, v)
}

func (c *chunked[T]) grow() {
	if cap(c.cur) < chunkRows {
		next := make([]T, len(c.cur), min(max(2*cap(c.cur), 256), chunkRows))
		copy(next, c.cur)
		c.cur = next
		return
	}
	c.done = append(c.done, c.cur)
	c.cur = make([]T, 0, chunkRows)
}

func (c *chunked[T]) finish() []T {
	n := len(c.cur)
	for _, d := range c.done {
		n += len(d)
	}
	out := make([]T, 0, n)
	for _, d := range c.done {
		out = append(out, d...)
	}
	out = append(out, c.cur...)
	c.done, c.cur = nil, nil
	return out
}

// levelDict dictionary-encodes one categorical column in order of first appearance.
type levelDict struct {
	codes  map[string]int32
	levels []string
	col    chunked[int32]
}

func (d *levelDict) code(b []byte) int32 {
	if c, ok := d.codes[string(b)]; ok {
		return c
	}
	s := string(b)
	c := int32(len(d.levels))
	d.codes[s] = c
	d.levels = append(d.levels, s)
	return c
}

// idArena stores ids in large shared strings instead of one allocation per id.
type idArena struct {
	ids   []string
	buf   []byte
	ends  []int
	first int // index in ids of the first id held in buf
}

const arenaBytes = 1 << 18

func (a *idArena) add(b []byte) {
	if len(a.buf)+len(b) > arenaBytes && len(a.buf) > 0 {
		a.flush()
	}
	a.buf = append(a.buf, b...)
	a.ends = append(a.ends, len(a.buf))
	a.ids = append(a.ids, "")
}

func (a *idArena) flush() {
	s := string(a.buf)
	start := 0
	for k, end := range a.ends {
		a.ids[a.first+k] = s[start:end]
		start = end
	}
	a.first = len(a.ids)
	a.buf, a.ends = a.buf[:0], a.ends[:0]
}

func (a *idArena) finish() []string {
	a.flush()
	return a.ids
}

// builder collects the columns named in a Schema into a frame.
type builder struct {
	file   string
	schema Schema
	ids    idArena
	num    []chunked[float64]
	cat    []levelDict
	rows   int
}

func newBuilder(file string, s Schema) *builder {
	b := &builder{file: file, schema: s, num: make([]chunked[float64], len(s.Numeric)),
		cat: make([]levelDict, len(s.Categorical))}
	for q := range b.cat {
		b.cat[q].codes = make(map[string]int32)
	}
	return b
}

// frame finishes the columns and checks the ids for duplicates.
func (b *builder) frame() (*frame.Frame, error) {
	f := &frame.Frame{IDName: b.schema.ID, IDs: b.ids.finish(),
		NumNames: append([]string(nil), b.schema.Numeric...), Num: make([][]float64, len(b.num)),
		CatNames: append([]string(nil), b.schema.Categorical...), Cat: make([][]int32, len(b.cat)),
		Levels: make([][]string, len(b.cat))}
	if f.IDs == nil {
		f.IDs = []string{}
	}
	if err := checkUnique(b.file, b.schema.ID, f.IDs); err != nil {
		return nil, err
	}
	for j := range b.num {
		f.Num[j] = b.num[j].finish()
	}
	for q := range b.cat {
		f.Cat[q] = b.cat[q].col.finish()
		f.Levels[q] = b.cat[q].levels
		if f.Levels[q] == nil {
			f.Levels[q] = []string{}
		}
	}
	return f, nil
}

// checkUnique reports the first id (in row order) equal to an earlier one. It uses an
// open-addressing set of row numbers: 4 bytes a slot, no per-id allocation.
func checkUnique(file, col string, ids []string) error {
	size := 16
	for size < 2*len(ids) {
		size *= 2
	}
	slots := make([]uint32, size) // row+1; 0 = empty
	mask := uint64(size - 1)
	seed := maphash.MakeSeed()
	for i, id := range ids {
		h := maphash.String(seed, id) & mask
		for slots[h] != 0 {
			if j := int(slots[h] - 1); ids[j] == id {
				return &Error{File: file, Row: i + 1, Column: col, Kind: ErrDuplicateID,
					Detail: "id " + strconv.Quote(id) + " already used in row " + strconv.Itoa(j+1)}
			}
			h = (h + 1) & mask
		}
		slots[h] = uint32(i + 1)
	}
	return nil
}

// nan is the missing numeric value.
var nan = math.NaN()
