package drift

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/storeseg/storeseg/model/frame"
)

func trainingFrame(rng *rand.Rand, n int, shift float64) (*frame.Frame, []int) {
	x := make([]float64, n)
	c := make([]int32, n)
	seg := make([]int, n)
	for i := range x {
		x[i] = rng.NormFloat64() + shift
		c[i] = int32(rng.IntN(3))
		seg[i] = 1 + rng.IntN(2)
	}
	return &frame.Frame{
		NumNames: []string{"x"}, Num: [][]float64{x},
		CatNames: []string{"c"}, Levels: [][]string{{"a", "b", "c"}}, Cat: [][]int32{c},
	}, seg
}

func TestPSIKnownValue(t *testing.T) {
	// Hand computation: (0.7−0.5)·ln(0.7/0.5) + (0.3−0.5)·ln(0.3/0.5).
	want := 0.2*math.Log(0.7/0.5) - 0.2*math.Log(0.3/0.5)
	if got := PSI([]float64{0.5, 0.5}, []float64{0.7, 0.3}, 0); math.Abs(got-want) > 1e-15 {
		t.Errorf("PSI = %v; want %v", got, want)
	}
}

func TestReferenceBins(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	f, seg := trainingFrame(rng, 10000, 0)
	ref, err := NewReference(f, seg, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ref.Numeric[0].Expected); got != 10 {
		t.Fatalf("numeric bins = %d; want 10", got)
	}
	for b, e := range ref.Numeric[0].Expected {
		if math.Abs(e-0.1) > 0.002 {
			t.Errorf("decile bin %d share = %v; want ≈ 0.1", b, e)
		}
	}
	if got := ref.Categorical[0].Expected[3]; got != 0 {
		t.Errorf("unseen bin share = %v; want 0", got)
	}
	// Ties collapse: a column with three distinct values gets at most three bins.
	g := &frame.Frame{NumNames: []string{"t"}, Num: [][]float64{{0, 0, 0, 0, 0, 0, 1, 1, 2, 2}}}
	ref2, err := NewReference(g, make([]int, 10), Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ref2.Numeric[0].Expected); got > 3 || got < 2 {
		t.Errorf("tied column bins = %d (edges %v); want 2 or 3", got, ref2.Numeric[0].Edges)
	}
	b, _ := json.Marshal(ref)
	var back Reference
	if err := json.Unmarshal(b, &back); err != nil || back.Validate() != nil {
		t.Fatalf("JSON round trip: %v / %v", err, back.Validate())
	}
}

func TestWindowDetectsShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	f, seg := trainingFrame(rng, 20000, 0)
	ref, err := NewReference(f, seg, Config{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWindow(ref, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if w.PSI() != nil {
		t.Error("empty window reported PSI")
	}
	observe := func(shift float64, n int, newLevel bool) {
		for range n {
			c := int32(rng.IntN(3))
			if newLevel {
				c = frame.Missing
			}
			row := frame.Row{Num: []float64{rng.NormFloat64() + shift}, Cat: []int32{c}}
			if err := w.Observe(row, 1+rng.IntN(2)); err != nil {
				t.Fatal(err)
			}
		}
	}
	observe(0, 5000, false)
	for _, p := range w.PSI() {
		if p.PSI > 0.05 {
			t.Errorf("stable data: %s PSI = %v; want < 0.05", p.Name, p.PSI)
		}
	}
	// The window slides: after 2000 shifted stores only shifted stores remain.
	observe(1.5, 2000, true)
	if w.Len() != 2000 {
		t.Errorf("Len = %d; want 2000", w.Len())
	}
	psi := w.PSI()
	if psi[0].Name != "x" || psi[0].PSI < 0.5 {
		t.Errorf("shifted x PSI = %+v; want > 0.5", psi[0])
	}
	if psi[1].PSI < 1 {
		t.Errorf("all-unseen categorical PSI = %v; want large", psi[1].PSI)
	}
	if psi[2].Name != "segment" || psi[2].PSI > 0.05 {
		t.Errorf("segment PSI = %+v; want stable", psi[2])
	}
}

func TestErrors(t *testing.T) {
	f, seg := trainingFrame(rand.New(rand.NewPCG(1, 1)), 10, 0)
	if _, err := NewReference(f, seg[:3], Config{}); err == nil {
		t.Error("NewReference accepted mismatched segments")
	}
	if _, err := NewReference(&frame.Frame{}, nil, Config{}); err == nil {
		t.Error("NewReference accepted an empty frame")
	}
	ref, _ := NewReference(f, seg, Config{})
	w, _ := NewWindow(ref, 5)
	if err := w.Observe(frame.Row{Num: []float64{1}}, 1); err == nil {
		t.Error("Observe accepted a row without its categorical value")
	}
	bad := *ref
	bad.Numeric = []Feature{{Name: "x", Edges: []float64{2, 1}, Expected: []float64{1, 0, 0}}}
	if err := bad.Validate(); err == nil {
		t.Error("Validate accepted unsorted edges")
	}
}
