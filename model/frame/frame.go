// Package frame defines the columnar store table that flows between the table readers, the
// preprocessor and FAMD.
//
// A Frame is column-major: Num[j][i] is numeric column j of row i and Cat[q][i] is the level
// code of categorical column q in row i. Column-major storage keeps one million stores with a
// few dozen columns compact (8 bytes a numeric cell, 4 bytes a categorical cell) and lets the
// numerical code stream a column at a time.
//
// # Missing values
//
// A raw frame (as read from a file) marks a missing numeric cell with NaN and a missing
// categorical cell with the code Missing (−1). A prepared frame (the preprocessor's output) has
// no NaN and only codes in [0, len(Levels[q])); consumers such as FAMD may rely on that and
// return an error otherwise.
package frame

import (
	"fmt"
	"math"
)

// Missing is the categorical code of a missing (or, after preprocessing, unseen) level.
const Missing int32 = -1

// Frame is a table of stores: one id column, numeric columns and categorical columns.
type Frame struct {
	// IDName is the name of the id column; IDs holds one id per row.
	IDName string
	IDs    []string

	// NumNames names the numeric columns; Num[j] holds column j, one value per row.
	NumNames []string
	Num      [][]float64

	// CatNames names the categorical columns; Cat[q] holds the level code of every row and
	// Levels[q] maps a code to its level name.
	CatNames []string
	Levels   [][]string
	Cat      [][]int32
}

// Rows returns the number of rows.
func (f *Frame) Rows() int {
	switch {
	case f.IDs != nil:
		return len(f.IDs)
	case len(f.Num) > 0:
		return len(f.Num[0])
	case len(f.Cat) > 0:
		return len(f.Cat[0])
	}
	return 0
}

// Validate checks that every column has one value per row and that every code is either
// Missing or a valid index into its level list.
func (f *Frame) Validate() error {
	n := f.Rows()
	if f.IDs != nil && len(f.IDs) != n {
		return fmt.Errorf("frame: %d ids for %d rows", len(f.IDs), n)
	}
	if len(f.NumNames) != len(f.Num) {
		return fmt.Errorf("frame: %d numeric names for %d numeric columns", len(f.NumNames), len(f.Num))
	}
	if len(f.CatNames) != len(f.Cat) || len(f.Levels) != len(f.Cat) {
		return fmt.Errorf("frame: %d categorical names and %d level lists for %d categorical columns",
			len(f.CatNames), len(f.Levels), len(f.Cat))
	}
	for j, col := range f.Num {
		if len(col) != n {
			return fmt.Errorf("frame: numeric column %q has %d rows, want %d", f.NumNames[j], len(col), n)
		}
	}
	for q, col := range f.Cat {
		if len(col) != n {
			return fmt.Errorf("frame: categorical column %q has %d rows, want %d", f.CatNames[q], len(col), n)
		}
		nl := int32(len(f.Levels[q]))
		for i, c := range col {
			if c < Missing || c >= nl {
				return fmt.Errorf("frame: categorical column %q row %d: code %d outside [-1, %d)", f.CatNames[q], i, c, nl)
			}
		}
	}
	return nil
}

// CheckComplete returns an error naming the first missing cell, for consumers that need a
// prepared frame.
func (f *Frame) CheckComplete() error {
	for j, col := range f.Num {
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("frame: numeric column %q row %d: value %v is not finite", f.NumNames[j], i, v)
			}
		}
	}
	for q, col := range f.Cat {
		for i, c := range col {
			if c == Missing {
				return fmt.Errorf("frame: categorical column %q row %d: missing level", f.CatNames[q], i)
			}
		}
	}
	return nil
}

// Row returns row i as a Record (numeric values and level names; "" for a missing level).
// It allocates; hot paths keep their own buffers.
func (f *Frame) Row(i int) Record {
	r := Record{Num: make([]float64, len(f.Num)), Cat: make([]string, len(f.Cat))}
	for j, col := range f.Num {
		r.Num[j] = col[i]
	}
	for q, col := range f.Cat {
		if c := col[i]; c != Missing {
			r.Cat[q] = f.Levels[q][c]
		}
	}
	return r
}

// Record is one raw store as it arrives at stream time: numeric values in the order of the
// frame's NumNames (NaN when missing) and categorical level names in the order of CatNames
// ("" when missing).
type Record struct {
	Num []float64
	Cat []string
}

// Row is one prepared store: numeric values (no NaN) and level codes into the fitted levels
// (Missing when the level was never seen at fit time).
type Row struct {
	Num []float64
	Cat []int32
}
