package hdbscan

import (
	"math"
	"sync/atomic"
)

// keyEdge is a spanning-tree edge between rows a and b of a tree, weighted by its key.
type keyEdge struct {
	a, b int32
	key  float64
}

// boruvka computes an exact minimum spanning tree of the mutual reachability graph with
// Borůvka's algorithm on a k-d tree (March, Ram & Gray 2010; McInnes & Healy 2017).
//
// Weights are compared as keys, a monotone image of hdbscan's mutual reachability
// max(core_a, core_b, d/α): with α = 1 the key is the squared value (so no square root is
// taken), otherwise the value itself. Every round finds, for each point, its nearest point
// outside its component by (key, row) with a k-d tree search that skips nodes lying inside the
// point's component, nodes farther than the best edge known for the component, and points
// whose core distance alone exceeds it. A point's exact answer is kept while its neighbour
// stays outside the component, so later rounds only search points whose neighbour was
// absorbed. Each component then takes its smallest edge by (key, row inside, row outside), so
// the tree does not depend on the number of workers.
type boruvka struct {
	t        *kdTree
	alphaOne bool
	alpha    float64
	ck       []float64 // core key by tree position
	minCk    []float64 // smallest core key per node
	comp     []int32   // component (its root position) by tree position
	nodeComp []int32   // component of every point of a node, or −1
	best     []float64 // per position: best key found
	bestQ    []int32   // per position: its partner position, −1 for none
	valid    []bool    // per position: best/bestQ is the exact nearest outside the component
	fresh    []bool    // per position: searched in the current round
	bound    []uint64  // per component root: float64 bits of the smallest known edge key
	uf       []int32   // union-find parents over positions
	rank     []uint8
	leaves   []int32
}

func newBoruvka(t *kdTree, coreKey []float64, alpha float64) *boruvka {
	m := t.n
	b := &boruvka{
		t: t, alpha: alpha, alphaOne: alpha == 1,
		ck: make([]float64, m), minCk: make([]float64, len(t.nodes)),
		comp: make([]int32, m), nodeComp: make([]int32, len(t.nodes)),
		best: make([]float64, m), bestQ: make([]int32, m), valid: make([]bool, m), fresh: make([]bool, m),
		bound: make([]uint64, m), uf: make([]int32, m), rank: make([]uint8, m),
		leaves: t.leafIDs(),
	}
	for p, r := range t.idx {
		b.ck[p] = coreKey[r]
		b.uf[p] = int32(p)
		b.bestQ[p] = -1
	}
	for id := len(t.nodes) - 1; id >= 0; id-- {
		nd := t.nodes[id]
		if nd.leaf() {
			v := math.Inf(1)
			for _, c := range b.ck[nd.start:nd.end] {
				v = min(v, c)
			}
			b.minCk[id] = v
		} else {
			b.minCk[id] = min(b.minCk[nd.left], b.minCk[nd.right])
		}
	}
	return b
}

func (b *boruvka) find(p int32) int32 {
	for b.uf[p] != p {
		b.uf[p] = b.uf[b.uf[p]]
		p = b.uf[p]
	}
	return p
}

func (b *boruvka) union(x, y int32) {
	x, y = b.find(x), b.find(y)
	switch {
	case b.rank[x] < b.rank[y]:
		b.uf[x] = y
	case b.rank[x] > b.rank[y]:
		b.uf[y] = x
	default:
		b.uf[y] = x
		b.rank[x]++
	}
}

// run returns the m−1 edges of the spanning tree, endpoints as rows of the tree's input.
func (b *boruvka) run(workers int) []keyEdge {
	m := b.t.n
	edges := make([]keyEdge, 0, max(m-1, 0))
	for len(edges) < m-1 {
		b.prepareRound()
		parallelFor(workers, len(b.leaves), 8, func(_, lo, hi int) {
			var s boruvkaScratch
			for _, q := range b.leaves[lo:hi] {
				b.searchLeaf(int(q), &s)
			}
		})
		before := len(edges)
		edges = b.merge(edges)
		if len(edges) == before {
			// Every component always has an exact smallest outgoing edge; reaching this
			// means a broken invariant, not bad data.
			panic("hdbscan: internal error: Borůvka round added no edge")
		}
	}
	return edges
}

// prepareRound labels components, marks uniform nodes, drops cached answers whose partner
// joined the point's component and seeds every component's bound with the cached answers.
func (b *boruvka) prepareRound() {
	for p := range b.comp {
		b.comp[p] = b.find(int32(p))
	}
	for id := len(b.t.nodes) - 1; id >= 0; id-- {
		nd := b.t.nodes[id]
		if !nd.leaf() {
			l, r := b.nodeComp[nd.left], b.nodeComp[nd.right]
			if l != r {
				l = -1
			}
			b.nodeComp[id] = l
			continue
		}
		c := b.comp[nd.start]
		for _, o := range b.comp[nd.start+1 : nd.end] {
			if o != c {
				c = -1
				break
			}
		}
		b.nodeComp[id] = c
	}
	inf := math.Float64bits(math.Inf(1))
	for p := range b.bound {
		b.bound[p] = inf
	}
	for p, c := range b.comp {
		if b.valid[p] && b.comp[b.bestQ[p]] == c {
			b.valid[p] = false
		}
		if b.valid[p] && b.best[p] < math.Float64frombits(b.bound[c]) {
			b.bound[c] = math.Float64bits(b.best[p])
		}
	}
}

