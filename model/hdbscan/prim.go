package hdbscan

import (
	"math"
	"slices"

	"github.com/storeseg/storeseg/model/internal/parallel"
)

// This file reproduces, from an exact spanning tree found by Borůvka, the spanning tree that
// hdbscan's Prim's algorithm (mst_linkage_core_vector, the reference for an exact MST) builds,
// edge for edge and in the same order, in O(n·k·log n) instead of O(n²).
//
// hdbscan's Prim's starts at row 0 and repeatedly adds the row with the smallest current
// distance to the tree, the lowest row on ties; a row's source is the first tree row that
// reached its current distance. At every step the chosen edge is "tight": its weight equals
// the minimax (bottleneck) distance between its ends: it crosses the cut between the tree and
// the rest at the cut's smallest weight. An edge that is not tight never holds a row's
// current distance at the moment that row is chosen, nor decides its source. Running the same
// rules on any subgraph that contains every tight edge therefore gives the same sequence.
// Tight edges are edges of a minimum spanning tree or ties with one: an edge whose weight is
// the core distance of one end (every row within its core distance, scaled by α, whose core
// distance is no larger; taken from the neighbour table or a range query, for rows whose core
// distance is a spanning-tree weight), an edge between duplicates of the ends of a spanning
// tree edge (handled by working on classes of identical rows), or a pair of distinct rows at
// exactly the same distance as a spanning-tree edge, which only coincidences produce (for
// example points on a lattice) and which this reproduction does not search for.

// tightGraph is the class-level graph in CSR form: the spanning-tree edges with their
// weights, and the core-distance ties, whose weight is the larger core distance of their two
// ends.
type tightGraph struct {
	mst csr
	tie csr
}

type csr struct {
	start []int32
	to    []int32
	w     []float64 // nil for ties
}

// newCSR builds the adjacency of m nodes from undirected edges given as endpoint pairs
// (a[i], b[i]) in chunks, with weights w (nil: none).
func newCSR(m int, chunks [][]int32, w []float64) csr {
	g := csr{start: make([]int32, m+1)}
	for _, ch := range chunks {
		for _, v := range ch {
			g.start[v+1]++
		}
	}
	for i := range m {
		g.start[i+1] += g.start[i]
	}
	g.to = make([]int32, g.start[m])
	if w != nil {
		g.w = make([]float64, g.start[m])
	}
	fill := slices.Clone(g.start[:m])
	e := 0
	for _, ch := range chunks {
		for i := 0; i < len(ch); i += 2 {
			a, b := ch[i], ch[i+1]
			g.to[fill[a]], g.to[fill[b]] = b, a
			if w != nil {
				g.w[fill[a]], g.w[fill[b]] = w[e], w[e]
			}
			fill[a]++
			fill[b]++
			e++
		}
	}
	return g
}

// buildTightGraph collects the spanning-tree edges and the core-distance ties as class edges.
// The ties of class k are the classes within its core distance (scaled by α) whose core
// distance is at most k's; they come from the neighbour table kt when it provably holds all
// of them, otherwise from a range query on the class tree t. Only classes whose core distance
// is a spanning-tree weight can have a tie that matters.
func buildTightGraph(cls *classes, t *kdTree, kt *knnTable, coreW []float64, mst []Edge, alpha float64, workers int) *tightGraph {
	m := cls.count()
	weights := make(map[float64]struct{}, len(mst))
	pairs := make([]int32, 0, 2*len(mst))
	ws := make([]float64, 0, len(mst))
	for _, e := range mst {
		weights[e.Weight] = struct{}{}
		pairs = append(pairs, e.A, e.B)
		ws = append(ws, e.Weight)
	}
	const grain = 512
	chunks := make([][]int32, (m+grain-1)/grain)
	parallel.For(workers, m, grain, func(_, lo, hi int) {
		var out, found []int32
		var stack []nodeDist
		for k := lo; k < hi; k++ {
			c := coreW[k]
			if _, ok := weights[c]; !ok {
				continue
			}
			rep := int(cls.rep(k))
			rows, rds := kt.rows(rep), kt.dists(rep)
			if kt.k == len(cls.of) || math.Sqrt(rds[kt.k-1])/alpha > c {
				for j, r := range rows {
					if l := cls.of[r]; int(l) != k && coreW[l] <= c && math.Sqrt(rds[j])/alpha <= c {
						out = append(out, int32(k), l)
					}
				}
				continue
			}
			x := t.pts[int(t.posOf(int32(k)))*t.d:][:t.d]
			r := c * alpha
			found, stack = t.rangeQuery(x, r*r*(1+1e-9), found[:0], stack)
			for _, l := range found {
				if int(l) != k && coreW[l] <= c && math.Sqrt(rdist(x, t.pts[int(t.posOf(l))*t.d:][:t.d]))/alpha <= c {
					out = append(out, int32(k), l)
				}
			}
		}
		chunks[lo/grain] = out
	})
	return &tightGraph{mst: newCSR(m, [][]int32{pairs}, ws), tie: newCSR(m, chunks, nil)}
}

