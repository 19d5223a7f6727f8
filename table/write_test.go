package table_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/table"
)

var update = flag.Bool("update", false, "rewrite testdata/go_written.{csv,parquet} (checked by check_pyarrow.py)")

var sampleCols = []table.Column{
	{Name: "store_id", Type: table.String},
	{Name: "revenue", Type: table.Float64},
	{Name: "staff", Type: table.Int64},
	{Name: "open24", Type: table.Bool},
	{Name: "format", Type: table.String},
}

// writeSample writes the sample table that testdata/check_pyarrow.py also checks.
func writeSample(t *testing.T, w *table.Writer) {
	t.Helper()
	rows := []struct {
		id     string
		rev    float64
		staff  int64
		open   bool
		format string
		nulls  []int
	}{
		{"s1", 1234567.25, 12, true, "super", nil},
		{"s2", math.NaN(), 0, false, "hyper, large", []int{2}},
		{"s3", 1e-7, -3, false, `say "hi"`, []int{3}},
		{"s4", 0, 5, true, "", []int{4}},
		{"s5", 2.5e20, 7, false, "multi\nline", nil},
		{"s6", -0.1, 1 << 40, true, " padded ", nil},
	}
	for _, r := range rows {
		w.String(0, r.id)
		w.Float64(1, r.rev)
		w.Int64(2, r.staff)
		w.Bool(3, r.open)
		w.String(4, r.format)
		for _, c := range r.nulls {
			w.Null(c)
		}
		if err := w.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

const sampleCSV = `store_id,revenue,staff,open24,format
s1,1234567.25,12,true,super
s2,,,false,"hyper, large"
s3,1e-07,-3,,"say ""hi"""
s4,0,5,true,
s5,2.5e+20,7,false,"multi
line"
s6,-0.1,1099511627776,true," padded "
`

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	w, err := table.NewWriter(&buf, table.CSV, sampleCols)
	if err != nil {
		t.Fatal(err)
	}
	writeSample(t, w)
	if d := cmp.Diff(sampleCSV, buf.String()); d != "" {
		t.Errorf("CSV output mismatch (-want +got):\n%s", d)
	}
}

// TestRoundTrip writes the sample in both formats and reads both back into equal frames.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := table.Schema{ID: "store_id", Numeric: []string{"revenue", "staff"}, Categorical: []string{"open24", "format"}}
	var frames []*frame.Frame
	for _, name := range []string{"go_written.csv", "go_written.parquet"} {
		path := filepath.Join(dir, name)
		w, err := table.Create(path, table.FormatAuto, sampleCols)
		if err != nil {
			t.Fatal(err)
		}
		writeSample(t, w)
		if *update {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		f, err := table.Read(context.Background(), path, s)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	m := frame.Missing
	want := &frame.Frame{
		IDName: "store_id", IDs: []string{"s1", "s2", "s3", "s4", "s5", "s6"},
		NumNames: s.Numeric,
		Num:      [][]float64{{1234567.25, nan, 1e-7, 0, 2.5e20, -0.1}, {12, nan, -3, 5, 7, 1 << 40}},
		CatNames: s.Categorical,
		Levels:   [][]string{{"true", "false"}, {"super", "hyper, large", `say "hi"`, "multi\nline", " padded "}},
		Cat:      [][]int32{{0, 1, m, 0, 1, 0}, {0, 1, 2, m, 3, 4}},
	}
	for i, f := range frames {
		if d := cmp.Diff(want, f, eqNaN); d != "" {
			t.Errorf("read back %d mismatch (-want +got):\n%s", i, d)
		}
	}
}

// TestGoWrittenGolden checks that the committed files checked by pyarrow are what the writer
// writes today (run with -update after an intended change, then check_pyarrow.py).
func TestGoWrittenGolden(t *testing.T) {
	for _, f := range []table.Format{table.CSV, table.Parquet} {
		var buf bytes.Buffer
		w, err := table.NewWriter(&buf, f, sampleCols)
		if err != nil {
			t.Fatal(err)
		}
		writeSample(t, w)
		want, err := os.ReadFile(filepath.Join("testdata", "go_written."+f.String()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, buf.Bytes()) {
			t.Errorf("%v output differs from testdata/go_written.%v; run go test -update and check_pyarrow.py", f, f)
		}
	}
}

func TestCreateAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.parquet")
	w, err := table.Create(path, table.FormatAuto, sampleCols)
	if err != nil {
		t.Fatal(err)
	}
	w.String(0, "x")
	if err := w.EndRow(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("after Abort the directory holds %v; want nothing", entries)
	}
	if err := w.EndRow(); err == nil {
		t.Error("EndRow after Abort succeeded; want an error")
	}
}

func TestWriterErrors(t *testing.T) {
	bad := [][]table.Column{
		nil,
		{{Name: "", Type: table.String}},
		{{Name: "a", Type: table.String}, {Name: "a", Type: table.Int64}},
		{{Name: "a", Type: table.Type(9)}},
	}
	for _, cols := range bad {
		if _, err := table.NewWriter(&bytes.Buffer{}, table.CSV, cols); err == nil {
			t.Errorf("NewWriter(%v) succeeded; want an error", cols)
		}
	}
	if _, err := table.Create(filepath.Join(t.TempDir(), "t.xlsx"), table.FormatAuto, sampleCols); !errors.Is(err, table.ErrFormat) {
		t.Errorf("Create(.xlsx) error = %v; want ErrFormat", err)
	}
	w, _ := table.NewWriter(&bytes.Buffer{}, table.CSV, sampleCols)
	defer func() {
		if r := recover(); r == nil {
			t.Error("Float64 on a string column did not panic")
		}
	}()
	w.Float64(0, 1)
}

func TestAppendFloat(t *testing.T) {
	a, b := 0.1, 0.2
	point3 := a + b
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {1, "1"}, {-2.5, "-2.5"}, {1e-4, "0.0001"}, {9.5e-5, "9.5e-05"}, {1e15, "1000000000000000"},
		{1e16, "1e+16"}, {point3, "0.30000000000000004"}, {math.Inf(-1), "-Inf"},
	} {
		if got := string(table.AppendFloat(nil, tt.v)); got != tt.want {
			t.Errorf("AppendFloat(%v) = %q; want %q", tt.v, got, tt.want)
		}
	}
}
