package table

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
	"gonum.org/v1/gonum/mat"
)

// Matrix is a purely numeric table: an id column followed by numeric columns.
type Matrix struct {
	IDName string
	IDs    []string
	Names  []string   // the numeric columns, in file order
	X      *mat.Dense // one row per id, one column per name
}

// ReadMatrix reads a table whose first column is the id and whose every other column is
// numeric, such as coordinates.csv. A missing or non-finite value is an error naming its row
// and column, since the matrix feeds distance computations.
func ReadMatrix(ctx context.Context, path string) (*Matrix, error) {
	cols, err := ColumnNames(path)
	if err != nil {
		return nil, err
	}
	if len(cols) < 2 {
		return nil, &Error{File: filepath.Base(path), Kind: ErrNoColumn,
			Detail: fmt.Sprintf("a matrix needs an id column and at least one numeric column; found %d column(s)", len(cols))}
	}
	f, err := Read(ctx, path, Schema{ID: cols[0], Numeric: cols[1:]})
	if err != nil {
		return nil, err
	}
	n, p := len(f.IDs), len(cols)-1
	m := &Matrix{IDName: cols[0], IDs: f.IDs, Names: cols[1:]}
	if n == 0 {
		return m, nil
	}
	data := make([]float64, n*p)
	for j, col := range f.Num {
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, &Error{File: filepath.Base(path), Row: i + 1, Column: cols[1+j], Kind: ErrMissingNumber,
					Detail: fmt.Sprintf("value %v is not a finite number", v)}
			}
			data[i*p+j] = v
		}
		f.Num[j] = nil
	}
	m.X = mat.NewDense(n, p, data)
	return m, nil
}

// ColumnNames returns the column names of a CSV (its header) or Parquet file (its top-level
// columns), in file order.
func ColumnNames(path string) ([]string, error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	defer f.Close()
	name := filepath.Base(path)
	if format == CSV {
		return readHeader(newCSVScanner(f), name)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("table: %w", err)
	}
	return parquetColumnNames(f, st.Size(), name)
}

func parquetColumnNames(f *os.File, size int64, name string) (names []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			names, err = nil, fmt.Errorf("table: reading %s: corrupt parquet file: %v", name, p)
		}
	}()
	pf, err := parquet.OpenFile(f, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("table: opening %s: %w", name, err)
	}
	for _, c := range pf.Root().Columns() {
		names = append(names, c.Name())
	}
	return names, nil
}
