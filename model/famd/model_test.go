package famd_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/frame"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

var update = flag.Bool("update", false, "rewrite testdata/wiki_model.npz from the current code")

func fit(t testing.TB, f *frame.Frame, cfg famd.Config) *famd.Result {
	t.Helper()
	res, err := famd.Fit(context.Background(), f, cfg)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	return res
}

func row(f *frame.Frame, i int) ([]float64, []int32) {
	num, cat := make([]float64, len(f.Num)), make([]int32, len(f.Cat))
	for j, col := range f.Num {
		num[j] = col[i]
	}
	for q, col := range f.Cat {
		cat[q] = col[i]
	}
	return num, cat
}

// A training row transformed alone gives exactly its fit coordinates, and Transform gives
// exactly what TransformRow gives.
func TestTransformMatchesFit(t *testing.T) {
	for _, name := range []string{"wiki", "stores", "numonly", "catonly", "constnum", "collinear", "levels200"} {
		t.Run(name, func(t *testing.T) {
			g, f := loadGolden(t, name)
			res := fitGolden(t, g, f)
			m := res.Model
			dst := make([]float64, m.NComponents())
			for i := range f.Rows() {
				num, cat := row(f, i)
				unseen, err := m.TransformRow(dst, num, cat)
				if err != nil || unseen != 0 {
					t.Fatalf("TransformRow(row %d) = %d, %v; want 0, nil", i, unseen, err)
				}
				if want := res.Coord.RawRowView(i); !slices.Equal(dst, want) {
					t.Fatalf("TransformRow(row %d) = %v; want %v", i, dst, want)
				}
			}
			coord, unseen, err := m.Transform(context.Background(), f)
			if err != nil || unseen != 0 {
				t.Fatalf("Transform = %d, %v; want 0, nil", unseen, err)
			}
			if !mat.Equal(coord, res.Coord) {
				t.Errorf("Transform differs from the fit coordinates")
			}
		})
	}
}

// Results are bit-for-bit the same for any number of workers, on the covariance route and
// on the QR route, with enough rows for several blocks.
func TestWorkersDeterministic(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 9000
	}
	plain := synthFrame(n, 1)
	nested := synthFrame(n, 2)
	nested.CatNames = append(nested.CatNames, "c0_copy") // an exact duplicate: zero eigenvalues
	nested.Levels = append(nested.Levels, nested.Levels[0])
	nested.Cat = append(nested.Cat, nested.Cat[0])
	for _, tc := range []struct {
		name    string
		f       *frame.Frame
		refined bool
	}{{"covariance", plain, false}, {"qr", nested, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var first *famd.Result
			var firstBytes []byte
			for _, workers := range []int{1, 2, 3, 8} {
				res := fit(t, tc.f, famd.Config{NComponents: 8, Workers: workers})
				if res.Refined != tc.refined {
					t.Fatalf("Workers=%d: Refined = %v; want %v", workers, res.Refined, tc.refined)
				}
				b, err := res.Model.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first, firstBytes = res, b
					continue
				}
				if !mat.Equal(res.Coord, first.Coord) || !slices.Equal(res.Eigenvalues, first.Eigenvalues) ||
					!slices.Equal(res.RowDist, first.RowDist) || !bytes.Equal(b, firstBytes) {
					t.Errorf("Workers=%d gives a different result than Workers=1", workers)
				}
			}
		})
	}
}

func TestUnseenPolicies(t *testing.T) {
	g, f := loadGolden(t, "stores")
	f.Levels[1] = append(f.Levels[1], "harbour") // a level no row uses: unseen at transform
	harbour := int32(len(f.Levels[1]) - 1)
	for _, policy := range []famd.UnseenPolicy{famd.UnseenError, famd.UnseenZero} {
		t.Run(policy.String(), func(t *testing.T) {
			cfg := famd.Config{NComponents: g.NCP, Unseen: policy}
			res := fit(t, f, cfg)
			m := res.Model
			k := m.NComponents()
			num, cat := row(f, 3)
			for _, code := range []int32{frame.Missing, harbour} {
				c := slices.Clone(cat)
				c[1] = code
				dst := make([]float64, k)
				unseen, err := m.TransformRow(dst, num, c)
				if policy == famd.UnseenError {
					var ue *famd.UnseenLevelError
					if !errors.Is(err, famd.ErrUnseenLevel) || !errors.As(err, &ue) || ue.Column != "urban" || ue.Code != code {
						t.Fatalf("TransformRow(code %d) error = %v; want an unseen level of column urban", code, err)
					}
					if !strings.Contains(err.Error(), `"urban"`) {
						t.Errorf("error %q does not name the column", err)
					}
					continue
				}
				if err != nil || unseen != 1 {
					t.Fatalf("TransformRow(code %d) = %d, %v; want 1, nil", code, unseen, err)
				}
				// Seen minus unseen is the level's own column of the coded table, V_l/√p_l.
				l, pl := levelIndex(t, res, "urban", f.Levels[1][cat[1]]), proportion(f, 1, cat[1])
				for comp := range k {
					want := res.Coord.At(3, comp) - m.Loadings().At(len(f.Num)+l, comp)/math.Sqrt(pl)
					if !scalar.EqualWithinAbsOrRel(dst[comp], want, 1e-12, 1e-12) {
						t.Errorf("unseen coordinate %d = %v; want %v", comp, dst[comp], want)
					}
				}
			}
		})
	}
}

