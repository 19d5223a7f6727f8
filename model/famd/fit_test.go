package famd_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/frame"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  famd.Config
		want string // "" for valid
	}{
		{"zero", famd.Config{}, ""},
		{"default", famd.DefaultConfig(), ""},
		{"cumulative", famd.Config{MinCumulative: 80}, ""},
		{"cumulative 100", famd.Config{MinCumulative: 100}, ""},
		{"zero policy", famd.Config{Unseen: famd.UnseenZero, Workers: 3}, ""},
		{"negative components", famd.Config{NComponents: -1}, "NComponents -1"},
		{"cumulative above 100", famd.Config{MinCumulative: 100.5}, "MinCumulative 100.5"},
		{"cumulative negative", famd.Config{MinCumulative: -1}, "MinCumulative -1"},
		{"cumulative NaN", famd.Config{MinCumulative: math.NaN()}, "MinCumulative NaN"},
		{"both", famd.Config{NComponents: 3, MinCumulative: 50}, "both set"},
		{"policy", famd.Config{Unseen: 7}, "Unseen policy 7"},
		{"workers", famd.Config{Workers: -2}, "Workers -2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v; want %q", err, tc.want)
			}
		})
	}
	if got := famd.DefaultConfig().NComponents; got != 5 {
		t.Errorf("DefaultConfig().NComponents = %d; want 5 (FactoMineR ncp)", got)
	}
}

func TestFitBadInput(t *testing.T) {
	good := func() *frame.Frame {
		return &frame.Frame{
			NumNames: []string{"a", "b"}, Num: [][]float64{{1, 2, 3}, {4, 5, 7}},
			CatNames: []string{"k"}, Levels: [][]string{{"x", "y"}}, Cat: [][]int32{{0, 1, 1}},
		}
	}
	for _, tc := range []struct {
		name   string
		modify func(f *frame.Frame) *frame.Frame
		cfg    famd.Config
		want   string
	}{
		{"nil frame", func(*frame.Frame) *frame.Frame { return nil }, famd.Config{}, "nil frame"},
		{"nan", func(f *frame.Frame) *frame.Frame { f.Num[1][2] = math.NaN(); return f }, famd.Config{}, `numeric column "b" row 2`},
		{"inf", func(f *frame.Frame) *frame.Frame { f.Num[0][1] = math.Inf(-1); return f }, famd.Config{}, `numeric column "a" row 1`},
		{"missing level", func(f *frame.Frame) *frame.Frame { f.Cat[0][1] = frame.Missing; return f }, famd.Config{}, `categorical column "k" row 1: missing`},
		{"code out of range", func(f *frame.Frame) *frame.Frame { f.Cat[0][0] = 5; return f }, famd.Config{}, `"k" row 0: code 5`},
		{"ragged", func(f *frame.Frame) *frame.Frame { f.Num[1] = f.Num[1][:2]; return f }, famd.Config{}, `"b" has 2 rows`},
		{"zero rows", func(f *frame.Frame) *frame.Frame {
			f.Num, f.Cat = [][]float64{{}, {}}, [][]int32{{}}
			return f
		}, famd.Config{}, "no rows"},
		{"one row", func(f *frame.Frame) *frame.Frame {
			f.Num, f.Cat = [][]float64{{1}, {2}}, [][]int32{{0}}
			return f
		}, famd.Config{}, "1 row"},
		{"no columns", func(*frame.Frame) *frame.Frame { return &frame.Frame{IDs: []string{"s1", "s2"}} }, famd.Config{}, "no columns"},
		{"duplicate name", func(f *frame.Frame) *frame.Frame { f.CatNames[0] = "a"; return f }, famd.Config{}, `duplicate column name "a"`},
		{"constant", func(f *frame.Frame) *frame.Frame {
			f.Num = [][]float64{{1, 1, 1}, {2, 2, 2}}
			f.Cat = [][]int32{{1, 1, 1}}
			return f
		}, famd.Config{}, "every column is constant"},
		{"bad config", func(f *frame.Frame) *frame.Frame { return f }, famd.Config{Workers: -1}, "Workers -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := famd.Fit(context.Background(), tc.modify(good()), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Fit error = %v; want one containing %q", err, tc.want)
			}
			if res != nil {
				t.Errorf("Fit returned a result with error %v", err)
			}
		})
	}
	if _, err := famd.Fit(context.Background(), good(), famd.Config{}); err != nil {
		t.Errorf("Fit(good frame) = %v", err)
	}
}

func TestFitCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := famd.Fit(ctx, synthFrame(100, 1), famd.Config{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit(cancelled) = %v; want context.Canceled", err)
	}
}

