package validity

import (
	"math"
	"sync/atomic"

	"github.com/storeseg/storeseg/model/internal/parallel"
)

// kdLeafSize is the largest number of points in a k-d tree leaf.
const kdLeafSize = 32

// separations returns, for every cluster (indexed like p.groups), the minimum over the
// other clusters of hdbscan's density_separation: the smallest max(D_ab, acore_a, acore_b)
// between one of its internal points a and an internal point b of another cluster, in
// packed units; +Inf when there is no other cluster.
//
// Instead of the reference's cdist over every pair of clusters, every internal point asks a
// k-d tree of all internal points for its nearest point of another cluster in that distance,
// pruning subtrees whose lower bound max(box distance, acore_a, min acore) cannot beat the
// best value known for its cluster. A minimum of exactly computed values does not depend on
// the order the candidates are visited in, and pruned candidates can never be smaller than
// the final minimum, so the result is bitwise the same for any number of workers.
func separations(p *packed, acores [][]float64, trees []clusterTree, workers int) []float64 {
	k := len(p.groups)
	sep := make([]float64, k)
	for c := range sep {
		sep[c] = math.Inf(1)
	}
	if k < 2 {
		return sep
	}
	t := newSepTree(p, acores, trees)
	best := make([]atomic.Uint64, k)
	for c := range best {
		best[c].Store(math.Float64bits(math.Inf(1)))
	}
	d := p.d
	n := len(t.lab)
	parallel.For(workers, n, parallel.Grain(n, workers, 64), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			ca, aa := t.lab[i], t.acore[i]
			b := math.Float64frombits(best[ca].Load())
			if aa >= b {
				continue
			}
			xa := t.pts[i*d : i*d+d]
			if nb := t.visit(0, t.boxDist2(0, xa), xa, aa, ca, b); nb < b {
				storeMin(&best[ca], nb)
			}
		}
	})
	for c := range sep {
		sep[c] = math.Float64frombits(best[c].Load())
	}
	return sep
}

// storeMin lowers the non-negative float64 held in a to v if v is smaller.
func storeMin(a *atomic.Uint64, v float64) {
	for {
		old := a.Load()
		if math.Float64frombits(old) <= v || a.CompareAndSwap(old, math.Float64bits(v)) {
			return
		}
	}
}

// sepTree is a k-d tree over the internal points of every cluster, stored in tree order.
type sepTree struct {
	d     int
	pts   []float64
	acore []float64
	lab   []int32 // cluster index
	nodes []kdNode
	box   []float64 // per node: d lower bounds, then d upper bounds
}

type kdNode struct {
	lo, hi      int32 // point range
	left, right int32 // children; -1 for a leaf
	tag         int32 // the cluster of every point in the node, or -1 when mixed
	minA        float64
}

func newSepTree(p *packed, acores [][]float64, trees []clusterTree) *sepTree {
	d := p.d
	var src []float64
	var srcA []float64
	var srcL []int32
	for c, g := range p.groups {
		for _, v := range trees[c].internal {
			src = append(src, g.pts[int(v)*d:int(v)*d+d]...)
			srcA = append(srcA, acores[c][v])
			srcL = append(srcL, int32(c))
		}
	}
	n := len(srcL)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	t := &sepTree{d: d}
	t.build(perm, 0, n, src, srcA, srcL)
	t.pts, t.acore, t.lab = make([]float64, n*d), make([]float64, n), make([]int32, n)
	for i, s := range perm {
		copy(t.pts[i*d:i*d+d], src[int(s)*d:int(s)*d+d])
		t.acore[i], t.lab[i] = srcA[s], srcL[s]
	}
	return t
}

// build makes the node for perm[lo:hi] (indices into src) and returns its index.
func (t *sepTree) build(perm []int32, lo, hi int, src, srcA []float64, srcL []int32) int32 {
	d := t.d
	ni := int32(len(t.nodes))
	nd := kdNode{lo: int32(lo), hi: int32(hi), left: -1, right: -1, tag: srcL[perm[lo]], minA: math.Inf(1)}
	box := make([]float64, 2*d)
	for k := range d {
		box[k], box[d+k] = math.Inf(1), math.Inf(-1)
	}
	for _, s := range perm[lo:hi] {
		for k, v := range src[int(s)*d : int(s)*d+d] {
			box[k], box[d+k] = min(box[k], v), max(box[d+k], v)
		}
		nd.minA = min(nd.minA, srcA[s])
		if srcL[s] != nd.tag {
			nd.tag = -1
		}
	}
	t.nodes = append(t.nodes, nd)
	t.box = append(t.box, box...)
	if hi-lo <= kdLeafSize {
		return ni
	}
	dim := 0
	for k := 1; k < d; k++ {
		if box[d+k]-box[k] > box[d+dim]-box[dim] {
			dim = k
		}
	}
	mid := (lo + hi) / 2
	selectNth(perm[lo:hi], mid-lo, func(s int32) float64 { return src[int(s)*d+dim] })
	left := t.build(perm, lo, mid, src, srcA, srcL)
	right := t.build(perm, mid, hi, src, srcA, srcL)
	t.nodes[ni].left, t.nodes[ni].right = left, right
	return ni
}

// boxDist2 is a lower bound of sqDist(x, q) over the points q of node ni: the coordinates'
// gaps to the box are no larger than to any point in it, and rounding is monotonic.
func (t *sepTree) boxDist2(ni int32, x []float64) float64 {
	d := t.d
	b := t.box[int(ni)*2*d : int(ni)*2*d+2*d]
	var s float64
	for k, v := range x {
		var g float64
		if lo := b[k]; v < lo {
			g = lo - v
		} else if hi := b[d+k]; v > hi {
			g = v - hi
		}
		s += g * g
	}
	return s
}

// visit returns min(best, the smallest mutual reachability distance from the query point
// (xa, core distance aa, cluster ca) to a point of another cluster in node ni), where bd2 is
// the node's boxDist2 from xa.
func (t *sepTree) visit(ni int32, bd2 float64, xa []float64, aa float64, ca int32, best float64) float64 {
	nd := &t.nodes[ni]
	if nd.tag == ca || max(aa, nd.minA) >= best || math.Sqrt(bd2) >= best {
		return best
	}
	if nd.left < 0 {
		d := t.d
		for q := nd.lo; q < nd.hi; q++ {
			low := max(aa, t.acore[q])
			if t.lab[q] == ca || low >= best {
				continue
			}
			if mr := mutualReach(sqDist(xa, t.pts[int(q)*d:]), low); mr < best {
				best = mr
			}
		}
		return best
	}
	l, r := nd.left, nd.right
	dl, dr := t.boxDist2(l, xa), t.boxDist2(r, xa)
	if dr < dl {
		l, r, dl, dr = r, l, dr, dl
	}
	best = t.visit(l, dl, xa, aa, ca, best)
	return t.visit(r, dr, xa, aa, ca, best)
}

// selectNth reorders perm so that perm[k] has the k-th smallest key, smaller-or-equal keys
// before it and greater-or-equal after (three-way quickselect, deterministic).
func selectNth(perm []int32, k int, key func(int32) float64) {
	lo, hi := 0, len(perm)
	for hi-lo > 1 {
		a, b, c := key(perm[lo]), key(perm[(lo+hi)/2]), key(perm[hi-1])
		pivot := max(min(a, b), min(max(a, b), c))
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch kv := key(perm[i]); {
			case kv < pivot:
				perm[lt], perm[i] = perm[i], perm[lt]
				lt++
				i++
			case kv > pivot:
				gt--
				perm[i], perm[gt] = perm[gt], perm[i]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return
		}
	}
}