// levelIndex returns the row of the level in the loadings' level block.
func levelIndex(t *testing.T, res *famd.Result, column, level string) int {
	t.Helper()
	for l := range res.Levels.Names {
		if res.Levels.Columns[l] == column && res.Levels.Names[l] == level {
			return l
		}
	}
	t.Fatalf("level %s=%s not found", column, level)
	return -1
}

func proportion(f *frame.Frame, q int, code int32) float64 {
	n := 0
	for _, c := range f.Cat[q] {
		if c == code {
			n++
		}
	}
	return float64(n) / float64(f.Rows())
}

func TestTransformFrame(t *testing.T) {
	g, f := loadGolden(t, "stores")
	res := fit(t, f, famd.Config{NComponents: g.NCP, Unseen: famd.UnseenZero})
	m := res.Model
	grown := *f
	grown.Levels = slices.Clone(f.Levels)
	grown.Levels[2] = append(slices.Clone(f.Levels[2]), "megastore")
	grown.Cat = slices.Clone(f.Cat)
	grown.Cat[2] = slices.Clone(f.Cat[2])
	grown.Cat[2][7], grown.Cat[2][9] = int32(len(grown.Levels[2])-1), frame.Missing
	coord, unseen, err := m.Transform(context.Background(), &grown)
	if err != nil || unseen != 2 {
		t.Fatalf("Transform = %d, %v; want 2 unseen", unseen, err)
	}
	num, cat := row(&grown, 7)
	cat[2] = frame.Missing
	dst := make([]float64, m.NComponents())
	if _, err := m.TransformRow(dst, num, cat); err != nil || !slices.Equal(dst, coord.RawRowView(7)) {
		t.Errorf("row with a new level = %v, %v; want the unseen projection %v", coord.RawRowView(7), err, dst)
	}

	strict := fit(t, f, famd.Config{NComponents: g.NCP}).Model
	_, _, err = strict.Transform(context.Background(), &grown)
	var ue *famd.UnseenLevelError
	if !errors.As(err, &ue) || ue.Row != 7 || ue.Column != "format" || ue.Code != int32(len(grown.Levels[2])-1) {
		t.Errorf("Transform error = %v; want row 7, column format, the new code", err)
	}

	bad := []struct {
		name   string
		modify func(f *frame.Frame)
		want   string
	}{
		{"renamed numeric", func(f *frame.Frame) { f.NumNames = []string{"a", "b", "c", "d", "e"} }, "numeric columns"},
		{"fewer categoricals", func(f *frame.Frame) { f.CatNames, f.Cat, f.Levels = f.CatNames[1:], f.Cat[1:], f.Levels[1:] }, "categorical columns"},
		{"reordered levels", func(f *frame.Frame) {
			f.Levels = slices.Clone(f.Levels)
			f.Levels[0] = slices.Clone(f.Levels[0])
			slices.Reverse(f.Levels[0])
		}, `column "region": level code 0`},
		{"nan", func(f *frame.Frame) {
			f.Num = slices.Clone(f.Num)
			f.Num[1] = slices.Clone(f.Num[1])
			f.Num[1][42] = math.NaN()
		}, `row 42, numeric column "sqm"`},
		{"no rows", func(f *frame.Frame) {
			f.Num = [][]float64{{}, {}, {}, {}, {}}
			f.Cat = [][]int32{{}, {}, {}, {}}
		}, "no rows"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c := *f
			tc.modify(&c)
			if _, _, err := m.Transform(context.Background(), &c); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Transform error = %v; want one containing %q", err, tc.want)
			}
		})
	}
}

