package table_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/table"
)

var nan = math.NaN()

// eqNaN makes cmp treat NaN as equal to NaN.
var eqNaN = cmpopts.EquateNaNs()

func TestReadCSV(t *testing.T) {
	const in = "\xef\xbb\xbfnote,store_id,format,revenue,area\r\n" +
		`"x, ""quoted""",s1,super,1.5,10` + "\r\n" +
		`"multi` + "\n" + `line",s2,NA,NA,  20 ` + "\n" +
		"\n" +
		",s3,\"hyper\",NaN,\n" +
		"z,s4,super,-2e3,nan\n" +
		"z,s5,,1e400,16\n"
	s := table.Schema{ID: "store_id", Numeric: []string{"revenue", "area"}, Categorical: []string{"format"}}
	got, err := table.ReadCSV(context.Background(), strings.NewReader(in), "in.csv", s)
	if err != nil {
		t.Fatal(err)
	}
	want := &frame.Frame{
		IDName: "store_id", IDs: []string{"s1", "s2", "s3", "s4", "s5"},
		NumNames: []string{"revenue", "area"},
		Num:      [][]float64{{1.5, nan, nan, -2000, math.Inf(1)}, {10, 20, nan, nan, 16}},
		CatNames: []string{"format"}, Levels: [][]string{{"super", "hyper"}},
		Cat: [][]int32{{0, frame.Missing, 1, 0, frame.Missing}},
	}
	if d := cmp.Diff(want, got, eqNaN); d != "" {
		t.Errorf("ReadCSV mismatch (-want +got):\n%s", d)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

func TestReadCSVEmptyTable(t *testing.T) {
	s := table.Schema{ID: "id", Numeric: []string{"x"}, Categorical: []string{"c"}}
	got, err := table.ReadCSV(context.Background(), strings.NewReader("id,x,c\n"), "e.csv", s)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows() != 0 || len(got.Num[0]) != 0 || len(got.Cat[0]) != 0 || len(got.Levels[0]) != 0 {
		t.Errorf("ReadCSV(header only) = %+v; want an empty frame", got)
	}
}

func TestReadCSVErrors(t *testing.T) {
	s := table.Schema{ID: "id", Numeric: []string{"x"}, Categorical: []string{"c"}}
	tests := []struct {
		name, in string
		kind     error
		msg      string // substring of the message
		row      int
		line     int
		column   string
	}{
		{"bad number", "id,x,c\na,1,u\nb,12;5,v\n", table.ErrBadNumber,
			`table: t.csv: row 2 (line 3), column "x": value "12;5" is not a number`, 2, 3, "x"},
		{"duplicate id", "id,x,c\na,1,u\nb,2,v\na,3,w\n", table.ErrDuplicateID,
			`row 3, column "id": id "a" already used in row 1`, 3, 0, "id"},
		{"empty id", "id,x,c\na,1,u\n,2,v\n", table.ErrMissingID, `row 2 (line 3), column "id": missing id`, 2, 3, "id"},
		{"NA id", "id,x,c\nNA,1,u\n", table.ErrMissingID, "missing id", 1, 2, "id"},
		{"missing column", "id,c,y\na,u,1\n", table.ErrNoColumn,
			`column "x": column not found; available: id, c, y`, 0, 0, "x"},
		{"ragged", "id,x,c\na,1,u\nb,2\n", table.ErrRaggedRow, "row 2 (line 3): 2 fields, the header has 3", 2, 3, ""},
		{"unterminated", "id,x,c\na,1,\"u\nb,2,v\n", table.ErrSyntax, "quoted field is not terminated", 1, 2, ""},
		{"after quote", "id,x,c\na,1,\"u\"x\n", table.ErrSyntax, "unexpected character after a closing quote", 1, 2, ""},
		{"empty file", "", table.ErrSyntax, "empty file", 0, 0, ""},
		{"duplicate header", "id,x,c,x\na,1,u,2\n", table.ErrSyntax, "appears twice", 0, 1, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := table.ReadCSV(context.Background(), strings.NewReader(tt.in), "t.csv", s)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("ReadCSV() error = %v; want %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q; want it to contain %q", err, tt.msg)
			}
			var te *table.Error
			if !errors.As(err, &te) {
				t.Fatalf("error %T is not a *table.Error", err)
			}
			if te.Row != tt.row || te.Line != tt.line || te.Column != tt.column || te.File != "t.csv" {
				t.Errorf("error fields = row %d line %d column %q file %q; want row %d line %d column %q file t.csv",
					te.Row, te.Line, te.Column, te.File, tt.row, tt.line, tt.column)
			}
		})
	}
}

func TestReadCSVBadSchema(t *testing.T) {
	for _, s := range []table.Schema{
		{},
		{ID: "id", Numeric: []string{"x"}, Categorical: []string{"x"}},
		{ID: "id", Numeric: []string{"id"}},
		{ID: "id", Categorical: []string{""}},
	} {
		if _, err := table.ReadCSV(context.Background(), strings.NewReader("id,x\n"), "t.csv", s); err == nil {
			t.Errorf("ReadCSV(schema %+v) succeeded; want an error", s)
		}
	}
}

func TestReadCSVCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := table.ReadCSV(ctx, strings.NewReader("id\na\n"), "t.csv", table.Schema{ID: "id"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ReadCSV(canceled) error = %v; want context.Canceled", err)
	}
}

// TestReadCSVLongLine covers records longer than the scanner's buffer.
func TestReadCSVLongLine(t *testing.T) {
	long := strings.Repeat("y", 200000)
	in := "id,x,c\n" + "a,1," + long + "\n" + `b,2,"` + long + "\n" + long + `"` + "\n"
	f, err := table.ReadCSV(context.Background(), strings.NewReader(in), "t.csv",
		table.Schema{ID: "id", Numeric: []string{"x"}, Categorical: []string{"c"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Levels[0]; len(got) != 2 || got[0] != long || got[1] != long+"\n"+long {
		t.Errorf("long levels have lengths %d; want %d and %d", len(got), len(long), 2*len(long)+1)
	}
}
