package validity_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/validity"
)

// threeBlobs returns a seeded data set: clusters of the given sizes around well separated
// centres in d dimensions, then noise rows labelled −1.
func threeBlobs(sizes []int, noise, d int, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, seed))
	n := noise
	for _, s := range sizes {
		n += s
	}
	x := mat.NewDense(n, d, nil)
	labels := make([]int, 0, n)
	r := 0
	for c, s := range sizes {
		for range s {
			for j := range d {
				x.Set(r, j, float64(4*c*(1-2*(j%2)))+rng.NormFloat64()*0.5)
			}
			labels = append(labels, c)
			r++
		}
	}
	for ; r < n; r++ {
		for j := range d {
			x.Set(r, j, rng.Float64()*16-8)
		}
		labels = append(labels, -1)
	}
	return x, labels
}

func TestDBCVErrors(t *testing.T) {
	ctx := context.Background()
	x, labels := threeBlobs([]int{10, 10}, 2, 2, 1)
	nanX := mat.DenseCopyOf(x)
	nanX.Set(3, 1, math.NaN())
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		x      *mat.Dense
		labels []int
		cfg    validity.Config
		want   error
		text   string
	}{
		{"nil matrix", ctx, nil, nil, validity.Config{}, validity.ErrEmpty, ""},
		{"length mismatch", ctx, x, labels[:5], validity.Config{}, validity.ErrLengthMismatch, "5 labels against 22 rows"},
		{"all noise", ctx, x, make([]int, 22, 22), validity.Config{}, nil, ""},
		{"every label negative", ctx, x, fill(22, -1), validity.Config{}, validity.ErrNoClusters, ""},
		{"labels below -1 are noise too", ctx, x, fill(22, -3), validity.Config{}, validity.ErrNoClusters, ""},
		{"singleton cluster", ctx, x, append(fill(21, 0), 7), validity.Config{}, validity.ErrSingletonCluster, "cluster 7 (row 21)"},
		{"NaN in a cluster row", ctx, nanX, labels, validity.Config{}, validity.ErrNonFinite, "row 3, column 1 (NaN)"},
		{"negative workers", ctx, x, labels, validity.Config{Workers: -1}, nil, "workers -1 is negative"},
		{"cancelled", cancelled, x, labels, validity.Config{}, context.Canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validity.DBCV(tt.ctx, tt.x, tt.labels, tt.cfg)
			if tt.want == nil && tt.text == "" {
				if err != nil {
					t.Fatalf("DBCV error = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("DBCV error = nil; want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("DBCV error = %v; want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("DBCV error = %q; want it to mention %q", err, tt.text)
			}
		})
	}
}

func fill(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestDBCVSingleClusterIsNaN(t *testing.T) {
	x, _ := threeBlobs([]int{30}, 5, 3, 2)
	labels := append(fill(30, 4), fill(5, -1)...)
	got, err := validity.DBCV(context.Background(), x, labels, validity.Config{})
	if err != nil {
		t.Fatalf("DBCV: %v", err)
	}
	c := got.Clusters[0]
	if !math.IsNaN(got.Score) || !math.IsNaN(got.PerCluster[4]) || !math.IsInf(c.Separation, 1) {
		t.Errorf("DBCV = %v, per cluster %v, separation %v; want NaN, NaN, +Inf", got.Score, got.PerCluster, c.Separation)
	}
	if c.Label != 4 || c.Size != 30 || !(c.Sparseness > 0) {
		t.Errorf("cluster = %+v; want label 4, size 30, positive sparseness", c)
	}
}

func TestDBCVTwoPoints(t *testing.T) {
	x := mat.NewDense(2, 2, []float64{0, 0, 3, 4})
	got, err := validity.DBCV(context.Background(), x, []int{0, 0}, validity.Config{})
	if err != nil {
		t.Fatalf("DBCV: %v", err)
	}
	// acore of both points is 5, the single edge weighs 5 and there is no other cluster.
	if c := got.Clusters[0]; c.Sparseness != 5 || c.Internal != 1 || !math.IsNaN(got.Score) {
		t.Errorf("DBCV = %v, cluster %+v; want NaN, sparseness 5, 1 internal vertex", got.Score, c)
	}
	if _, err := validity.DBCV(context.Background(), x, []int{0, 1}, validity.Config{}); !errors.Is(err, validity.ErrSingletonCluster) {
		t.Errorf("DBCV of two singletons error = %v; want ErrSingletonCluster", err)
	}
}

// TestDBCVHandComputed checks a case small enough to follow by hand: two clusters of three
// collinear points at unit spacing, 10 apart, plus one noise point, in 1 dimension (d = 1).
func TestDBCVHandComputed(t *testing.T) {
	x := mat.NewDense(7, 1, []float64{0, 1, 2, 12, 13, 14, 100})
	labels := []int{0, 0, 0, 1, 1, 1, -1}
	got, err := validity.DBCV(context.Background(), x, labels, validity.Config{})
	if err != nil {
		t.Fatalf("DBCV: %v", err)
	}
	// acore: ends (1/1 + 1/2)/2 = 3/4 → 4/3; middle (1 + 1)/2 = 1 → 1.
	// MST: 0–1 and 1–2 with weight max(1, 4/3, 1) = 4/3; the middle point is the only
	// internal vertex, so there is no internal edge and DSC = max of all edges = 4/3.
	// Separation between the middle points: max(12, 1, 1) = 12.
	// V = (12 − 4/3)/12 = 8/9 for both; DBCV = 6/7 · 8/9 (hdbscan 0.8.44 agrees).
	v := 8.0 / 9
	for _, c := range got.Clusters {
		if math.Abs(c.Score-v) > 1e-15 || math.Abs(c.Sparseness-4.0/3) > 1e-15 || c.Separation != 12 || c.Internal != 1 {
			t.Errorf("cluster %+v; want score %v, sparseness 4/3, separation 12, 1 internal", c, v)
		}
	}
	if want := 6.0 / 7 * v; math.Abs(got.Score-want) > 1e-15 {
		t.Errorf("DBCV = %v; want %v", got.Score, want)
	}
}

func TestDBCVIgnoresNoiseRows(t *testing.T) {
	x, labels := threeBlobs([]int{20, 25, 15}, 10, 3, 3)
	want, err := validity.DBCV(context.Background(), x, labels, validity.Config{})
	if err != nil {
		t.Fatalf("DBCV: %v", err)
	}
	y := mat.DenseCopyOf(x)
	for i, l := range labels {
		if l < 0 {
			y.SetRow(i, []float64{math.NaN(), math.Inf(1), 1e300})
		}
	}
	got, err := validity.DBCV(context.Background(), y, labels, validity.Config{})
	if err != nil {
		t.Fatalf("DBCV with non-finite noise rows: %v", err)
	}
	assertSameDBCV(t, got, want)
}

// TestDBCVScaleInvariant checks the numerics far from unit scale: scaling up by a power of
// two changes no bit, and any other factor stays within rounding; distances are reported in
// the caller's units. (Scaling down is not invariant in the reference either: numpy.isclose's
// absolute tolerance 1e-8 then changes the MST parents; the tiny2d fixture covers that.)
func TestDBCVScaleInvariant(t *testing.T) {
	x, labels := threeBlobs([]int{40, 30, 20}, 10, 4, 4)
	base, err := validity.DBCV(context.Background(), x, labels, validity.Config{})
	if err != nil {
		t.Fatalf("DBCV: %v", err)
	}
	for _, f := range []float64{0x1p900, 1e150, 1e300} {
		var y mat.Dense
		y.Scale(f, x)
		got, err := validity.DBCV(context.Background(), &y, labels, validity.Config{})
		if err != nil {
			t.Fatalf("DBCV scaled by %g: %v", f, err)
		}
		tol := 1e-12
		if f == 0x1p900 {
			tol = 0 // exact power of two
		}
		if math.Abs(got.Score-base.Score) > tol {
			t.Errorf("DBCV scaled by %g = %.17g; unscaled %.17g", f, got.Score, base.Score)
		}
		for i, c := range got.Clusters {
			if w := base.Clusters[i].Sparseness * f; math.Abs(c.Sparseness-w) > 1e-12*w {
				t.Errorf("scaled by %g: sparseness %v; want %v", f, c.Sparseness, w)
			}
		}
	}
}

// TestDBCVHighDimensionIsFinite uses d = 400, where hdbscan's (1/D)^d overflows or
// underflows and its scores become meaningless; the result must be a proper score.
func TestDBCVHighDimensionIsFinite(t *testing.T) {
	x, labels := threeBlobs([]int{15, 15, 15}, 0, 400, 5)
	got, err := validity.DBCV(context.Background(), x, labels, validity.Config{})
	if err != nil {
		t.Fatalf("DBCV: %v", err)
	}
	if !(got.Score >= -1 && got.Score <= 1) {
		t.Fatalf("DBCV in 400 dimensions = %v; want a score in [-1, 1]", got.Score)
	}
	for _, c := range got.Clusters {
		if math.IsInf(c.Sparseness, 0) || !(c.Sparseness > 0) || math.IsInf(c.Separation, 0) {
			t.Errorf("cluster %+v has a degenerate sparseness or separation", c)
		}
	}
}

func TestDBCVWorkersIdentical(t *testing.T) {
	x, labels := threeBlobs([]int{300, 200, 120, 3}, 40, 5, 6)
	want, err := validity.DBCV(context.Background(), x, labels, validity.Config{Workers: 1})
	if err != nil {
		t.Fatalf("DBCV: %v", err)
	}
	for _, w := range []int{2, 4, 7} {
		got, err := validity.DBCV(context.Background(), x, labels, validity.Config{Workers: w})
		if err != nil {
			t.Fatalf("DBCV with %d workers: %v", w, err)
		}
		assertSameDBCV(t, got, want)
	}
}
