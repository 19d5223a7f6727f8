package hdbscan

import (
	"math"

	"github.com/storeseg/storeseg/model/internal/parallel"
)

// knnTable holds, for every row, its k nearest rows (the row itself included) with their
// squared distances, ascending; rows at equal distance come in no particular order. As
// scikit-learn's KDTree.query(X, k), so rd[row·k + j] squared is the j-th distance it reports.
type knnTable struct {
	k  int
	rd []float64 // n×k
	nb []int32   // n×k rows
}

func (kt *knnTable) dists(row int) []float64 { return kt.rd[row*kt.k : (row+1)*kt.k] }
func (kt *knnTable) rows(row int) []int32    { return kt.nb[row*kt.k : (row+1)*kt.k] }

// allKNN finds the k nearest rows of every row (1 ≤ k ≤ n) with one k-d tree search per
// point, started from the point's own leaf. A node is skipped when its box is at least as
// far as the current k-th distance: ties cannot change any k-th distance, so duplicate
// points cost nothing extra.
func allKNN(t *kdTree, k, workers int) *knnTable {
	kt := &knnTable{k: k, rd: make([]float64, t.n*k), nb: make([]int32, t.n*k)}
	parallel.For(workers, t.n, 2048, func(_, lo, hi int) {
		s := knnSearch{t: t, off: make([]float64, t.d)}
		for p := lo; p < hi; p++ {
			row := t.idx[p]
			s.run(t.pts[p*t.d:(p+1)*t.d], kt.rd[int(row)*k:int(row+1)*k], kt.nb[int(row)*k:int(row+1)*k])
		}
	})
	return kt
}

// knnSearch finds the k nearest points to x: a depth-first descent, nearer child first, that
// keeps per dimension the squared offset of x from the current node's cell (the region its
// ancestors' splits leave it, each split bounded by the children's extreme coordinates) and
// skips a cell, or a leaf's tight box, that is at least as far as the current k-th distance
// (ties cannot change any k-th distance, so duplicate points cost nothing extra). The cell
// bound is the sum of the offsets in index order, never above the true squared distance of
// a point inside, so the search is exact.
type knnSearch struct {
	t   *kdTree
	off []float64
	x   []float64
	rd  []float64
	nb  []int32
}

func (s *knnSearch) run(x, rd []float64, nb []int32) {
	s.x, s.rd, s.nb = x, rd, nb
	for i := range rd {
		rd[i], nb[i] = math.Inf(1), -1
	}
	clear(s.off)
	s.visit(0)
}

func (s *knnSearch) visit(id int) {
	t := s.t
	nd := &t.nodes[id]
	k := len(s.rd)
	if nd.leaf() {
		if id != 0 && t.pointBoxRd(s.x, id) >= s.rd[k-1] {
			return
		}
		d := t.d
		for j := nd.start; j < nd.end; j++ {
			v := rdist(s.x, t.pts[int(j)*d:int(j+1)*d])
			if v >= s.rd[k-1] {
				continue
			}
			i := k - 1
			for i > 0 && s.rd[i-1] > v {
				s.rd[i], s.nb[i] = s.rd[i-1], s.nb[i-1]
				i--
			}
			s.rd[i], s.nb[i] = v, t.idx[j]
		}
		return
	}
	dim := int(t.split[id])
	d := t.d
	v := s.x[dim]
	divLo, divHi := t.hi[int(nd.left)*d+dim], t.lo[int(nd.right)*d+dim]
	near, far, g := int(nd.left), int(nd.right), divHi-v
	if v-divLo+v-divHi >= 0 {
		near, far, g = far, near, v-divLo
	}
	s.visit(near)
	old := s.off[dim]
	if g > 0 {
		s.off[dim] = max(old, g*g)
	}
	var bound float64
	for _, o := range s.off {
		bound += o
	}
	if bound < s.rd[k-1] {
		s.visit(far)
	}
	s.off[dim] = old
}

func pushIfBelow(stack []nodeDist, nd nodeDist, bound float64) []nodeDist {
	if nd.rd < bound {
		stack = append(stack, nd)
	}
	return stack
}

// neighbor is a training point found by a k-nearest-neighbour query.
type neighbor struct {
	rd  float64 // squared distance
	row int32
}

// less orders neighbours by distance, then by row: the tie rule of prediction queries.
func (a neighbor) less(b neighbor) bool {
	return a.rd < b.rd || (a.rd == b.rd && a.row < b.row)
}

// nodeDist is a tree node with a lower bound on the squared distance to it.
type nodeDist struct {
	id int32
	rd float64
}

// knnQuery returns the k nearest points of t to x ordered by (distance, row), in out (which
// must have length k ≤ t.n), walking the tree as knnSearch does but keeping cells at exactly
// the k-th distance (a tied row may be lower). off is scratch space of length t.d.
func (t *kdTree) knnQuery(x []float64, out []neighbor, off []float64) {
	for i := range out {
		out[i] = neighbor{math.Inf(1), math.MaxInt32}
	}
	clear(off)
	t.queryVisit(0, x, out, off)
}

func (t *kdTree) queryVisit(id int, x []float64, out []neighbor, off []float64) {
	nd := &t.nodes[id]
	k := len(out)
	d := t.d
	if nd.leaf() {
		if id != 0 && t.pointBoxRd(x, id) > out[k-1].rd {
			return
		}
		for j := int(nd.start); j < int(nd.end); j++ {
			c := neighbor{rdist(x, t.pts[j*d:(j+1)*d]), t.idx[j]}
			if !c.less(out[k-1]) {
				continue
			}
			i := k - 1
			for i > 0 && c.less(out[i-1]) {
				out[i] = out[i-1]
				i--
			}
			out[i] = c
		}
		return
	}
	dim := int(t.split[id])
	v := x[dim]
	divLo, divHi := t.hi[int(nd.left)*d+dim], t.lo[int(nd.right)*d+dim]
	near, far, g := int(nd.left), int(nd.right), divHi-v
	if v-divLo+v-divHi >= 0 {
		near, far, g = far, near, v-divLo
	}
	t.queryVisit(near, x, out, off)
	old := off[dim]
	if g > 0 {
		off[dim] = max(old, g*g)
	}
	var bound float64
	for _, o := range off {
		bound += o
	}
	if bound <= out[k-1].rd {
		t.queryVisit(far, x, out, off)
	}
	off[dim] = old
}
