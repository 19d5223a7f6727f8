package famd_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/frame"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// Tolerances against FactoMineR (testdata/gen_famd.R): 1e-8 relative; values near zero are
// compared absolutely, 1e-10 for coordinates, contributions and cosines and 1e-20 for
// eigenvalues, so that a tiny eigenvalue (collinear: 1.3e-10) is still checked relatively
// while FactoMineR's numerically zero ones (~1e-31) must be zero here too.
const (
	relTol    = 1e-8
	absTol    = 1e-10
	eigAbsTol = 1e-20
)

// num is a JSON number where null (FactoMineR's NaN or Inf) reads as NaN.
type num float64

func (x *num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*x = num(f)
	return nil
}

// golden is one testdata/<case>.json written by gen_famd.R.
type golden struct {
	RVersion          string   `json:"r_version"`
	FactoMineRVersion string   `json:"factominer_version"`
	Generator         string   `json:"generator"`
	Case              string   `json:"case"`
	Note              string   `json:"note"`
	Method            string   `json:"method"`
	N                 int      `json:"n"`
	NCP               int      `json:"ncp"`
	Num               []string `json:"num"`
	Cat               []string `json:"cat"`
	EigAll            []num    `json:"eig_all"`
	Eig               []num    `json:"eig"`
	Percent           []num    `json:"percent"`
	Cumulative        []num    `json:"cumulative"`
	IndCoord          [][]num  `json:"ind_coord"`
	IndContrib        [][]num  `json:"ind_contrib"`
	IndCos2           [][]num  `json:"ind_cos2"`
	IndDist           []num    `json:"ind_dist"`
	QuantiCoord       [][]num  `json:"quanti_coord"`
	QuantiContrib     [][]num  `json:"quanti_contrib"`
	QuantiCos2        [][]num  `json:"quanti_cos2"`
	QualiNames        []string `json:"quali_names"`
	QualiCoord        [][]num  `json:"quali_coord"`
	QualiContrib      [][]num  `json:"quali_contrib"`
	QualiCos2         [][]num  `json:"quali_cos2"`
	QualiVTest        [][]num  `json:"quali_vtest"`
	VarNames          []string `json:"var_names"`
	VarCoord          [][]num  `json:"var_coord"`
	VarContrib        [][]num  `json:"var_contrib"`
	VarCos2           [][]num  `json:"var_cos2"`
}

var goldenCases = []string{
	"wiki", "stores", "ncp1", "onecat", "onenum", "catonly", "numonly",
	"constnum", "singleton", "collinear", "nested", "levels200",
}

func loadGolden(t testing.TB, name string) (*golden, *frame.Frame) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("decoding %s.json: %v", name, err)
	}
	if g.FactoMineRVersion != "2.7" {
		t.Fatalf("%s.json was generated with FactoMineR %s, want 2.7", name, g.FactoMineRVersion)
	}
	return &g, readFrame(t, filepath.Join("testdata", name+".csv"), g.Num, g.Cat)
}

// readFrame reads a CSV written by gen_famd.R. Levels get codes in order of first
// appearance (not FactoMineR's sorted order), so the tests also check that results do not
// depend on level order; level diagnostics are matched by name.
func readFrame(t testing.TB, path string, numCols, catCols []string) *frame.Frame {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	index := map[string]int{}
	for i, h := range recs[0] {
		index[h] = i
	}
	f := &frame.Frame{NumNames: numCols, CatNames: catCols}
	for _, name := range numCols {
		col := make([]float64, len(recs)-1)
		for i, rec := range recs[1:] {
			if col[i], err = strconv.ParseFloat(rec[index[name]], 64); err != nil {
				t.Fatalf("%s: column %s row %d: %v", path, name, i, err)
			}
		}
		f.Num = append(f.Num, col)
	}
	for _, name := range catCols {
		col, codes, levels := make([]int32, len(recs)-1), map[string]int32{}, []string{}
		for i, rec := range recs[1:] {
			v := rec[index[name]]
			c, ok := codes[v]
			if !ok {
				c = int32(len(levels))
				codes[v] = c
				levels = append(levels, v)
			}
			col[i] = c
		}
		f.Cat, f.Levels = append(f.Cat, col), append(f.Levels, levels)
	}
	return f
}

func fitGolden(t testing.TB, g *golden, f *frame.Frame) *famd.Result {
	t.Helper()
	cfg := famd.DefaultConfig()
	cfg.NComponents = g.NCP
	res, err := famd.Fit(context.Background(), f, cfg)
	if err != nil {
		t.Fatalf("Fit(%s): %v", g.Case, err)
	}
	return res
}

