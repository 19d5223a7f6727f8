package validity

import (
	"fmt"
	"math"
	"slices"
)

// Edge is one edge of a minimum spanning tree over the rows of a data set, as HDBSCAN emits
// its mutual reachability MST: endpoints A and B (row indices) and the edge's weight.
type Edge struct {
	A, B   int32
	Weight float64
}

// RelativeValidity is hdbscan's HDBSCAN.relative_validity_ (0.8.44): a DBCV approximation
// read off the mutual reachability minimum spanning tree that HDBSCAN built for labels.
// For every cluster C, DSC(C) is its largest intra-cluster edge (0 if none) and DSPC(C) its
// smallest edge to another cluster; edges with a noise endpoint are skipped. A cluster
// without an edge to another cluster gets DSPC = 2·(largest edge) when the largest label is
// above 0, else 2·(smallest edge between noise and a cluster point, or the largest edge if
// there is none). The score is Σ_C |C|/N · (DSPC − DSC)/max(DSPC, DSC), N counting noise.
//
// Every negative label is noise (the reference fails on labels below −1). Unused cluster ids
// contribute nothing (the reference adds 0·V, which is NaN when every edge weighs 0). It
// returns an error wrapping ErrEmpty for no labels, ErrNoClusters when every point is noise
// (the reference returns 0), or ErrBadEdge naming the first edge whose endpoint is outside
// [0, len(labels)) or whose weight is negative or not finite.
func RelativeValidity(edges []Edge, labels []int) (float64, error) {
	n := len(labels)
	if n == 0 {
		return 0, ErrEmpty
	}
	if err := checkEdges(edges, n); err != nil {
		return 0, err
	}
	idx, ids, sizes := denseLabels(labels)
	if len(ids) == 0 {
		return 0, ErrNoClusters
	}
	k := len(ids)
	dsc, dspc := make([]float64, k), make([]float64, k)
	for c := range dspc {
		dspc[c] = math.Inf(1)
	}
	maxDist, minOutlier := 0.0, math.Inf(1)
	for _, e := range edges {
		w := e.Weight
		maxDist = max(maxDist, w)
		a, b := idx[e.A], idx[e.B]
		switch {
		case a < 0 && b < 0:
		case a < 0 || b < 0:
			minOutlier = min(minOutlier, w)
		case a == b:
			dsc[a] = max(dsc[a], w)
		default:
			dspc[a], dspc[b] = min(dspc[a], w), min(dspc[b], w)
		}
	}
	if math.IsInf(minOutlier, 1) {
		minOutlier = maxDist
	}
	correction := 2 * minOutlier
	if ids[k-1] > 0 { // the reference's num_clusters = max label + 1 > 1
		correction = 2 * maxDist
	}
	var score float64
	for c := range k {
		if math.IsInf(dspc[c], 1) {
			dspc[c] = correction
		}
		v := (dspc[c] - dsc[c]) / max(dspc[c], dsc[c])
		score += float64(sizes[c]) * v / float64(n)
	}
	return score, nil
}

func checkEdges(edges []Edge, n int) error {
	for i, e := range edges {
		if e.A < 0 || int(e.A) >= n || e.B < 0 || int(e.B) >= n {
			return fmt.Errorf("checking edge %d (%d–%d) against %d points: %w", i, e.A, e.B, n, ErrBadEdge)
		}
		if !(e.Weight >= 0) || math.IsInf(e.Weight, 1) {
			return fmt.Errorf("checking edge %d (%d–%d) weight %v: %w", i, e.A, e.B, e.Weight, ErrBadEdge)
		}
	}
	return nil
}

// denseLabels maps every row to the index of its cluster among the present non-negative
// labels in ascending order (−1 for noise) and returns those labels and their sizes.
func denseLabels(labels []int) (idx []int32, ids []int, sizes []int) {
	seen := make(map[int]struct{})
	for _, l := range labels {
		if l >= 0 {
			seen[l] = struct{}{}
		}
	}
	for l := range seen {
		ids = append(ids, l)
	}
	slices.Sort(ids)
	pos := make(map[int]int32, len(ids))
	for i, l := range ids {
		pos[l] = int32(i)
	}
	idx = make([]int32, len(labels))
	sizes = make([]int, len(ids))
	for i, l := range labels {
		idx[i] = -1
		if l >= 0 {
			idx[i] = pos[l]
			sizes[pos[l]]++
		}
	}
	return idx, ids, sizes
}
