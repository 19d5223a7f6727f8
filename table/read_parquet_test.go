package table_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/table"
)

// TestReadParquetPyArrow reads testdata/pyarrow_types.parquet, written by pyarrow 26.0.1
// through testdata/gen_pyarrow.py (dictionary pages, page v1, two row groups). Values are
// exact.
func TestReadParquetPyArrow(t *testing.T) {
	s := table.Schema{ID: "store_id", Numeric: []string{"revenue", "area", "staff", "big"},
		Categorical: []string{"format", "open24", "size_class", "num_id"}}
	got, err := table.Read(context.Background(), filepath.Join("testdata", "pyarrow_types.parquet"), s)
	if err != nil {
		t.Fatal(err)
	}
	m := frame.Missing
	want := &frame.Frame{
		IDName: "store_id", IDs: []string{"a1", "a2", "a3", "a4", "a5", "a6"},
		NumNames: s.Numeric,
		Num: [][]float64{
			{1.5, nan, 3.25, -4, 1e300, 0},
			{10.5, 20.25, nan, 40, 50, 60},
			{3, nan, 5, 7, 11, 13},
			{4e9, 1, 2, 3, 4, 5},
		},
		CatNames: s.Categorical,
		Levels: [][]string{{"super", "hyper", "kiosk"}, {"true", "false"}, {"3", "1", "2"},
			{"101", "102", "103", "104", "105", "106"}},
		Cat: [][]int32{{0, 1, m, 0, 2, 1}, {0, 1, m, 0, 0, 1}, {0, 1, 0, m, 2, 1}, {0, 1, 2, 3, 4, 5}},
	}
	if d := cmp.Diff(want, got, eqNaN); d != "" {
		t.Errorf("Read(pyarrow_types.parquet) mismatch (-want +got):\n%s", d)
	}
}

func TestReadParquetErrors(t *testing.T) {
	path := filepath.Join("testdata", "pyarrow_types.parquet")
	tests := []struct {
		name   string
		s      table.Schema
		kind   error
		column string
		msg    string
	}{
		{"string as numeric", table.Schema{ID: "store_id", Numeric: []string{"format"}}, table.ErrNotNumeric, "format",
			"physical type BYTE_ARRAY cannot be read as numeric"},
		{"bool as numeric", table.Schema{ID: "store_id", Numeric: []string{"open24"}}, table.ErrNotNumeric, "open24", "BOOLEAN"},
		{"nested", table.Schema{ID: "store_id", Categorical: []string{"ignored"}}, table.ErrUnsupported, "ignored", "nested"},
		{"absent", table.Schema{ID: "store_id", Numeric: []string{"sales"}}, table.ErrNoColumn, "sales",
			"available: store_id, num_id, revenue, area, staff, big, format, open24, size_class, ignored"},
		{"null id", table.Schema{ID: "staff"}, table.ErrMissingID, "staff", "row 2"},
		{"null bool id", table.Schema{ID: "open24"}, table.ErrMissingID, "open24", `row 3, column "open24": missing id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := table.Read(context.Background(), path, tt.s)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Read() error = %v; want %v", err, tt.kind)
			}
			var te *table.Error
			if !errors.As(err, &te) || te.Column != tt.column || te.File != "pyarrow_types.parquet" {
				t.Errorf("Read() error = %#v; want a *table.Error for column %q", err, tt.column)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q; want it to contain %q", err, tt.msg)
			}
		})
	}
}

// TestReadParquetCorrupt truncates and damages a valid file: the reader must return an error
// or a frame, never panic.
func TestReadParquetCorrupt(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "pyarrow_types.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	s := table.Schema{ID: "store_id", Numeric: []string{"revenue", "area"}, Categorical: []string{"format"}}
	try := func(b []byte) {
		f, err := table.ReadParquet(context.Background(), bytes.NewReader(b), int64(len(b)), "bad.parquet", s)
		if err == nil {
			if verr := f.Validate(); verr != nil {
				t.Errorf("damaged file gave an invalid frame: %v", verr)
			}
		}
	}
	for cut := 0; cut < len(good); cut += 97 {
		try(good[:cut])
	}
	for i := 0; i < len(good); i += 13 {
		b := bytes.Clone(good)
		b[i] ^= 0x5a
		try(b)
	}
	_, err = table.ReadParquet(context.Background(), bytes.NewReader(nil), 0, "empty.parquet", s)
	if err == nil || !strings.Contains(err.Error(), "empty.parquet") {
		t.Errorf("ReadParquet(empty) error = %v; want an error naming the file", err)
	}
}