// The component cap and its rank-deficient cases: two rows keep one component; a frame
// with fewer rows than coded columns is capped at n−1.
func TestComponentCap(t *testing.T) {
	two := &frame.Frame{
		NumNames: []string{"a"}, Num: [][]float64{{1, 3}},
		CatNames: []string{"k", "j"}, Levels: [][]string{{"x", "y"}, {"u", "v", "w"}}, Cat: [][]int32{{0, 1}, {2, 0}},
	}
	res := fit(t, two, famd.Config{NComponents: 4})
	if k := res.Model.NComponents(); k != 1 || len(res.Eigenvalues) != 1 {
		t.Fatalf("two rows: NComponents() = %d with %d eigenvalues; want 1 and 1", k, len(res.Eigenvalues))
	}
	// Level "v" is unused and dropped: the inertia is 1 (a) + 1 (k) + 1 (j, two levels in use).
	if got := res.Eigenvalues[0]; !scalar.EqualWithinAbsOrRel(got, 3, 1e-12, 1e-12) {
		t.Errorf("two rows: eigenvalue = %v; want 3 (all inertia on one axis)", got)
	}
	if d := res.Coord.At(0, 0) + res.Coord.At(1, 0); math.Abs(d) > 1e-12 {
		t.Errorf("two rows: coordinates %v do not sum to 0", res.Coord.RawMatrix().Data)
	}
	_, err := res.Model.TransformRow(make([]float64, 1), []float64{2}, []int32{0, 1})
	if !errors.Is(err, famd.ErrUnseenLevel) {
		t.Errorf("TransformRow(level unused at fit) = %v; want ErrUnseenLevel", err)
	}
}

func TestMinCumulative(t *testing.T) {
	f := synthFrame(3000, 3)
	full := fit(t, f, famd.Config{NComponents: 1000})
	for _, target := range []float64{1, 25, 50, 80, 99.9, 100} {
		res := fit(t, f, famd.Config{MinCumulative: target})
		k := res.Model.NComponents()
		if full.Cumulative[k-1] < target-1e-9 || (k > 1 && full.Cumulative[k-2] >= target) {
			t.Errorf("MinCumulative %v kept %d components (cumulative %v)", target, k, full.Cumulative[:k])
		}
	}
}

// Invariants on a larger synthetic fit: orthonormal loadings, component variances equal
// to the eigenvalues, zero-mean coordinates, contributions summing to 100, the eigenvalues
// summing to the inertia (number of numeric columns + Σ(L_q − 1)).
func TestInvariants(t *testing.T) {
	f := synthFrame(5000, 4)
	res := fit(t, f, famd.Config{NComponents: 12})
	n, k := res.Coord.Dims()
	v := res.Model.Loadings()
	var vtv mat.Dense
	vtv.Mul(v.T(), v)
	if !mat.EqualApprox(&vtv, eye(k), 1e-12) {
		t.Errorf("VᵀV ≠ I:\n%v", mat.Formatted(&vtv))
	}
	contrib := res.RowContrib()
	for c := range k {
		col := mat.Col(nil, c, res.Coord)
		mean := floats.Sum(col) / float64(n)
		variance := floats.Dot(col, col)/float64(n) - mean*mean
		if !scalar.EqualWithinAbsOrRel(variance, res.Eigenvalues[c], 1e-10, 1e-10) || math.Abs(mean) > 1e-10 {
			t.Errorf("component %d: mean %v, variance %v; want 0 and λ = %v", c, mean, variance, res.Eigenvalues[c])
		}
		for _, tab := range []struct {
			name string
			m    *mat.Dense
		}{{"row", contrib}, {"var", res.Vars.Contrib}} {
			if s := floats.Sum(mat.Col(nil, c, tab.m)); !scalar.EqualWithinAbsOrRel(s, 100, 1e-10, 1e-10) {
				t.Errorf("component %d: %s contributions sum to %v; want 100", c, tab.name, s)
			}
		}
		// An eigenvalue is the sum of the r² and η² of the variables with its component.
		if s := floats.Sum(mat.Col(nil, c, res.Vars.Coord)); !scalar.EqualWithinAbsOrRel(s, res.Eigenvalues[c], 1e-10, 1e-10) {
			t.Errorf("component %d: Σ var coord = %v; want λ = %v", c, s, res.Eigenvalues[c])
		}
	}
	inertia := 10.0
	for _, l := range synthLevels {
		inertia += float64(l - 1)
	}
	if s := floats.Sum(res.Eigenvalues); !scalar.EqualWithinAbsOrRel(s, inertia, 1e-10, 1e-10) || res.Model.Inertia() != inertia {
		t.Errorf("Σλ = %v, Inertia() = %v; want %v", s, res.Model.Inertia(), inertia)
	}
	if got := res.Cumulative[len(res.Cumulative)-1]; !scalar.EqualWithinAbsOrRel(got, 100, 1e-10, 1e-10) {
		t.Errorf("cumulative percentage ends at %v; want 100", got)
	}
}

func eye(k int) *mat.Dense {
	m := mat.NewDense(k, k, nil)
	for i := range k {
		m.Set(i, i, 1)
	}
	return m
}
