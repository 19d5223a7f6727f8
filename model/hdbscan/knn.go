package hdbscan

import (
	"math"
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
	parallelFor(workers, t.n, 2048, func(_, lo, hi int) {
		var stack []nodeDist
		for p := lo; p < hi; p++ {
			row := t.idx[p]
			stack = t.knnPoint(p, kt.rd[int(row)*k:int(row+1)*k], kt.nb[int(row)*k:int(row+1)*k], stack)
		}
	})
	return kt
}

// knnPoint fills rd and nb (length k) with the k nearest points to the point at tree
// position p, ascending.
func (t *kdTree) knnPoint(p int, rd []float64, nb []int32, stack []nodeDist) []nodeDist {
	d := t.d
	x := t.pts[p*d : (p+1)*d]
	k := len(rd)
	for i := range rd {
		rd[i], nb[i] = math.Inf(1), -1
	}
	offer := func(lo, hi int32) {
		for j := lo; j < hi; j++ {
			v := rdist(x, t.pts[int(j)*d:int(j+1)*d])
			if v >= rd[k-1] {
				continue
			}
			i := k - 1
			for i > 0 && rd[i-1] > v {
				rd[i], nb[i] = rd[i-1], nb[i-1]
				i--
			}
			rd[i], nb[i] = v, t.idx[j]
		}
	}
	own := t.leafOf(p)
	offer(t.nodes[own].start, t.nodes[own].end)
	stack = append(stack[:0], nodeDist{0, 0})
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top.rd >= rd[k-1] || int(top.id) == own {
			continue
		}
		nd := t.nodes[top.id]
		if nd.leaf() {
			offer(nd.start, nd.end)
			continue
		}
		l, r := int(nd.left), int(nd.right)
		dl, dr := t.pointBoxRd(x, l), t.pointBoxRd(x, r)
		if dl <= dr {
			stack = pushIfBelow(stack, nodeDist{int32(r), dr}, rd[k-1])
			stack = pushIfBelow(stack, nodeDist{int32(l), dl}, rd[k-1])
		} else {
			stack = pushIfBelow(stack, nodeDist{int32(l), dl}, rd[k-1])
			stack = pushIfBelow(stack, nodeDist{int32(r), dr}, rd[k-1])
		}
	}
	return stack
}

func pushIfBelow(stack []nodeDist, nd nodeDist, bound float64) []nodeDist {
	if nd.rd < bound {
		stack = append(stack, nd)
	}
	return stack
}

// leafOf is the leaf holding tree position p.
func (t *kdTree) leafOf(p int) int {
	id := 0
	for {
		nd := &t.nodes[id]
		if nd.leaf() {
			return id
		}
		if int32(p) < t.nodes[nd.left].end {
			id = int(nd.left)
		} else {
			id = int(nd.right)
		}
	}
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
// must have length k ≤ t.n). stack is scratch space, returned for reuse.
func (t *kdTree) knnQuery(x []float64, out []neighbor, stack []nodeDist) []nodeDist {
	k := len(out)
	for i := range out {
		out[i] = neighbor{math.Inf(1), math.MaxInt32}
	}
	d := t.d
	stack = append(stack[:0], nodeDist{0, t.pointBoxRd(x, 0)})
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if top.rd > out[k-1].rd {
			continue
		}
		nd := t.nodes[top.id]
		if nd.leaf() {
			for j := int(nd.start); j < int(nd.end); j++ {
				c := neighbor{rdist(x, t.pts[j*d:(j+1)*d]), t.idx[j]}
				if c.less(out[k-1]) {
					i := k - 1
					for i > 0 && c.less(out[i-1]) {
						out[i] = out[i-1]
						i--
					}
					out[i] = c
				}
			}
			continue
		}
		l, r := int(nd.left), int(nd.right)
		dl, dr := t.pointBoxRd(x, l), t.pointBoxRd(x, r)
		if dl <= dr {
			stack = append(stack, nodeDist{int32(r), dr}, nodeDist{int32(l), dl})
		} else {
			stack = append(stack, nodeDist{int32(l), dl}, nodeDist{int32(r), dr})
		}
	}
	return stack
}
