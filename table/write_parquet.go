package table

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
)

// parquetBatchRows is how many rows the Parquet encoder hands to parquet-go at once.
const parquetBatchRows = 1024

type parquetEncoder struct {
	w     *parquet.Writer
	types []Type
	rows  []parquet.Row
	vals  []parquet.Value
	bytes []byte
}

// orderedGroup is a Parquet group whose fields keep the order they were given in
// (parquet.Group sorts them by name).
type orderedGroup struct {
	parquet.Group
	order []string
}

func (g orderedGroup) Fields() []parquet.Field {
	byName := map[string]parquet.Field{}
	for _, f := range g.Group.Fields() {
		byName[f.Name()] = f
	}
	out := make([]parquet.Field, len(g.order))
	for i, n := range g.order {
		out[i] = byName[n]
	}
	return out
}

func newParquetEncoder(w io.Writer, cols []Column) (*parquetEncoder, error) {
	g := orderedGroup{Group: parquet.Group{}, order: make([]string, len(cols))}
	e := &parquetEncoder{types: make([]Type, len(cols))}
	for i, c := range cols {
		g.order[i] = c.Name
		e.types[i] = c.Type
		var n parquet.Node
		switch c.Type {
		case String:
			n = parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
		case Float64:
			n = parquet.Leaf(parquet.DoubleType)
		case Int64:
			n = parquet.Int(64)
		case Bool:
			n = parquet.Leaf(parquet.BooleanType)
		}
		g.Group[c.Name] = parquet.Optional(n)
	}
	schema := parquet.NewSchema("stores", g)
	e.w = parquet.NewWriter(w, schema,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(RowGroupRows),
		parquet.DictionaryMaxBytes(1<<20),
		parquet.CreatedBy("storeseg", "1", "parquet-go"))
	e.rows = make([]parquet.Row, 0, parquetBatchRows)
	e.vals = make([]parquet.Value, 0, parquetBatchRows*len(cols))
	return e, nil
}

func (e *parquetEncoder) writeRow(cells []cell) error {
	start := len(e.vals)
	for i := range cells {
		x := &cells[i]
		var v parquet.Value
		if x.null {
			e.vals = append(e.vals, parquet.NullValue().Level(0, 0, i))
			continue
		}
		switch e.types[i] {
		case String:
			lo := len(e.bytes)
			e.bytes = append(e.bytes, x.s...)
			v = parquet.ByteArrayValue(e.bytes[lo:len(e.bytes):len(e.bytes)])
		case Float64:
			v = parquet.DoubleValue(x.f)
		case Int64:
			v = parquet.Int64Value(x.i)
		case Bool:
			v = parquet.BooleanValue(x.b)
		}
		e.vals = append(e.vals, v.Level(0, 1, i))
	}
	e.rows = append(e.rows, e.vals[start:len(e.vals):len(e.vals)])
	if len(e.rows) == parquetBatchRows {
		return e.flush()
	}
	return nil
}

func (e *parquetEncoder) flush() error {
	if len(e.rows) == 0 {
		return nil
	}
	if _, err := e.w.WriteRows(e.rows); err != nil {
		return fmt.Errorf("table: writing parquet: %w", err)
	}
	e.rows, e.vals, e.bytes = e.rows[:0], e.vals[:0], e.bytes[:0]
	return nil
}

func (e *parquetEncoder) close() error {
	if err := e.flush(); err != nil {
		return err
	}
	if err := e.w.Close(); err != nil {
		return fmt.Errorf("table: writing parquet: %w", err)
	}
	return nil
}
