package hdbscan

import (
	"math"
	"slices"
)

// Edge is an edge of the mutual reachability minimum spanning tree: rows A and B of the input
// and the mutual reachability distance between them. It has the layout of validity.Edge, so
// validity.Edge(e) converts it.
type Edge struct {
	A, B   int32
	Weight float64
}

// linkage is a single-linkage tree in scipy's format, as hdbscan's label() builds it: row i
// merges nodes left[i] and right[i] (rows 0..n−1 are points, n+j is the node of row j) at
// distance dist[i] into a node of size[i] points. The root is node 2n−2.
type linkage struct {
	n           int
	left, right []int32
	dist        []float64
	size        []int32
}

// singleLinkage sorts mst stably by weight (ties keep the order Prim's algorithm added the
// edges in) and merges along it with a union-find, the left child being the component of
// the edge's first endpoint: hdbscan's label() applied to its Prim's tree.
func singleLinkage(n int, mst []Edge) *linkage {
	order := make([]int32, len(mst))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		wa, wb := mst[a].Weight, mst[b].Weight
		switch {
		case wa < wb:
			return -1
		case wa > wb:
			return 1
		}
		return 0
	})
	l := &linkage{
		n: n, left: make([]int32, n-1), right: make([]int32, n-1),
		dist: make([]float64, n-1), size: make([]int32, n-1),
	}
	parent := make([]int32, 2*n-1)
	size := make([]int32, 2*n-1)
	for i := range parent {
		parent[i] = -1
	}
	for i := range n {
		size[i] = 1
	}
	find := func(x int32) int32 {
		root := x
		for parent[root] >= 0 {
			root = parent[root]
		}
		for parent[x] >= 0 && parent[x] != root {
			x, parent[x] = parent[x], root
		}
		return root
	}
	for i, e := range order {
		a, b := find(mst[e].A), find(mst[e].B)
		node := int32(n + i)
		l.left[i], l.right[i], l.dist[i] = a, b, mst[e].Weight
		size[node] = size[a] + size[b]
		l.size[i] = size[node]
		parent[a], parent[b] = node, node
	}
	return l
}

// count is the number of points under node x.
func (l *linkage) count(x int32) int {
	if int(x) < l.n {
		return 1
	}
	return int(l.size[int(x)-l.n])
}

// CondensedRow is a row of the condensed tree (hdbscan's condensed_tree_): Child (a row
// index below n, or a cluster id ≥ n) leaves cluster Parent at Lambda = 1/distance, with
// Size points. The root cluster is n; cluster ids follow hdbscan's breadth-first numbering.
type CondensedRow struct {
	Parent, Child int
	Lambda        float64
	Size          int
}

// condense is hdbscan's condense_tree: a breadth-first walk of the single-linkage tree from
// its root in which a merge of two parts of at least mcs points each is a split into two new
// clusters (left numbered first), and the points of a smaller part leave the cluster at the
// merge's λ (listed in breadth-first order of that part). λ = 1/dist, +Inf at distance 0.
func condense(l *linkage, mcs int) []CondensedRow {
	n := l.n
	root := int32(2*n - 2)
	nodes := bfs(l, root, nil)
	relabel := make([]int32, 2*n-1)
	ignore := make([]bool, 2*n-1)
	relabel[root] = int32(n)
	next := int32(n + 1)
	out := make([]CondensedRow, 0, n+n/max(mcs, 1))
	var sub []int32
	fallOut := func(parent, x int32, lam float64) {
		sub = bfs(l, x, sub[:0])
		for _, s := range sub {
			if int(s) < n {
				out = append(out, CondensedRow{int(parent), int(s), lam, 1})
			}
			ignore[s] = true
		}
	}
	for _, node := range nodes {
		if ignore[node] || int(node) < n {
			continue
		}
		row := int(node) - n
		left, right := l.left[row], l.right[row]
		lam := math.Inf(1)
		if l.dist[row] > 0 {
			lam = 1 / l.dist[row]
		}
		lc, rc := l.count(left), l.count(right)
		p := relabel[node]
		switch {
		case lc >= mcs && rc >= mcs:
			relabel[left] = next
			out = append(out, CondensedRow{int(p), int(next), lam, lc})
			relabel[right] = next + 1
			out = append(out, CondensedRow{int(p), int(next + 1), lam, rc})
			next += 2
		case lc < mcs && rc < mcs:
			fallOut(p, left, lam)
			fallOut(p, right, lam)
		case lc < mcs:
			relabel[right] = p
			fallOut(p, left, lam)
		default:
			relabel[left] = p
			fallOut(p, right, lam)
		}
	}
	return out
}

// bfs appends the nodes below x (x included) in breadth-first order, left before right.
func bfs(l *linkage, x int32, out []int32) []int32 {
	out = append(out, x)
	for i := len(out) - 1; i < len(out); i++ {
		if v := int(out[i]); v >= l.n {
			out = append(out, l.left[v-l.n], l.right[v-l.n])
		}
	}
	return out
}
