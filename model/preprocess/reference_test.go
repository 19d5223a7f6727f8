package preprocess

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/storeseg/storeseg/model/frame"
)

// TestStatsNumPy compares median and mean with numpy.median and numpy.mean on the arrays of
// testdata/stats.json (written by testdata/gen_reference.py, numpy 2.4.6). Exact.
func TestStatsNumPy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "stats.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		X            []float64
		Median, Mean float64
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got := mean(c.X); got != c.Mean {
			t.Errorf("mean(n=%d) = %v; want %v (numpy)", len(c.X), got, c.Mean)
		}
		if got := median(append([]float64(nil), c.X...)); got != c.Median {
			t.Errorf("median(n=%d) = %v; want %v (numpy)", len(c.X), got, c.Median)
		}
	}
}

// referenceSpec mirrors SPEC in testdata/gen_reference.py.
var referenceSpec = Spec{
	Numeric: []NumericSpec{
		{Name: "revenue", Transform: Log1p, Impute: Median},
		{Name: "area", Impute: Mean},
		{Name: "share", Transform: Log1p, Impute: Zero},
	},
	Categorical: []CategoricalSpec{
		{Name: "format", Missing: Category, MinFrequency: 0.05},
		{Name: "region", Missing: Mode},
		{Name: "owner", Missing: Category, MinFrequency: 0.05},
	},
}

// readCSVFrame reads a small CSV with an id column, then the numeric then categorical
// columns named by spec ("" is missing). Levels are numbered by first appearance.
func readCSVFrame(t *testing.T, path string, spec Spec) *frame.Frame {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	f := &frame.Frame{IDName: recs[0][0]}
	for _, s := range spec.Numeric {
		f.NumNames = append(f.NumNames, s.Name)
		f.Num = append(f.Num, nil)
	}
	for _, s := range spec.Categorical {
		f.CatNames = append(f.CatNames, s.Name)
		f.Cat, f.Levels = append(f.Cat, nil), append(f.Levels, []string{})
	}
	for _, r := range recs[1:] {
		f.IDs = append(f.IDs, r[0])
		for j, n := range f.NumNames {
			v := math.NaN()
			if r[col[n]] != "" {
				if v, err = strconv.ParseFloat(r[col[n]], 64); err != nil {
					t.Fatal(err)
				}
			}
			f.Num[j] = append(f.Num[j], v)
		}
		for q, n := range f.CatNames {
			f.Cat[q] = append(f.Cat[q], levelCode(&f.Levels[q], r[col[n]]))
		}
	}
	return f
}

func levelCode(levels *[]string, s string) int32 {
	if s == "" {
		return frame.Missing
	}
	for k, l := range *levels {
		if l == s {
			return int32(k)
		}
	}
	*levels = append(*levels, s)
	return int32(len(*levels) - 1)
}

// TestFitPandasReference fits testdata/raw.csv and compares with testdata/prepared.csv,
// prepared independently with pandas by gen_reference.py. Numbers within 1e-15 relative
// (log1p implementations may differ in the last bit); levels exactly.
func TestFitPandasReference(t *testing.T) {
	raw := readCSVFrame(t, filepath.Join("testdata", "raw.csv"), referenceSpec)
	want := readCSVFrame(t, filepath.Join("testdata", "prepared.csv"), referenceSpec)
	_, got, err := Fit(referenceSpec, raw)
	if err != nil {
		t.Fatal(err)
	}
	for j, name := range got.NumNames {
		for i, g := range got.Num[j] {
			w := want.Num[j][i]
			if math.Abs(g-w) > 1e-15*math.Max(1, math.Abs(w)) {
				t.Errorf("%s row %d = %v; want %v (pandas)", name, i+1, g, w)
			}
		}
	}
	for q, name := range got.CatNames {
		for i, c := range got.Cat[q] {
			if g, w := got.Levels[q][c], want.Levels[q][want.Cat[q][i]]; g != w {
				t.Errorf("%s row %d = %q; want %q (pandas)", name, i+1, g, w)
			}
		}
	}
}
