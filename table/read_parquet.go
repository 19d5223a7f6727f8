package table

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"

	"github.com/storeseg/storeseg/model/frame"
)

// pqColumn decodes one Parquet column chunk after another into the builder.
type pqColumn struct {
	name     string
	col      *parquet.Column
	role     uint8
	index    int
	maxDef   byte
	unsigned bool
	text     []byte // scratch for formatting a value as text

	// Per-dictionary cache: the converted value of every dictionary entry.
	dict      parquet.Dictionary
	dictNum   []float64
	dictCode  []int32
	dictBytes []byte // id texts of the entries, entry k ending at dictEnds[k]
	dictEnds  []int
}

// ReadParquet reads a store table in Parquet form. name labels errors.
func ReadParquet(ctx context.Context, r io.ReaderAt, size int64, name string, s Schema) (f *frame.Frame, err error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	defer func() {
		// parquet-go may panic on corrupt input; never let that escape.
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("table: reading %s: corrupt parquet file: %v", name, p)
		}
	}()
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("table: opening %s: %w", name, err)
	}
	cols, err := pqColumns(name, pf, s)
	if err != nil {
		return nil, err
	}
	b := newBuilder(name, s)
	for _, rg := range pf.RowGroups() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		chunks := rg.ColumnChunks()
		for _, c := range cols {
			if err := c.readChunk(b, chunks[c.col.Index()], b.rows); err != nil {
				return nil, err
			}
		}
		b.rows += int(rg.NumRows())
	}
	return b.frame()
}

// pqColumns resolves the schema's columns to top-level Parquet leaf columns and checks their
// types.
func pqColumns(name string, pf *parquet.File, s Schema) ([]*pqColumn, error) {
	byName := map[string]*parquet.Column{}
	var names []string
	for _, c := range pf.Root().Columns() {
		byName[c.Name()] = c
		names = append(names, c.Name())
	}
	var cols []*pqColumn
	add := func(col string, role uint8, index int) error {
		c, ok := byName[col]
		if !ok {
			return missingColumn(name, col, names)
		}
		pc := &pqColumn{name: col, col: c, role: role, index: index, maxDef: byte(c.MaxDefinitionLevel())}
		if err := pc.check(name); err != nil {
			return err
		}
		cols = append(cols, pc)
		return nil
	}
	if err := add(s.ID, roleID, 0); err != nil {
		return nil, err
	}
	for j, c := range s.Numeric {
		if err := add(c, roleNum, j); err != nil {
			return nil, err
		}
	}
	for q, c := range s.Categorical {
		if err := add(c, roleCat, q); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// check rejects nested, repeated, decimal and type-incompatible columns.
func (c *pqColumn) check(file string) error {
	fail := func(kind error, detail string) error {
		return &Error{File: file, Column: c.name, Kind: kind, Detail: detail}
	}
	if !c.col.Leaf() || c.col.Repeated() || c.maxDef > 1 {
		return fail(ErrUnsupported, "nested or repeated columns are not supported")
	}
	typ := c.col.Type()
	if lt := typ.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.DecimalType:
			return fail(ErrUnsupported, "decimal columns are not supported; store them as double")
		case *format.IntType:
			c.unsigned = !v.IsSigned
		}
	}
	kind := typ.Kind()
	switch {
	case kind == parquet.Int96:
		return fail(ErrUnsupported, "INT96 columns are not supported")
	case c.role == roleNum && kind != parquet.Int32 && kind != parquet.Int64 &&
		kind != parquet.Float && kind != parquet.Double:
		return fail(ErrNotNumeric, fmt.Sprintf("physical type %s cannot be read as numeric", kind))
	}
	return nil
}

// readChunk decodes every page of a column chunk; first is the row number of the chunk's
// first row (0-based).
func (c *pqColumn) readChunk(b *builder, chunk parquet.ColumnChunk, first int) error {
	pages := chunk.Pages()
	defer pages.Close()
	row := first
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("table: reading %s column %q: %w", b.file, c.name, err)
		}
		n, err := c.readPage(b, p, row)
		parquet.Release(p)
		if err != nil {
			return err
		}
		row += n
	}
}

// readPage decodes one page and returns the number of rows it held.
func (c *pqColumn) readPage(b *builder, p parquet.Page, row int) (int, error) {
	defs := p.DefinitionLevels()
	if c.maxDef == 0 {
		defs = nil
	}
	if p.Dictionary() != nil {
		return c.readIndexed(b, p, defs, row)
	}
	data := p.Data()
	switch {
	case c.role == roleNum && data.Kind() != encoding.Boolean && data.Kind() != encoding.ByteArray &&
		data.Kind() != encoding.FixedLenByteArray:
		return c.readNumbers(b, &data, defs)
	case c.role != roleNum && data.Kind() == encoding.ByteArray:
		bytes, offsets := data.ByteArray()
		return c.readTexts(b, defs, row, len(offsets)-1, func(k int) []byte {
			return bytes[offsets[k]:offsets[k+1]]
		})
	}
	return c.readValues(b, p, row)
}