// primEntry is a heap entry: the lowest unvisited row of a class at the class's distance.
type primEntry struct {
	dist  float64
	row   int32
	class int32
}

func (a primEntry) less(b primEntry) bool {
	return a.dist < b.dist || (a.dist == b.dist && a.row < b.row)
}

// primOrder runs hdbscan's Prim's rules on the tight class graph and returns the spanning
// tree over rows in the order Prim's adds it: (source, new row, distance).
func primOrder(cls *classes, coreW []float64, g *tightGraph) []Edge {
	m := cls.count()
	n := len(cls.of)
	dist := make([]float64, m)
	src := make([]int32, m)
	done := make([]int32, m) // visited rows per class
	relaxed := make([]bool, m)
	for i := range dist {
		dist[i] = math.Inf(1)
		src[i] = -1
	}
	h := make([]primEntry, 0, n)
	out := make([]Edge, 0, max(n-1, 0))
	visit := func(row int32, k int32) {
		done[k]++
		if !relaxed[k] {
			relaxed[k] = true
			relax := func(l int32, w float64) {
				if int(done[l]) < cls.size(int(l)) && w < dist[l] {
					dist[l], src[l] = w, row
					h = heapPush(h, primEntry{w, cls.rows(int(l))[done[l]], l})
				}
			}
			for j := g.mst.start[k]; j < g.mst.start[k+1]; j++ {
				relax(g.mst.to[j], g.mst.w[j])
			}
			for j := g.tie.start[k]; j < g.tie.start[k+1]; j++ {
				l := g.tie.to[j]
				relax(l, max(coreW[k], coreW[l]))
			}
			if int(done[k]) < cls.size(int(k)) && coreW[k] < dist[k] {
				dist[k], src[k] = coreW[k], row
			}
		}
		if int(done[k]) < cls.size(int(k)) {
			h = heapPush(h, primEntry{dist[k], cls.rows(int(k))[done[k]], k})
		}
	}
	visit(0, cls.classOf(0))
	for len(h) > 0 {
		var e primEntry
		e, h = heapPop(h)
		k := e.class
		if int(done[k]) >= cls.size(int(k)) || cls.rows(int(k))[done[k]] != e.row || e.dist != dist[k] {
			continue // stale
		}
		out = append(out, Edge{src[k], e.row, e.dist})
		visit(e.row, k)
	}
	return out
}

func heapPush(h []primEntry, e primEntry) []primEntry {
	h = append(h, e)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func heapPop(h []primEntry) (primEntry, []primEntry) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l, r, s := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].less(h[s]) {
			s = l
		}
		if r < len(h) && h[r].less(h[s]) {
			s = r
		}
		if s == i {
			return top, h
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
}

// rangeQuery appends to out the rows of every point whose squared distance to x is at most
// rd.
func (t *kdTree) rangeQuery(x []float64, rd float64, out []int32, stack []nodeDist) ([]int32, []nodeDist) {
	d := t.d
	stack = append(stack[:0], nodeDist{0, t.pointBoxRd(x, 0)})
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top.rd > rd {
			continue
		}
		nd := t.nodes[top.id]
		if nd.leaf() {
			for j := int(nd.start); j < int(nd.end); j++ {
				if rdist(x, t.pts[j*d:(j+1)*d]) <= rd {
					out = append(out, t.idx[j])
				}
			}
			continue
		}
		l, r := int(nd.left), int(nd.right)
		stack = append(stack, nodeDist{int32(l), t.pointBoxRd(x, l)}, nodeDist{int32(r), t.pointBoxRd(x, r)})
	}
	return out, stack
}
