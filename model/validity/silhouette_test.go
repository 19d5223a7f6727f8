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

// TestSilhouetteHandComputed: points 0, 1 (label 5) and 4, 6 (label −1) on a line.
// s(0) = (5 − 1)/5, s(1) = (4 − 1)/4, s(4) = (3.5 − 2)/3.5, s(6) = (5.5 − 2)/5.5.
func TestSilhouetteHandComputed(t *testing.T) {
	x := mat.NewDense(4, 1, []float64{0, 1, 4, 6})
	labels := []int{5, 5, -1, -1}
	got, err := validity.SilhouetteSamples(context.Background(), x, labels, validity.SilhouetteConfig{})
	if err != nil {
		t.Fatalf("SilhouetteSamples: %v", err)
	}
	want := []float64{4.0 / 5, 3.0 / 4, 1.5 / 3.5, 3.5 / 5.5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("s(%d) = %v; want %v", i, got[i], want[i])
		}
	}
	mean, err := validity.Silhouette(context.Background(), x, labels, validity.SilhouetteConfig{})
	if w := (want[0] + want[1] + want[2] + want[3]) / 4; err != nil || math.Abs(mean-w) > 1e-15 {
		t.Errorf("Silhouette = %v, %v; want %v", mean, err, w)
	}
}

func TestSilhouetteSingletonScoresZero(t *testing.T) {
	x := mat.NewDense(4, 1, []float64{0, 1, 2, 10})
	got, err := validity.SilhouetteSamples(context.Background(), x, []int{0, 0, 0, 1}, validity.SilhouetteConfig{})
	if err != nil {
		t.Fatalf("SilhouetteSamples: %v", err)
	}
	if got[3] != 0 {
		t.Errorf("s(singleton) = %v; want 0", got[3])
	}
}

