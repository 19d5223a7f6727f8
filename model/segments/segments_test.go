package segments

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/model/frame"
)

// bruteAssignment finds the maximum total weight over all partial matchings by enumeration.
func bruteAssignment(w [][]float64, rows, cols int) float64 {
	best := 0.0
	usedCol := make([]bool, cols)
	var rec func(i int, sum float64)
	rec = func(i int, sum float64) {
		if i == rows {
			best = max(best, sum)
			return
		}
		rec(i+1, sum)
		for j := 0; j < cols; j++ {
			if !usedCol[j] {
				usedCol[j] = true
				rec(i+1, sum+w[i][j])
				usedCol[j] = false
			}
		}
	}
	rec(0, 0)
	return best
}

func TestMaxAssignmentMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 300; trial++ {
		rows, cols := 1+rng.IntN(5), 1+rng.IntN(5)
		w := make([][]float64, rows)
		for i := range w {
			w[i] = make([]float64, cols)
			for j := range w[i] {
				w[i][j] = float64(rng.IntN(20))
			}
		}
		got := maxAssignment(w, rows, cols)
		sum := 0.0
		usedCol := map[int]bool{}
		for i, j := range got {
			if j < 0 {
				continue
			}
			if usedCol[j] {
				t.Fatalf("trial %d: column %d assigned twice: %v", trial, j, got)
			}
			usedCol[j] = true
			sum += w[i][j]
		}
		if want := bruteAssignment(w, rows, cols); sum != want {
			t.Fatalf("trial %d: maxAssignment(%v) total = %v; want %v", trial, w, sum, want)
		}
	}
}

func TestMatchKeepsRenamedClusters(t *testing.T) {
	// Old segments 7 and 9; the new clustering numbers them the other way round and adds a
	// new cluster taken from nowhere (new stores).
	prev := []int{7, 7, 7, 7, 9, 9, 9, 9, 9, 9, None, None, None}
	next := []int{1, 1, 1, 1, 0, 0, 0, 0, 0, 2, 2, 2, 2}
	m, err := Match(prev, next, 3, 10, MatchConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int{9, 7, 10}, m.IDs); d != "" {
		t.Errorf("IDs mismatch (-want +got):\n%s", d)
	}
	if m.NextID != 11 {
		t.Errorf("NextID = %d; want 11", m.NextID)
	}
	kinds := map[Kind]int{}
	for _, tr := range m.Transitions {
		kinds[tr.Kind]++
	}
	if d := cmp.Diff(map[Kind]int{Kept: 2, Born: 1}, kinds); d != "" {
		t.Errorf("transition kinds (-want +got):\n%s\n%+v", d, m.Transitions)
	}
}

func TestMatchSplitMergeDied(t *testing.T) {
	// Old 1 splits into new 0 and 1; old 2 and 3 merge into new 2; old 4 dies (its stores are
	// gone from the snapshot... here: they move to new 2 in a small share).
	prev := []int{1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4}
	next := []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2}
	m, err := Match(prev, next, 3, 5, MatchConfig{MinJaccard: 0.4})
	if err != nil {
		t.Fatal(err)
	}
	got := map[Kind][]Transition{}
	for _, tr := range m.Transitions {
		got[tr.Kind] = append(got[tr.Kind], tr)
	}
	if len(got[Split]) != 1 || got[Split][0].From[0] != 1 || len(got[Split][0].To) != 2 {
		t.Errorf("split rows = %+v; want old 1 split in two", got[Split])
	}
	if len(got[Merged]) != 1 || len(got[Merged][0].From) != 2 {
		t.Errorf("merged rows = %+v; want two old segments merged", got[Merged])
	}
	if len(got[Died]) < 1 {
		t.Errorf("died rows = %+v; want old 4 (and the unmatched half of the merge) dead", got[Died])
	}
	seen := map[int]bool{}
	for _, id := range m.IDs {
		if seen[id] {
			t.Errorf("id %d given twice: %v", id, m.IDs)
		}
		seen[id] = true
	}
}

func TestMatchNoPreviousModel(t *testing.T) {
	prev := []int{None, None, None}
	m, err := Match(prev, []int{0, 1, 1}, 2, 1, MatchConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int{1, 2}, m.IDs); d != "" {
		t.Errorf("IDs (-want +got):\n%s", d)
	}
}

func TestMatchErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		prev, next []int
		k, nextID  int
		cfg        MatchConfig
	}{
		{"length", []int{1}, []int{0, 0}, 1, 2, MatchConfig{}},
		{"label out of range", []int{1}, []int{3}, 1, 2, MatchConfig{}},
		{"id reused", []int{5}, []int{0}, 1, 3, MatchConfig{}},
		{"bad jaccard", []int{1}, []int{0}, 1, 2, MatchConfig{MinJaccard: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Match(tc.prev, tc.next, tc.k, tc.nextID, tc.cfg); err == nil {
				t.Errorf("Match(%v, %v) succeeded; want error", tc.prev, tc.next)
			}
		})
	}
}

func TestProfilesAndNames(t *testing.T) {
	// Segment 1: big stores out of town; segment 2: small city stores.
	area := []float64{900, 1000, 1100, 950, 50, 60, 40, 55}
	f := &frame.Frame{
		NumNames: []string{"sales_area_m2", "noise"},
		Num:      [][]float64{area, {1, 2, 1, 2, 1, 2, 1, 2}},
		CatNames: []string{"placement"},
		Levels:   [][]string{{"city-centre", "out-of-town"}},
		Cat:      [][]int32{{1, 1, 1, 1, 0, 0, 0, 0}},
	}
	raw := &frame.Frame{NumNames: f.NumNames, Num: [][]float64{area, {1, math.NaN(), 1, 2, 1, 2, 1, 2}},
		CatNames: f.CatNames, Levels: f.Levels, Cat: f.Cat}
	cfg := ProfileConfig{Words: map[string]Words{"sales_area_m2": {High: "large", Low: "small"}}}
	ps, err := Profiles(f, raw, []int{1, 1, 1, 1, 2, 2, 2, 2}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Strongest trait first: the placement indicator (effect 1) beats the area (effect < 1,
	// as the segment's stores differ among themselves).
	if got, want := ps[0].Name, "out-of-town · large"; got != want {
		t.Errorf("segment 1 name = %q; want %q", got, want)
	}
	if got, want := ps[1].Name, "city-centre · small"; got != want {
		t.Errorf("segment 2 name = %q; want %q", got, want)
	}
	if ps[0].Numeric[0].Feature != "sales_area_m2" || ps[0].Numeric[0].Median != 975 {
		t.Errorf("segment 1 top numeric = %+v; want sales_area_m2 with median 975", ps[0].Numeric[0])
	}
	if ps[0].Size != 4 || ps[0].Share != 0.5 {
		t.Errorf("segment 1 size %d share %v; want 4 and 0.5", ps[0].Size, ps[0].Share)
	}
}

func TestNamesAreUnique(t *testing.T) {
	f := &frame.Frame{NumNames: []string{"x"}, Num: [][]float64{{1, 1, 1, 1}}}
	ps, err := Profiles(f, nil, []int{1, 1, 2, 2}, ProfileConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if ps[0].Name == ps[1].Name {
		t.Errorf("names %q and %q are equal", ps[0].Name, ps[1].Name)
	}
}
