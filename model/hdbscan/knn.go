package hdbscan

import (
	"math"
	"sort"
)

// kthDistances returns, for every row, the squared distance to its k1-th and k2-th nearest
// points counting the point itself (1 ≤ k2 ≤ k1 ≤ n): exact k-nearest-neighbour distances as
// scikit-learn's KDTree.query(X, k)[0][:, k−1] (squared). The tree is walked once per leaf of
// query points, pruning a node when its box is at least as far as every query point's current
// k1-th distance (ties cannot change a k-th distance, so duplicate points are cheap).
func kthDistances(t *kdTree, k1, k2, workers int) (rd1, rd2 []float64) {
	rd1, rd2 = make([]float64, t.n), make([]float64, t.n)
	leaves := t.leafIDs()
	parallelFor(workers, len(leaves), 4, func(_, lo, hi int) {
		s := newKNNLeafScratch(k1)
		for _, q := range leaves[lo:hi] {
			s.queryLeaf(t, int(q), k1)
			nd := t.nodes[q]
			for i := range int(nd.end - nd.start) {
				best := s.best[i*k1 : (i+1)*k1]
				row := t.idx[int(nd.start)+i]
				rd1[row], rd2[row] = best[k1-1], best[k2-1]
			}
		}
	})
	return rd1, rd2
}

// leafIDs lists the leaves in tree order.
func (t *kdTree) leafIDs() []int32 {
	var out []int32
	for id := range t.nodes {
		if t.nodes[id].leaf() {
			out = append(out, int32(id))
		}
	}
	return out
}

type knnLeafScratch struct {
	best  []float64 // leafSize×k sorted squared distances
	stack []nodeDist
}

type nodeDist struct {
	id int32
	rd float64
}

func newKNNLeafScratch(k int) *knnLeafScratch {
	return &knnLeafScratch{best: make([]float64, leafSize*k)}
}

// queryLeaf fills s.best with the k smallest squared distances of every point of leaf q.
func (s *knnLeafScratch) queryLeaf(t *kdTree, q, k int) {
	nq := t.nodes[q]
	m := int(nq.end - nq.start)
	best := s.best[:m*k]
	for i := range best {
		best[i] = math.Inf(1)
	}
	s.scanLeaf(t, q, q, k)
	bound := s.leafBound(m, k)
	s.stack = append(s.stack[:0], nodeDist{0, 0})
	for len(s.stack) > 0 {
		top := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		if top.rd >= bound || int(top.id) == q {
			continue
		}
		nd := t.nodes[top.id]
		if nd.leaf() {
			s.scanLeaf(t, q, int(top.id), k)
			bound = s.leafBound(m, k)
			continue
		}
		l, r := int(nd.left), int(nd.right)
		dl, dr := boxRd(t, q, t, l), boxRd(t, q, t, r)
		if dl <= dr {
			s.stack = append(s.stack, nodeDist{int32(r), dr}, nodeDist{int32(l), dl})
		} else {
			s.stack = append(s.stack, nodeDist{int32(l), dl}, nodeDist{int32(r), dr})
		}
	}
}

func (s *knnLeafScratch) leafBound(m, k int) float64 {
	b := 0.0
	for i := range m {
		b = max(b, s.best[i*k+k-1])
	}
	return b
}

// scanLeaf offers every point of leaf r to every point of leaf q.
func (s *knnLeafScratch) scanLeaf(t *kdTree, q, r, k int) {
	d := t.d
	nq, nr := t.nodes[q], t.nodes[r]
	for i := range int(nq.end - nq.start) {
		p := int(nq.start) + i
		x := t.pts[p*d : (p+1)*d]
		best := s.best[i*k : (i+1)*k]
		kth := best[k-1]
		if q != r && t.pointBoxRd(x, r) >= kth {
			continue
		}
		for j := int(nr.start); j < int(nr.end); j++ {
			v := rdist(x, t.pts[j*d:(j+1)*d])
			if v < kth {
				insertSorted(best, v)
				kth = best[k-1]
			}
		}
	}
}

// insertSorted inserts v into the ascending slice best, dropping its last element.
func insertSorted(best []float64, v float64) {
	i := sort.SearchFloat64s(best, v)
	copy(best[i+1:], best[i:len(best)-1])
	best[i] = v
}

// neighbor is a training point found by a k-nearest-neighbour query.
type neighbor struct {
	rd  float64 // squared distance
	row int32
}

// less orders neighbours by distance, then by row: the tie rule of every query here.
func (a neighbor) less(b neighbor) bool {
	return a.rd < b.rd || (a.rd == b.rd && a.row < b.row)
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