func TestTransformRowErrors(t *testing.T) {
	g, f := loadGolden(t, "stores")
	m := fit(t, f, famd.Config{NComponents: g.NCP}).Model
	num, cat := row(f, 0)
	for _, tc := range []struct {
		name string
		dst  []float64
		num  []float64
		cat  []int32
		want string
	}{
		{"short dst", make([]float64, 4), num, cat, "destination"},
		{"short num", make([]float64, 5), num[:4], cat, "numeric"},
		{"long cat", make([]float64, 5), num, append(slices.Clone(cat), 0), "categorical"},
		{"inf", make([]float64, 5), []float64{1, 2, math.Inf(1), 4, 5}, cat, `numeric column "footfall": value +Inf`},
		{"code too large", make([]float64, 5), num, []int32{0, 0, 99, 0}, `"format": code 99 outside [-1, 4)`},
		{"code negative", make([]float64, 5), num, []int32{0, -2, 0, 0}, `"urban": code -2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := m.TransformRow(tc.dst, tc.num, tc.cat); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("TransformRow error = %v; want one containing %q", err, tc.want)
			}
		})
	}
}

// The golden model bytes pin the serialized format: decoding and re-encoding them gives the
// same bytes, and (on amd64, where they were written) a fresh fit encodes to them exactly.
func TestMarshalGolden(t *testing.T) {
	g, f := loadGolden(t, "wiki")
	res := fitGolden(t, g, f)
	got, err := res.Model.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "wiki_model.npz")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run MarshalGolden -update to create it)", err)
	}
	var m famd.Model
	if err := m.UnmarshalBinary(want); err != nil {
		t.Fatalf("UnmarshalBinary(golden): %v", err)
	}
	again, err := m.MarshalBinary()
	if err != nil || !bytes.Equal(again, want) {
		t.Errorf("re-encoding the golden model changed its bytes (err %v)", err)
	}
	if runtime.GOARCH == "amd64" && !bytes.Equal(got, want) {
		t.Errorf("MarshalBinary of the wiki fit differs from %s (run with -update if the format changed on purpose)", path)
	}
	coord, _, err := m.Transform(context.Background(), f)
	if err != nil || !mat.EqualApprox(coord, res.Coord, 1e-12) {
		t.Errorf("golden model transforms differ from the fit (err %v)", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, name := range []string{"stores", "numonly", "catonly", "constnum"} {
		t.Run(name, func(t *testing.T) {
			g, f := loadGolden(t, name)
			res := fit(t, f, famd.Config{NComponents: g.NCP, Unseen: famd.UnseenZero})
			b, err := res.Model.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			b2, _ := res.Model.MarshalBinary()
			if !bytes.Equal(b, b2) {
				t.Fatal("MarshalBinary is not deterministic")
			}
			var m famd.Model
			if err := m.UnmarshalBinary(b); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if m.Unseen() != famd.UnseenZero || m.NComponents() != res.Model.NComponents() ||
				!slices.Equal(m.Eigenvalues(), res.Model.Eigenvalues()) {
				t.Errorf("decoded model differs: %v %d", m.Unseen(), m.NComponents())
			}
			coord, _, err := m.Transform(context.Background(), f)
			if err != nil || !mat.Equal(coord, res.Coord) {
				t.Errorf("decoded model transforms differently (err %v)", err)
			}
		})
	}
}

// Every truncation fails; every byte flip either fails or (when it hits bytes the reader
// ignores, such as a timestamp) decodes to the very same model. Nothing panics.
func TestUnmarshalCorrupt(t *testing.T) {
	g, f := loadGolden(t, "wiki")
	b, err := fitGolden(t, g, f).Model.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		var m famd.Model
		if err := m.UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("UnmarshalBinary(first %d of %d bytes) succeeded", n, len(b))
		}
	}
	accepted := 0
	for i := range b {
		c := slices.Clone(b)
		c[i] ^= 0x5a
		var m famd.Model
		if err := m.UnmarshalBinary(c); err != nil {
			continue
		}
		accepted++
		if again, err := m.MarshalBinary(); err != nil || !bytes.Equal(again, b) {
			t.Errorf("flipping byte %d decoded to a different model", i)
		}
	}
	t.Logf("%d of %d byte flips decode to the unchanged model", accepted, len(b))
	var m famd.Model
	if err := m.UnmarshalBinary(nil); err == nil {
		t.Error("UnmarshalBinary(nil) succeeded")
	}
}

func TestZeroModel(t *testing.T) {
	var m famd.Model
	if _, err := m.TransformRow(nil, nil, nil); err == nil {
		t.Error("TransformRow on a zero Model succeeded")
	}
	if _, _, err := m.Transform(context.Background(), synthFrame(10, 1)); err == nil {
		t.Error("Transform on a zero Model succeeded")
	}
	if _, err := m.MarshalBinary(); err == nil {
		t.Error("MarshalBinary on a zero Model succeeded")
	}
	if m.Loadings() != nil || m.NComponents() != 0 {
		t.Error("a zero Model has loadings or components")
	}
}

func TestTransformRowAllocs(t *testing.T) {
	g, f := loadGolden(t, "stores")
	m := fit(t, f, famd.Config{NComponents: g.NCP, Unseen: famd.UnseenZero}).Model
	num, cat := row(f, 5)
	cat[2] = frame.Missing
	dst := make([]float64, m.NComponents())
	if a := testing.AllocsPerRun(100, func() {
		if _, err := m.TransformRow(dst, num, cat); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("TransformRow allocates %v times per row; want 0", a)
	}
}