// compBound reads the current bound of component c.
func (b *boruvka) compBound(c int32) float64 {
	return math.Float64frombits(atomic.LoadUint64(&b.bound[c]))
}

// lowerBound lowers the bound of component c to v if v is smaller.
func (b *boruvka) lowerBound(c int32, v float64) {
	nv := math.Float64bits(v)
	for {
		old := atomic.LoadUint64(&b.bound[c])
		if math.Float64frombits(old) <= v || atomic.CompareAndSwapUint64(&b.bound[c], old, nv) {
			return
		}
	}
}

// merge picks every component's smallest edge, adds those that join two components, and
// marks which cached answers are exact.
func (b *boruvka) merge(edges []keyEdge) []keyEdge {
	m := len(b.comp)
	idx := b.t.idx
	choice := make([]int32, m) // per component root: the chosen point, −1 for none
	for i := range choice {
		choice[i] = -1
	}
	for p, c := range b.comp {
		if b.fresh[p] {
			b.fresh[p] = false
			b.valid[p] = b.bestQ[p] >= 0 && b.best[p] <= b.compBound(c)
		}
		if !b.valid[p] {
			continue
		}
		o := choice[c]
		if o < 0 || b.best[p] < b.best[o] || (b.best[p] == b.best[o] &&
			(idx[p] < idx[o] || (idx[p] == idx[o] && idx[b.bestQ[p]] < idx[b.bestQ[o]]))) {
			choice[c] = int32(p)
		}
	}
	for c, p := range choice {
		if p < 0 || int(b.comp[c]) != c {
			continue
		}
		q := b.bestQ[p]
		if b.find(p) == b.find(q) {
			continue
		}
		b.union(p, q)
		edges = append(edges, keyEdge{idx[p], idx[q], b.best[p]})
	}
	return edges
}

type boruvkaScratch struct {
	active []int32
	stack  []nodeDist
}

// searchLeaf searches the nearest point outside the component for every point of leaf q
// that has no exact cached answer, walking the tree once for the whole leaf.
func (b *boruvka) searchLeaf(q int, s *boruvkaScratch) {
	nq := b.t.nodes[q]
	s.active = s.active[:0]
	minCk := math.Inf(1)
	for p := nq.start; p < nq.end; p++ {
		if b.valid[p] {
			continue
		}
		b.best[p], b.bestQ[p] = math.Inf(1), -1
		if b.ck[p] > b.compBound(b.comp[p]) {
			continue // every edge of p is longer than a known edge of its component
		}
		b.fresh[p] = true
		s.active = append(s.active, p)
		minCk = min(minCk, b.ck[p])
	}
	if len(s.active) == 0 {
		return
	}
	qComp := b.nodeComp[q]
	qBound := b.activeBound(s.active)
	s.stack = append(s.stack[:0], nodeDist{0, 0})
	for len(s.stack) > 0 {
		top := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		id := int(top.id)
		if qComp >= 0 && b.nodeComp[id] == qComp {
			continue
		}
		if max(minCk, b.minCk[id], b.key(top.rd)) > qBound {
			continue
		}
		nd := b.t.nodes[id]
		if nd.leaf() {
			b.scanLeaf(s.active, id)
			qBound = b.activeBound(s.active)
			continue
		}
		l, r := int(nd.left), int(nd.right)
		dl, dr := boxRd(b.t, q, b.t, l), boxRd(b.t, q, b.t, r)
		if dl <= dr {
			s.stack = append(s.stack, nodeDist{int32(r), dr}, nodeDist{int32(l), dl})
		} else {
			s.stack = append(s.stack, nodeDist{int32(l), dl}, nodeDist{int32(r), dr})
		}
	}
}

// key maps a squared distance to a key.
func (b *boruvka) key(rd float64) float64 {
	if b.alphaOne {
		return rd
	}
	return math.Sqrt(rd) / b.alpha
}

// activeBound is the largest bound of the active points: a node whose lower bound exceeds
// it cannot improve any of them.
func (b *boruvka) activeBound(active []int32) float64 {
	v := 0.0
	for _, p := range active {
		v = max(v, min(b.best[p], b.compBound(b.comp[p])))
	}
	return v
}

// scanLeaf offers the points of leaf r to the active points.
func (b *boruvka) scanLeaf(active []int32, r int) {
	t := b.t
	d := t.d
	nr := t.nodes[r]
	for _, p := range active {
		cp := b.comp[p]
		cb := b.compBound(cp)
		bound := min(b.best[p], cb)
		ckp := b.ck[p]
		if ckp > bound {
			continue
		}
		x := t.pts[int(p)*d : int(p+1)*d]
		if b.key(t.pointBoxRd(x, r)) > bound {
			continue
		}
		for q := nr.start; q < nr.end; q++ {
			if b.comp[q] == cp {
				continue
			}
			ckq := b.ck[q]
			if ckq > bound {
				continue
			}
			k := max(ckp, ckq, b.key(rdist(x, t.pts[int(q)*d:int(q+1)*d])))
			if k < b.best[p] || (k == b.best[p] && t.idx[q] < t.idx[b.bestQ[p]]) {
				b.best[p], b.bestQ[p] = k, q
				if k < cb {
					b.lowerBound(cp, k)
					cb = k
				}
				bound = min(k, cb)
			}
		}
	}
}