func TestSilhouetteErrors(t *testing.T) {
	ctx := context.Background()
	x, labels := threeBlobs([]int{10, 10}, 3, 2, 7)
	nanX := mat.DenseCopyOf(x)
	nanX.Set(21, 0, math.Inf(-1)) // a noise row
	tests := []struct {
		name   string
		x      *mat.Dense
		labels []int
		cfg    validity.SilhouetteConfig
		want   error
		text   string
	}{
		{"nil matrix", nil, nil, validity.SilhouetteConfig{}, validity.ErrEmpty, ""},
		{"length mismatch", x, labels[1:], validity.SilhouetteConfig{}, validity.ErrLengthMismatch, ""},
		{"one label", x, fill(23, 3), validity.SilhouetteConfig{}, validity.ErrLabelCount, "1 distinct labels over 23 points"},
		{"one label once noise is excluded", x, append(fill(20, 0), -1, -1, -1), validity.SilhouetteConfig{ExcludeNoise: true}, validity.ErrLabelCount, ""},
		{"all noise excluded", x, fill(23, -1), validity.SilhouetteConfig{ExcludeNoise: true}, validity.ErrLabelCount, "0 distinct labels over 0 points"},
		{"n labels", x, seq(23), validity.SilhouetteConfig{}, validity.ErrLabelCount, "23 distinct labels over 23 points"},
		{"non-finite noise row included", nanX, labels, validity.SilhouetteConfig{}, validity.ErrNonFinite, "row 21, column 0 (-Inf)"},
		{"sample size without Rand", x, labels, validity.SilhouetteConfig{SampleSize: 5}, nil, "needs a random source"},
		{"negative sample size", x, labels, validity.SilhouetteConfig{SampleSize: -1}, nil, "sample size -1"},
		{"negative workers", x, labels, validity.SilhouetteConfig{Workers: -2}, nil, "workers -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validity.Silhouette(ctx, tt.x, tt.labels, tt.cfg)
			if err == nil {
				t.Fatal("Silhouette error = nil; want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Silhouette error = %v; want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Silhouette error = %q; want it to mention %q", err, tt.text)
			}
		})
	}
	// The same non-finite noise row is fine once noise is excluded.
	if _, err := validity.Silhouette(ctx, nanX, labels, validity.SilhouetteConfig{ExcludeNoise: true}); err != nil {
		t.Errorf("Silhouette excluding a non-finite noise row: %v", err)
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestSilhouetteSample checks that a sampled score is exactly the score of the drawn rows,
// that the draw is reproducible from the seed, and that a sample as large as the data
// scores everything.
func TestSilhouetteSample(t *testing.T) {
	ctx := context.Background()
	x, labels := threeBlobs([]int{60, 50, 40}, 30, 3, 8)
	cfg := validity.SilhouetteConfig{ExcludeNoise: true, SampleSize: 50, Rand: rand.New(rand.NewPCG(1, 1))}
	got, err := validity.SilhouetteSamples(ctx, x, labels, cfg)
	if err != nil {
		t.Fatalf("SilhouetteSamples: %v", err)
	}
	var rows []int
	for i, s := range got {
		if !math.IsNaN(s) {
			rows = append(rows, i)
			if labels[i] < 0 {
				t.Fatalf("noise row %d was sampled", i)
			}
		}
	}
	if len(rows) != 50 {
		t.Fatalf("%d rows scored; want 50", len(rows))
	}
	sub := mat.NewDense(len(rows), 3, nil)
	subLabels := make([]int, len(rows))
	for k, r := range rows {
		sub.SetRow(k, x.RawRowView(r))
		subLabels[k] = labels[r]
	}
	want, err := validity.SilhouetteSamples(ctx, sub, subLabels, validity.SilhouetteConfig{})
	if err != nil {
		t.Fatalf("SilhouetteSamples of the subset: %v", err)
	}
	for k, r := range rows {
		if math.Float64bits(got[r]) != math.Float64bits(want[k]) {
			t.Fatalf("sampled s(%d) = %v; subset gives %v", r, got[r], want[k])
		}
	}
	cfg.Rand = rand.New(rand.NewPCG(1, 1))
	s1, _ := validity.Silhouette(ctx, x, labels, cfg)
	cfg.Rand = rand.New(rand.NewPCG(1, 1))
	s2, _ := validity.Silhouette(ctx, x, labels, cfg)
	if s1 != s2 {
		t.Errorf("same seed gave %v and %v", s1, s2)
	}
	cfg.SampleSize = 10000
	all, err := validity.Silhouette(ctx, x, labels, cfg)
	full, _ := validity.Silhouette(ctx, x, labels, validity.SilhouetteConfig{ExcludeNoise: true})
	if err != nil || all != full {
		t.Errorf("Silhouette with a sample larger than the data = %v, %v; want %v", all, err, full)
	}
}

func TestSilhouetteCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x, labels := threeBlobs([]int{10, 10}, 0, 2, 9)
	if _, err := validity.Silhouette(ctx, x, labels, validity.SilhouetteConfig{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Silhouette error = %v; want context.Canceled", err)
	}
}

func TestSilhouetteWorkersIdentical(t *testing.T) {
	x, labels := threeBlobs([]int{300, 200, 120, 1}, 40, 5, 10)
	many := make([]int, len(labels)) // 60 small clusters: the row-wise path
	for i := range many {
		many[i] = i % 60
	}
	for _, lab := range [][]int{labels, many} {
		want, err := validity.SilhouetteSamples(context.Background(), x, lab, validity.SilhouetteConfig{Workers: 1})
		if err != nil {
			t.Fatalf("SilhouetteSamples: %v", err)
		}
		for _, w := range []int{2, 4, 7} {
			got, err := validity.SilhouetteSamples(context.Background(), x, lab, validity.SilhouetteConfig{Workers: w})
			if err != nil {
				t.Fatalf("SilhouetteSamples with %d workers: %v", w, err)
			}
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("%d workers: s(%d) = %v; 1 worker %v", w, i, got[i], want[i])
				}
			}
		}
	}
}
