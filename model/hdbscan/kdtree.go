package hdbscan

import (
	"cmp"
	"math/bits"
	"slices"
	"sync"
)

// leafSize is the largest number of points in a k-d tree leaf.
const leafSize = 16

// kdTree is a k-d tree over n points in d dimensions (Bentley 1975) whose shape depends only
// on n: every node splits its points at the middle position, after a median partition along
// the dimension of largest spread. Points are copied into tree order, so a node's points are
// the contiguous rows [start, end) of pts, and nodes are numbered in preorder (the root is 0,
// a node's left child follows it). Bounding boxes are tight.
type kdTree struct {
	n, d   int
	pts    []float64 // n×d, tree order
	idx    []int32   // tree position → row of the input
	pos    []int32   // row of the input → tree position
	nodes  []kdNode
	lo, hi []float64 // node×d bounding boxes
	split  []uint16  // per internal node: the dimension its children were split along
}

type kdNode struct {
	start, end  int32
	left, right int32 // −1 for a leaf
}

func (nd *kdNode) leaf() bool { return nd.left < 0 }

// posOf is the tree position of input row r.
func (t *kdTree) posOf(r int32) int32 { return t.pos[r] }

// nodeCount is the number of nodes of the tree over m points.
func nodeCount(m int) int {
	if m <= leafSize {
		return 1
	}
	return 1 + nodeCount(m/2) + nodeCount(m-m/2)
}

// parallelBuildMin is the smallest subtree built on its own goroutine.
const parallelBuildMin = 1 << 14

// buildKDTree builds the tree over the rows of data (n×d, row-major) with up to workers
// goroutines. The result does not depend on workers.
func buildKDTree(data []float64, n, d, workers int) *kdTree {
	t := &kdTree{n: n, d: d, idx: make([]int32, n)}
	for i := range t.idx {
		t.idx[i] = int32(i)
	}
	nn := nodeCount(max(n, 1))
	t.nodes = make([]kdNode, nn)
	t.lo = make([]float64, nn*d)
	t.hi = make([]float64, nn*d)
	t.split = make([]uint16, nn)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(workers-1, 0))
	t.build(data, 0, 0, n, &wg, sem)
	wg.Wait()
	t.pts = make([]float64, n*d)
	t.pos = make([]int32, n)
	for i, r := range t.idx {
		copy(t.pts[i*d:(i+1)*d], data[int(r)*d:(int(r)+1)*d])
		t.pos[r] = int32(i)
	}
	t.fillBoxes(data, 0)
	return t
}

// build partitions idx[s:e) below node id, spawning a goroutine for large left subtrees
// while a worker slot is free.
func (t *kdTree) build(data []float64, id, s, e int, wg *sync.WaitGroup, sem chan struct{}) {
	nd := &t.nodes[id]
	nd.start, nd.end = int32(s), int32(e)
	if e-s <= leafSize {
		nd.left, nd.right = -1, -1
		return
	}
	mid := s + (e-s)/2
	dim := t.widestDim(data, s, e)
	t.split[id] = uint16(dim)
	selectKth(t.idx[s:e], data, t.d, dim, mid-s)
	left, right := id+1, id+1+nodeCount(mid-s)
	nd.left, nd.right = int32(left), int32(right)
	if mid-s >= parallelBuildMin {
		select {
		case sem <- struct{}{}:
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				t.build(data, left, s, mid, wg, sem)
			}()
			t.build(data, right, mid, e, wg, sem)
			return
		default:
		}
	}
	t.build(data, left, s, mid, wg, sem)
	t.build(data, right, mid, e, wg, sem)
}

