package table

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Type is the type of a column written by a [Writer].
type Type int

// Column types.
const (
	String Type = iota
	Float64
	Int64
	Bool
)

// String returns the type's name.
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Float64:
		return "float64"
	case Int64:
		return "int64"
	case Bool:
		return "bool"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Column names and types one column of a written table. Every column is nullable.
type Column struct {
	Name string
	Type Type
}

// RowGroupRows is the number of rows in each Parquet row group a Writer writes (the last one
// may be shorter); it bounds the Writer's memory.
const RowGroupRows = 1 << 17

// cell is one value of the current row.
type cell struct {
	null bool
	s    string
	f    float64
	i    int64
	b    bool
}

// encoder writes rows in one format.
type encoder interface {
	writeRow(cells []cell) error
	close() error
}

// Writer writes a table row by row: set the cells of a row with String, Float64, Int64, Bool
// or Null (a cell not set is null), then call EndRow. Close finishes the table.
//
// Values are written as follows. CSV: a header row, then one record per row; null cells are
// empty; floats in their shortest round-trip form (plain notation between 1e-4 and 1e16,
// exponent notation otherwise); booleans as true/false; fields are quoted only when they
// contain a comma, a quote, a line break or leading or trailing spaces. Parquet: every column
// is OPTIONAL (string → BYTE_ARRAY UTF8, dictionary-encoded; float64 → DOUBLE; int64 → INT64;
// bool → BOOLEAN), Snappy-compressed, in row groups of RowGroupRows rows.
//
// A NaN float is written as null, so a frame's missing values stay missing.
//
// Setting a cell with the wrong type or an index out of range is a programmer error and
// panics. A Writer is not safe for concurrent use.
type Writer struct {
	cols  []Column
	cells []cell
	enc   encoder
	err   error

	// Set by Create: the file being written, its temporary name and its final name.
	file      *os.File
	tmp, path string
	done      bool
}

// NewWriter returns a Writer that writes a table with the given columns to w in the given
// format (CSV or Parquet). Close does not close w.
func NewWriter(w io.Writer, format Format, cols []Column) (*Writer, error) {
	if err := checkColumns(cols); err != nil {
		return nil, err
	}
	tw := &Writer{cols: append([]Column(nil), cols...), cells: make([]cell, len(cols))}
	var err error
	switch format {
	case CSV:
		tw.enc, err = newCSVEncoder(w, cols)
	case Parquet:
		tw.enc, err = newParquetEncoder(w, cols)
	default:
		return nil, fmt.Errorf("%w: %v", ErrFormat, format)
	}
	if err != nil {
		return nil, err
	}
	tw.clear()
	return tw, nil
}

// Create returns a Writer that writes to a temporary file in path's directory and renames it
// to path on Close; Abort (or a failed Close) removes it. FormatAuto chooses the format by
// extension.
func Create(path string, format Format, cols []Column) (*Writer, error) {
	if format == FormatAuto {
		var err error
		if format, err = FormatOf(path); err != nil {
			return nil, err
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("table: creating %s: %w", path, err)
	}
	// CreateTemp makes the file private; a table is an ordinary output file.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("table: %w", err)
	}
	w, err := NewWriter(f, format, cols)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	w.file, w.tmp, w.path = f, f.Name(), path
	return w, nil
}

func checkColumns(cols []Column) error {
	if len(cols) == 0 {
		return errors.New("table: no columns to write")
	}
	seen := map[string]bool{}
	for _, c := range cols {
		if c.Name == "" {
			return errors.New("table: empty column name")
		}
		if seen[c.Name] {
			return fmt.Errorf("table: column %q named twice", c.Name)
		}
		if c.Type < String || c.Type > Bool {
			return fmt.Errorf("table: column %q has unknown type %v", c.Name, c.Type)
		}
		seen[c.Name] = true
	}
	return nil
}

// Columns returns the columns being written.
func (w *Writer) Columns() []Column { return append([]Column(nil), w.cols...) }

func (w *Writer) at(c int, t Type) *cell {
	if c < 0 || c >= len(w.cols) {
		panic(fmt.Sprintf("table: column index %d out of range [0, %d)", c, len(w.cols)))
	}
	if w.cols[c].Type != t {
		panic(fmt.Sprintf("table: column %q is %v, not %v", w.cols[c].Name, w.cols[c].Type, t))
	}
	return &w.cells[c]
}

// String sets string cell c of the current row.
func (w *Writer) String(c int, v string) { x := w.at(c, String); x.null, x.s = false, v }

// Float64 sets float cell c of the current row; NaN is null.
func (w *Writer) Float64(c int, v float64) { x := w.at(c, Float64); x.null, x.f = math.IsNaN(v), v }

// Int64 sets integer cell c of the current row.
func (w *Writer) Int64(c int, v int64) { x := w.at(c, Int64); x.null, x.i = false, v }

// Bool sets boolean cell c of the current row.
func (w *Writer) Bool(c int, v bool) { x := w.at(c, Bool); x.null, x.b = false, v }

// Null makes cell c of the current row null.
func (w *Writer) Null(c int) {
	if c < 0 || c >= len(w.cols) {
		panic(fmt.Sprintf("table: column index %d out of range [0, %d)", c, len(w.cols)))
	}
	w.cells[c].null = true
}

func (w *Writer) clear() {
	for i := range w.cells {
		w.cells[i] = cell{null: true}
	}
}

// EndRow writes the current row and starts a new one with every cell null.
func (w *Writer) EndRow() error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return errors.New("table: write after close")
	}
	w.err = w.enc.writeRow(w.cells)
	w.clear()
	return w.err
}

// Close finishes the table. For a Writer from Create it syncs, closes and renames the file
// into place; on error the temporary file is removed. Close after Close returns nil.
func (w *Writer) Close() (err error) {
	if w.done {
		return nil
	}
	w.done = true
	err = w.err
	if cerr := w.enc.close(); err == nil {
		err = cerr
	}
	if w.file == nil {
		return err
	}
	if err == nil {
		err = w.file.Sync()
	}
	if cerr := w.file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("table: closing %s: %w", w.path, cerr)
	}
	if err == nil {
		if rerr := os.Rename(w.tmp, w.path); rerr != nil {
			err = fmt.Errorf("table: %w", rerr)
		}
	}
	if err != nil {
		os.Remove(w.tmp)
	}
	return err
}

// Abort abandons the table: for a Writer from Create the temporary file is removed and the
// target is left untouched. Abort after Close does nothing.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	if w.file == nil {
		return nil
	}
	w.file.Close()
	if err := os.Remove(w.tmp); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return nil
}
