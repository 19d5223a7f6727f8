package validity_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/storeseg/storeseg/model/validity"
)

// Expected values follow the formula by hand; hdbscan 0.8.44's relative_validity_ (labels_
// and _min_spanning_tree set on an HDBSCAN object) gives the same numbers.
func TestRelativeValidity(t *testing.T) {
	// A path 0–1–2–3–4–5: clusters {0,1,2} and {3,4}, point 5 noise.
	path := []validity.Edge{{0, 1, 1}, {1, 2, 2}, {2, 3, 5}, {3, 4, 1}, {4, 5, 3}}
	tests := []struct {
		name   string
		edges  []validity.Edge
		labels []int
		want   float64
	}{
		// DSC 2 and 1, DSPC 5 for both: 3/6·(5−2)/5 + 2/6·(5−1)/5.
		{"two clusters", path, []int{0, 0, 0, 1, 1, -1}, 3.0/6*0.6 + 2.0/6*0.8},
		// Cluster 2 touches only noise: DSPC = 2·max edge = 10. Cluster 1 has no inner edge.
		{"island", []validity.Edge{{0, 1, 1}, {1, 2, 4}, {3, 4, 2}, {4, 5, 5}}, []int{0, 0, 1, 2, 2, -1},
			2.0/6*(4-1)/4.0 + 1.0/6*1 + 2.0/6*(10-2)/10.0},
		// One cluster: DSPC = 2·(smallest cluster–noise edge) = 2·5; DSC = 2.
		{"single cluster", path, []int{0, 0, 0, -1, -1, -1}, 3.0 / 6 * (10 - 2) / 10.0},
		// One cluster and no noise edge: DSPC = 2·max edge = 10, DSC = max edge = 5.
		{"single cluster without noise edge", path[:3], []int{0, 0, 0, 0, -1, -1}, 4.0 / 6 * (10 - 5) / 10.0},
		// Unused id 0: the reference's num_clusters is 2, so the island rule uses max edge.
		{"unused ids", path, []int{1, 1, 1, -1, -1, -1}, 3.0 / 6 * (10 - 2) / 10.0},
		// Labels below −1 are noise too.
		{"other negative labels", path, []int{0, 0, 0, 1, 1, -2}, 3.0/6*0.6 + 2.0/6*0.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := validity.RelativeValidity(tt.edges, tt.labels)
			if err != nil {
				t.Fatalf("RelativeValidity: %v", err)
			}
			if math.Abs(got-tt.want) > 1e-15 {
				t.Errorf("RelativeValidity = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestRelativeValidityErrors(t *testing.T) {
	tests := []struct {
		name   string
		edges  []validity.Edge
		labels []int
		want   error
		text   string
	}{
		{"no labels", nil, nil, validity.ErrEmpty, ""},
		{"all noise", []validity.Edge{{0, 1, 1}}, []int{-1, -1}, validity.ErrNoClusters, ""},
		{"endpoint out of range", []validity.Edge{{0, 1, 1}, {1, 2, 1}}, []int{0, 0}, validity.ErrBadEdge, "edge 1 (1–2) against 2 points"},
		{"negative endpoint", []validity.Edge{{-1, 1, 1}}, []int{0, 0}, validity.ErrBadEdge, ""},
		{"NaN weight", []validity.Edge{{0, 1, math.NaN()}}, []int{0, 0}, validity.ErrBadEdge, "weight NaN"},
		{"infinite weight", []validity.Edge{{0, 1, math.Inf(1)}}, []int{0, 0}, validity.ErrBadEdge, ""},
		{"negative weight", []validity.Edge{{0, 1, -1}}, []int{0, 0}, validity.ErrBadEdge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validity.RelativeValidity(tt.edges, tt.labels)
			if !errors.Is(err, tt.want) {
				t.Fatalf("RelativeValidity error = %v; want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("RelativeValidity error = %q; want it to mention %q", err, tt.text)
			}
		})
	}
}
