package validity

import (
	"math"

	"github.com/storeseg/storeseg/model/internal/parallel"
)

// isclose tolerances of numpy.isclose, which hdbscan uses to re-derive MST parents.
const (
	iscloseRtol = 1e-5
	iscloseAtol = 1e-8
)

// clusterTree is what DBCV needs from a cluster's all-points MST.
type clusterTree struct {
	internal   []int32 // internal vertices, ascending
	sparseness float64 // density sparseness DSC, packed units
}

// primTree is a cluster's MST as Prim's algorithm builds it (see primOrder).
type primTree struct {
	order  []int32
	weight []float64
}

// primTrees runs Prim's algorithm on every cluster. Clusters big enough for a parallel scan
// run one after the other with all workers; the others run concurrently, one per worker.
func primTrees(p *packed, acores [][]float64, workers int) []primTree {
	trees := make([]primTree, len(p.groups))
	var small []int
	for c, g := range p.groups {
		if workers > 1 && len(g.rows)-1 >= primParallelMin {
			trees[c].order, trees[c].weight = primOrder(g.pts, acores[c], p.d, workers)
		} else {
			small = append(small, c)
		}
	}
	parallel.For(workers, len(small), 1, func(_, lo, hi int) {
		for _, c := range small[lo:hi] {
			trees[c].order, trees[c].weight = primOrder(p.groups[c].pts, acores[c], p.d, 1)
		}
	})
	return trees
}

// internalTree completes the cluster's all-points mutual reachability MST the way
// hdbscan.validity.internal_minimum_spanning_tree does and returns its internal vertices and
// density sparseness. unscale converts packed distances back to the caller's units for the
// isclose test, whose absolute tolerance is unit-dependent.
func internalTree(pts, acore []float64, d int, pt primTree, unscale float64, workers int) clusterTree {
	m := len(acore)
	order, weight := pt.order, pt.weight
	parent := parents(pts, acore, d, order, weight, unscale, workers)
	deg := make([]int32, m)
	for k := 1; k < m; k++ {
		deg[parent[k]]++
		deg[order[k]]++
	}
	isInternal := make([]bool, m)
	var internal []int32
	for v, g := range deg {
		if g > 1 {
			isInternal[v] = true
			internal = append(internal, int32(v))
		}
	}
	if len(internal) == 0 {
		internal = []int32{0} // no edge can have both ends at vertex 0: all edges count
	}
	dsc, any := math.Inf(-1), false
	for k := 1; k < m; k++ {
		if isInternal[parent[k]] && isInternal[order[k]] {
			dsc, any = max(dsc, weight[k]), true
		}
	}
	if !any {
		for k := 1; k < m; k++ {
			dsc = max(dsc, weight[k])
		}
	}
	return clusterTree{internal: internal, sparseness: dsc}
}

// parents re-derives the start of every MST edge as hdbscan does after mst_linkage_core: the
// edge that added order[k] (k ≥ 2) starts at the lowest-indexed vertex among order[:k] whose
// mutual reachability distance to order[k] is numpy.isclose to the edge weight (the edge
// that added order[1] keeps its start, vertex 0). On ties this need not be the vertex Prim's
// algorithm took the edge from, and it changes which vertices count as internal. The
// result is indexed like order. Vertices are independent, so the work is split over workers.
func parents(pts, acore []float64, d int, order []int32, weight []float64, unscale float64, workers int) []int32 {
	m := len(order)
	pos := make([]int32, m)
	for k, v := range order {
		pos[v] = int32(k)
	}
	parent := make([]int32, m)
	parallel.For(workers, m-2, parallel.Grain(m, workers, 32), func(_, lo, hi int) {
		for k := lo + 2; k < hi+2; k++ {
			parent[k] = firstClose(pts, acore, d, pos, order[k], int32(k), weight[k]*unscale, unscale)
		}
	})
	return parent
}

// firstClose returns the lowest vertex u with pos[u] < k whose mutual reachability distance
// to v is numpy.isclose(mr, w) in caller units: |mr − w| ≤ atol + rtol·|w|, or mr == w.
func firstClose(pts, acore []float64, d int, pos []int32, v, k int32, w, unscale float64) int32 {
	tol := iscloseAtol + iscloseRtol*math.Abs(w)
	xv := pts[int(v)*d : int(v)*d+d]
	av := acore[v]
	for u := range int32(len(pos)) {
		if pos[u] >= k {
			continue
		}
		low := max(av, acore[u])
		if low*unscale-w > tol {
			continue // mr ≥ low is already too far above w
		}
		mr := mutualReach(sqDist(xv, pts[int(u)*d:]), low) * unscale
		if math.Abs(mr-w) <= tol || mr == w {
			return u
		}
	}
	// Not reached: the vertex Prim's algorithm took the edge from reproduces w bit for bit.
	return 0
}