// readNumbers decodes a plain numeric page.
func (c *pqColumn) readNumbers(b *builder, data *encoding.Values, defs []byte) (int, error) {
	var at func(k int) float64
	var n int
	switch data.Kind() {
	case encoding.Double:
		v := data.Double()
		n, at = len(v), func(k int) float64 { return v[k] }
	case encoding.Float:
		v := data.Float()
		n, at = len(v), func(k int) float64 { return float64(v[k]) }
	case encoding.Int32:
		v := data.Int32()
		n, at = len(v), func(k int) float64 { return c.int32Value(v[k]) }
	case encoding.Int64:
		v := data.Int64()
		n, at = len(v), func(k int) float64 { return c.int64Value(v[k]) }
	default:
		return 0, &Error{File: b.file, Column: c.name, Kind: ErrNotNumeric,
			Detail: "page of type " + data.Kind().String() + " cannot be read as numeric"}
	}
	col := &b.num[c.index]
	if defs == nil {
		for k := range n {
			col.add(at(k))
		}
		return n, nil
	}
	k := 0
	for _, d := range defs {
		if d != c.maxDef {
			col.add(nan)
			continue
		}
		if k >= n {
			return 0, c.corrupt(b)
		}
		col.add(at(k))
		k++
	}
	return len(defs), nil
}

func (c *pqColumn) int32Value(v int32) float64 {
	if c.unsigned {
		return float64(uint32(v))
	}
	return float64(v)
}

func (c *pqColumn) int64Value(v int64) float64 {
	if c.unsigned {
		return float64(uint64(v))
	}
	return float64(v)
}

func (c *pqColumn) corrupt(b *builder) error {
	return fmt.Errorf("table: reading %s column %q: corrupt page: fewer values than definition levels", b.file, c.name)
}

// readTexts decodes a page of n present values given as text, for the id or a categorical
// column.
func (c *pqColumn) readTexts(b *builder, defs []byte, row, n int, at func(k int) []byte) (int, error) {
	rows := n
	if defs != nil {
		rows = len(defs)
	}
	k := 0
	for i := range rows {
		if defs != nil && defs[i] != c.maxDef {
			if err := c.addMissing(b, row+i); err != nil {
				return 0, err
			}
			continue
		}
		if k >= n {
			return 0, c.corrupt(b)
		}
		if err := c.addText(b, row+i, at(k)); err != nil {
			return 0, err
		}
		k++
	}
	return rows, nil
}

func (c *pqColumn) addMissing(b *builder, row int) error {
	switch c.role {
	case roleID:
		return &Error{File: b.file, Row: row + 1, Column: c.name, Kind: ErrMissingID}
	case roleNum:
		b.num[c.index].add(nan)
	default:
		b.cat[c.index].col.add(frame.Missing)
	}
	return nil
}

func (c *pqColumn) addText(b *builder, row int, t []byte) error {
	if c.role == roleID {
		if len(t) == 0 {
			return &Error{File: b.file, Row: row + 1, Column: c.name, Kind: ErrMissingID}
		}
		b.ids.add(t)
		return nil
	}
	d := &b.cat[c.index]
	d.col.add(d.code(t))
	return nil
}

// readValues is the general path through parquet.Value for the rarer page types (booleans,
// fixed-length byte arrays, numbers read as levels).
func (c *pqColumn) readValues(b *builder, p parquet.Page, row int) (int, error) {
	vr := p.Values()
	buf := make([]parquet.Value, 256)
	n := 0
	for {
		m, err := vr.ReadValues(buf)
		for _, v := range buf[:m] {
			if v.IsNull() {
				if err := c.addMissing(b, row+n); err != nil {
					return 0, err
				}
			} else if c.role == roleNum {
				b.num[c.index].add(c.number(v))
			} else if err := c.addText(b, row+n, c.textOf(v)); err != nil {
				return 0, err
			}
			n++
		}
		if errors.Is(err, io.EOF) || (err == nil && m == 0) {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("table: reading %s column %q: %w", b.file, c.name, err)
		}
	}
}

// number converts a non-null numeric value.
func (c *pqColumn) number(v parquet.Value) float64 {
	switch v.Kind() {
	case parquet.Double:
		return v.Double()
	case parquet.Float:
		return float64(v.Float())
	case parquet.Int32:
		return c.int32Value(v.Int32())
	case parquet.Int64:
		return c.int64Value(v.Int64())
	}
	return math.NaN()
}

// textOf formats a non-null value as a level or id.
func (c *pqColumn) textOf(v parquet.Value) []byte {
	t := c.text[:0]
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return v.ByteArray()
	case parquet.Boolean:
		t = strconv.AppendBool(t, v.Boolean())
	case parquet.Int32:
		if c.unsigned {
			t = strconv.AppendUint(t, uint64(uint32(v.Int32())), 10)
		} else {
			t = strconv.AppendInt(t, int64(v.Int32()), 10)
		}
	case parquet.Int64:
		if c.unsigned {
			t = strconv.AppendUint(t, uint64(v.Int64()), 10)
		} else {
			t = strconv.AppendInt(t, v.Int64(), 10)
		}
	case parquet.Float:
		t = strconv.AppendFloat(t, float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		t = strconv.AppendFloat(t, v.Double(), 'g', -1, 64)
	}
	c.text = t
	return t
}
