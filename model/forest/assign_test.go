package forest_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/forest"
)

// clusters returns three well-separated 2-d blobs of 40 points (ids 4, 7, 9) with HDBSCAN-
// like probabilities (half of each blob at 1, the rest 0.2–0.45), followed by noise points
// each placed next to one blob; want is the blob each noise point belongs to.
func clusters() (x *mat.Dense, labels []int, prob []float64, want []int) {
	r := rand.New(rand.NewPCG(3, 4))
	centers := map[int][2]float64{4: {0, 0}, 7: {10, 0}, 9: {0, 10}}
	var data []float64
	for _, id := range []int{4, 7, 9} {
		for i := range 40 {
			c := centers[id]
			data = append(data, c[0]+r.NormFloat64(), c[1]+r.NormFloat64())
			labels = append(labels, id)
			p := 1.0
			if i%2 == 1 {
				p = 0.2 + 0.25*r.Float64()
			}
			prob = append(prob, p)
		}
	}
	for _, id := range []int{7, 4, 9, 9, 7} {
		c := centers[id]
		data = append(data, c[0]+2.5, c[1]-2.5)
		labels, prob, want = append(labels, -1), append(prob, 0), append(want, id)
	}
	return mat.NewDense(len(labels), 2, data), labels, prob, want
}

func TestAssignNoise(t *testing.T) {
	x, labels, prob, want := clusters()
	cfg := forest.DefaultAssignConfig()
	cfg.Forest.NEstimators = 30
	a, err := forest.AssignNoise(context.Background(), x, labels, prob, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.CorePoints != 60 { // the 20 points of probability 1 per blob
		t.Errorf("CorePoints = %d; want 60", a.CorePoints)
	}
	members := len(labels) - len(want)
	for i := range labels {
		if i < members {
			if a.Segment[i] != labels[i] || a.Source[i] != forest.Core {
				t.Errorf("member %d: segment %d (%v); want %d (core)", i, a.Segment[i], a.Source[i], labels[i])
			}
		} else if j := i - members; a.Segment[i] != want[j] || a.Source[i] != forest.Inferred {
			t.Errorf("noise %d: segment %d (%v); want %d (inferred)", i, a.Segment[i], a.Source[i], want[j])
		}
		if c := a.Confidence[i]; !(c > 0.5 && c <= 1) {
			t.Errorf("point %d: confidence %v; want a confident (0.5, 1] on separated blobs", i, c)
		}
	}
	// A core point's confidence is its out-of-bag probability (row 0 is core, class 4 is
	// the first class).
	if got, want := a.Confidence[0], a.Classifier.OOBDecision().At(0, 0); got != want {
		t.Errorf("core confidence %v; want the OOB probability %v", got, want)
	}
	// A noise point's confidence is its winning probability.
	p := make([]float64, 3)
	a.Classifier.PredictProba(p, x.RawRowView(members))
	if got := a.Confidence[members]; got != max(p[0], p[1], p[2]) {
		t.Errorf("noise confidence %v; want the winning probability of %v", got, p)
	}
	if a.Source[0].String() != "core" || a.Source[members].String() != "inferred" {
		t.Errorf("Source strings %q, %q", a.Source[0], a.Source[members])
	}
}

// TestAssignNoiseClusterWithoutCore: with a threshold above blob 9's probabilities, its
// members keep their label with confidence 0 and no noise point can join it.
func TestAssignNoiseClusterWithoutCore(t *testing.T) {
	x, labels, prob, _ := clusters()
	for i, l := range labels {
		if l == 9 {
			prob[i] = 0.3
		}
	}
	cfg := forest.DefaultAssignConfig()
	cfg.Forest.NEstimators = 10
	a, err := forest.AssignNoise(context.Background(), x, labels, prob, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Classifier.Classes(); len(got) != 2 {
		t.Fatalf("Classes() = %v; want [4 7]", got)
	}
	for i, l := range labels {
		switch {
		case l == 9 && (a.Segment[i] != 9 || a.Confidence[i] != 0):
			t.Errorf("member %d of cluster 9: segment %d confidence %v; want 9, 0", i, a.Segment[i], a.Confidence[i])
		case l == -1 && a.Segment[i] == 9:
			t.Errorf("noise %d assigned to cluster 9, which has no core point", i)
		}
	}
}

func TestAssignNoiseSingleClass(t *testing.T) {
	x := mat.NewDense(5, 1, []float64{1, 2, 3, 50, -50})
	a, err := forest.AssignNoise(context.Background(), x, []int{2, 2, 2, -1, -1}, nil, forest.DefaultAssignConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if a.Segment[i] != 2 || a.Confidence[i] != 1 {
			t.Errorf("point %d: segment %d confidence %v; want 2 with confidence 1", i, a.Segment[i], a.Confidence[i])
		}
	}
}

func TestAssignNoiseErrors(t *testing.T) {
	x := mat.NewDense(3, 1, []float64{1, 2, 3})
	nan := mat.NewDense(3, 1, []float64{1, math.NaN(), 3})
	def := forest.DefaultAssignConfig()
	tests := []struct {
		name   string
		x      *mat.Dense
		labels []int
		prob   []float64
		cfg    forest.AssignConfig
		is     error
	}{
		{"all noise", x, []int{-1, -1, -1}, nil, def, forest.ErrNoCorePoints},
		{"below threshold", x, []int{0, 1, -1}, []float64{0.1, 0.2, 0}, def, forest.ErrNoCorePoints},
		{"bad label", x, []int{0, -2, 1}, nil, def, nil},
		{"bad probability", x, []int{0, 1, 1}, []float64{1, math.NaN(), 1}, def, nil},
		{"probability above 1", x, []int{0, 1, 1}, []float64{1, 1.5, 1}, def, nil},
		{"label count", x, []int{0, 1}, nil, def, nil},
		{"probability count", x, []int{0, 1, 1}, []float64{1}, def, nil},
		{"non-finite x", nan, []int{0, 1, -1}, nil, def, nil},
		{"nil x", nil, []int{0}, nil, def, nil},
		{"threshold", x, []int{0, 1, 1}, nil, forest.AssignConfig{CoreThreshold: 2}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := forest.AssignNoise(context.Background(), tt.x, tt.labels, tt.prob, tt.cfg)
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("AssignNoise() error = %v; want an error (%v)", err, tt.is)
			}
		})
	}
}