// widestDim returns the dimension along which the points idx[s:e) spread most (the lowest
// such dimension on ties).
func (t *kdTree) widestDim(data []float64, s, e int) int {
	d := t.d
	best, bestSpread := 0, -1.0
	for j := range d {
		lo, hi := data[int(t.idx[s])*d+j], data[int(t.idx[s])*d+j]
		for _, r := range t.idx[s+1 : e] {
			v := data[int(r)*d+j]
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo > bestSpread {
			best, bestSpread = j, hi-lo
		}
	}
	return best
}

// fillBoxes computes the bounding box of node id and its subtree from the points in tree
// order.
func (t *kdTree) fillBoxes(data []float64, id int) {
	nd := t.nodes[id]
	d := t.d
	lo, hi := t.lo[id*d:(id+1)*d], t.hi[id*d:(id+1)*d]
	if nd.leaf() {
		copy(lo, t.pts[int(nd.start)*d:int(nd.start+1)*d])
		copy(hi, lo)
		for p := int(nd.start) + 1; p < int(nd.end); p++ {
			row := t.pts[p*d : (p+1)*d]
			for j, v := range row {
				lo[j], hi[j] = min(lo[j], v), max(hi[j], v)
			}
		}
		return
	}
	t.fillBoxes(data, int(nd.left))
	t.fillBoxes(data, int(nd.right))
	l, r := int(nd.left)*d, int(nd.right)*d
	for j := range d {
		lo[j] = min(t.lo[l+j], t.lo[r+j])
		hi[j] = max(t.hi[l+j], t.hi[r+j])
	}
}

// selectKth reorders idx so that the point at position k has the k-th smallest coordinate
// dim, with no larger coordinate before it and no smaller one after it: Hoare's quickselect
// with a median-of-three pivot, falling back to sorting the remaining range when the
// partitions stay unbalanced (so adversarial orders cannot make it quadratic). Deterministic.
func selectKth(idx []int32, data []float64, d, dim, k int) {
	key := func(i int) float64 { return data[int(idx[i])*d+dim] }
	lo, hi := 0, len(idx)-1
	budget := 2 * bits.Len(uint(len(idx)))
	for hi > lo {
		if hi-lo < 16 || budget == 0 {
			slices.SortFunc(idx[lo:hi+1], func(a, b int32) int {
				return cmp.Compare(data[int(a)*d+dim], data[int(b)*d+dim])
			})
			return
		}
		budget--
		m := lo + (hi-lo)/2
		if key(m) < key(lo) {
			idx[m], idx[lo] = idx[lo], idx[m]
		}
		if key(hi) < key(lo) {
			idx[hi], idx[lo] = idx[lo], idx[hi]
		}
		if key(hi) < key(m) {
			idx[hi], idx[m] = idx[m], idx[hi]
		}
		pivot := key(m)
		i, j := lo, hi
		for i <= j {
			for key(i) < pivot {
				i++
			}
			for key(j) > pivot {
				j--
			}
			if i <= j {
				idx[i], idx[j] = idx[j], idx[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

// boxRd is the squared distance between the boxes of nodes a and b of trees ta and tb.
func boxRd(ta *kdTree, a int, tb *kdTree, b int) float64 {
	d := ta.d
	alo, ahi := ta.lo[a*d:(a+1)*d], ta.hi[a*d:(a+1)*d]
	blo, bhi := tb.lo[b*d:(b+1)*d], tb.hi[b*d:(b+1)*d]
	var s float64
	for j := range alo {
		if g := blo[j] - ahi[j]; g > 0 {
			s += g * g
		} else if g := alo[j] - bhi[j]; g > 0 {
			s += g * g
		}
	}
	return s
}

// pointBoxRd is the squared distance from x to the box of node id.
func (t *kdTree) pointBoxRd(x []float64, id int) float64 {
	d := t.d
	lo, hi := t.lo[id*d:(id+1)*d], t.hi[id*d:(id+1)*d]
	var s float64
	for j, v := range x {
		if g := lo[j] - v; g > 0 {
			s += g * g
		} else if g := v - hi[j]; g > 0 {
			s += g * g
		}
	}
	return s
}

// rdist is the squared Euclidean distance Σ (a_j − b_j)², summed in index order exactly as
// scikit-learn's and hdbscan's euclidean rdist do, so distances agree to the last bit.
func rdist(a, b []float64) float64 {
	var s float64
	b = b[:len(a)]
	for j, v := range a {
		t := v - b[j]
		s += t * t
	}
	return s
}