func TestGoldenFactoMineR(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			g, f := loadGolden(t, name)
			res := fitGolden(t, g, f)
			k := res.Model.NComponents()
			if k != len(g.Eig) {
				t.Fatalf("NComponents() = %d; want %d", k, len(g.Eig))
			}
			checkEigenvalues(t, g, res)
			// FactoMineR keeps LAPACK's arbitrary sign when ncp = 1 on a tall table.
			signs := make([]float64, k)
			for c := range signs {
				signs[c] = 1
				if g.Case == "ncp1" && res.Coord.At(0, c)*float64(g.IndCoord[0][c]) < 0 {
					signs[c] = -1
				}
			}
			checkMatrix(t, "ind coord", res.Coord, g.IndCoord, nil, signs)
			checkMatrix(t, "ind contrib", res.RowContrib(), g.IndContrib, nil, nil)
			checkMatrix(t, "ind cos2", res.RowCos2(), g.IndCos2, nil, nil)
			checkVector(t, "ind dist", res.RowDist, g.IndDist)
			if len(g.Num) > 0 {
				checkMatrix(t, "quanti coord", res.Quanti.Coord, g.QuantiCoord, nil, signs)
				checkMatrix(t, "quanti contrib", res.Quanti.Contrib, g.QuantiContrib, nil, nil)
				checkMatrix(t, "quanti cos2", res.Quanti.Cos2, g.QuantiCos2, nil, nil)
			}
			if len(g.Cat) > 0 {
				rows := levelRows(t, res.Levels, g.QualiNames)
				checkMatrix(t, "quali coord", res.Levels.Coord, g.QualiCoord, rows, signs)
				checkMatrix(t, "quali contrib", res.Levels.Contrib, g.QualiContrib, rows, nil)
				checkMatrix(t, "quali cos2", res.Levels.Cos2, g.QualiCos2, rows, nil)
				checkMatrix(t, "quali v.test", res.Levels.VTest, g.QualiVTest, rows, signs)
			}
			checkMatrix(t, "var coord", res.Vars.Coord, g.VarCoord, nil, nil)
			checkMatrix(t, "var contrib", res.Vars.Contrib, g.VarContrib, nil, nil)
			checkMatrix(t, "var cos2", res.Vars.Cos2, g.VarCos2, nil, nil)
		})
	}
}

func checkEigenvalues(t *testing.T, g *golden, res *famd.Result) {
	t.Helper()
	r := len(res.Eigenvalues)
	if r > len(g.EigAll) {
		t.Fatalf("%d eigenvalues; FactoMineR has %d", r, len(g.EigAll))
	}
	for k, got := range res.Eigenvalues {
		if want := float64(g.EigAll[k]); !scalar.EqualWithinAbsOrRel(got, want, eigAbsTol, relTol) {
			t.Errorf("eigenvalue %d = %.15g; want %.15g (rel diff %.2g)", k, got, want, math.Abs(got-want)/math.Abs(want))
		}
	}
	for k := range g.Eig {
		if got, want := res.Percent[k], float64(g.Percent[k]); !scalar.EqualWithinAbsOrRel(got, want, absTol, relTol) {
			t.Errorf("percent %d = %.15g; want %.15g", k, got, want)
		}
		if got, want := res.Cumulative[k], float64(g.Cumulative[k]); !scalar.EqualWithinAbsOrRel(got, want, absTol, relTol) {
			t.Errorf("cumulative %d = %.15g; want %.15g", k, got, want)
		}
	}
}

// levelRows maps each of FactoMineR's "column=level" names to the row of lt.
func levelRows(t *testing.T, lt *famd.LevelTable, names []string) []int {
	t.Helper()
	index := map[string]int{}
	for l := range lt.Names {
		index[lt.Columns[l]+"="+lt.Names[l]] = l
	}
	rows := make([]int, len(names))
	for i, name := range names {
		l, ok := index[name]
		if !ok {
			t.Fatalf("level %s missing from the result", name)
		}
		rows[i] = l
	}
	if len(rows) != len(lt.Names) {
		t.Fatalf("%d levels; FactoMineR has %d", len(lt.Names), len(rows))
	}
	return rows
}

// checkMatrix compares got (rows permuted by rows, columns multiplied by signs) with want.
// FactoMineR's NaN and Inf (zero divided by zero, see the package documentation) must be 0.
func checkMatrix(t *testing.T, what string, got *mat.Dense, want [][]num, rows []int, signs []float64) {
	t.Helper()
	r, c := got.Dims()
	if r != len(want) {
		t.Fatalf("%s: %d rows; want %d", what, r, len(want))
	}
	bad := 0
	for i, wrow := range want {
		gi := i
		if rows != nil {
			gi = rows[i]
		}
		if len(wrow) != c {
			t.Fatalf("%s row %d: %d columns; want %d", what, i, c, len(wrow))
		}
		for j, w := range wrow {
			g := got.At(gi, j)
			if signs != nil {
				g *= signs[j]
			}
			if !agree(g, float64(w)) {
				if bad++; bad <= 5 {
					t.Errorf("%s[%d,%d] = %.15g; want %.15g", what, i, j, g, float64(w))
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d values differ", what, bad)
	}
}

func checkVector(t *testing.T, what string, got []float64, want []num) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d; want %d", what, len(got), len(want))
	}
	for i, w := range want {
		if !agree(got[i], float64(w)) {
			t.Errorf("%s[%d] = %.15g; want %.15g", what, i, got[i], float64(w))
			return
		}
	}
}

func agree(got, want float64) bool {
	if math.IsNaN(want) {
		return got == 0
	}
	return scalar.EqualWithinAbsOrRel(got, want, absTol, relTol)
}

var _ = fmt.Sprint
