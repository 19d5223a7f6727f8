package hdbscan

import (
	"math"
	"sync/atomic"

	"github.com/storeseg/storeseg/model/internal/parallel"
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
// outside its component by (key, row): from the k-nearest-neighbour table when that settles
// it, otherwise by a k-d tree search (per point while few points need one, else a dual-tree
// traversal) that skips nodes lying inside the point's component, nodes farther than the best
// edge known for the component (seeded from the neighbour table before the round and lowered
// as searches go), and points whose core distance, or whose nearest point outside in an
// earlier round, already exceeds it. A point's exact answer is kept while its neighbour stays
// outside the component, so only points whose neighbour was absorbed search again. Each
// component then takes its smallest edge by (key, row inside, row outside), so the tree does
// not depend on the number of workers or on the order searches finish in.
type boruvka struct {
	t        *kdTree
	alphaOne bool
	alpha    float64
	ck       []float64 // core key by tree position
	minCk    []float64 // smallest core key per node
	nbPos    []int32   // per position: neighbour table, as tree positions (−1 for own class)
	nbKey    []float64 // per position: key of the edge to each neighbour
	kn       int       // neighbours per position in nbPos
	comp     []int32   // component (its root position) by tree position
	nodeComp []int32   // component of every point of a node, or −1
	best     []float64 // per position: best key found
	bestQ    []int32   // per position: its partner position, −1 for none
	valid    []bool    // per position: best/bestQ is the exact nearest outside the component
	fresh    []bool    // per position: searched in the current round
	lb       []float64 // per position: lower bound on the key of its nearest point outside
	bound    []uint64  // per component root: float64 bits of the smallest known edge key
	uf       []int32   // union-find parents over positions
	rank     []uint8
}

// newBoruvka prepares the search over tree t of the classes of identical rows (t's rows are
// classes). coreKey holds every class's core key; kt is the neighbour table of the rows.
func newBoruvka(t *kdTree, coreKey []float64, alpha float64, cls *classes, kt *knnTable, workers int) *boruvka {
	m, kn := t.n, kt.k
	b := &boruvka{
		t: t, alpha: alpha, alphaOne: alpha == 1, kn: kn,
		ck: make([]float64, m), minCk: make([]float64, len(t.nodes)),
		nbPos: make([]int32, m*kn), nbKey: make([]float64, m*kn),
		comp: make([]int32, m), nodeComp: make([]int32, len(t.nodes)),
		best: make([]float64, m), bestQ: make([]int32, m), valid: make([]bool, m), fresh: make([]bool, m),
		lb:    make([]float64, m),
		bound: make([]uint64, m), uf: make([]int32, m), rank: make([]uint8, m),
	}
	for p, r := range t.idx {
		b.ck[p] = coreKey[r]
		b.lb[p] = b.ck[p] // every edge of p is at least its core key
		b.uf[p] = int32(p)
		b.bestQ[p] = -1
	}
	parallel.For(workers, m, 4096, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			c := t.idx[p]
			rep := int(cls.rep(int(c)))
			rds := kt.dists(rep)
			for j, row := range kt.rows(rep) {
				o := cls.of[row]
				if o == c {
					b.nbPos[p*kn+j] = -1 // the class itself
					continue
				}
				q := t.pos[o]
				b.nbPos[p*kn+j] = q
				b.nbKey[p*kn+j] = max(b.ck[p], b.ck[q], b.key(rds[j]))
			}
		}
	})
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

// key maps a squared distance to a key.
func (b *boruvka) key(rd float64) float64 {
	if b.alphaOne {
		return rd
	}
	return math.Sqrt(rd) / b.alpha
}

// run returns the m−1 edges of the spanning tree, endpoints as rows of the tree's input.
// exact reports, per position, that the neighbour table holds every point whose edge key
// equals the point's core key (so the first round needs no search for it).
func (b *boruvka) run(workers int, exact []bool) []keyEdge {
	m := b.t.n
	edges := make([]keyEdge, 0, max(m-1, 0))
	b.firstRound(exact)
	const grain = 1024
	for len(edges) < m-1 {
		b.prepareRound()
		parallel.For(workers, m, grain, func(_, lo, hi int) {
			for p := lo; p < hi; p++ {
				b.seedBound(int32(p))
			}
		})
		b.searchRound(workers)
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

// firstRound settles, from the neighbour table, every point whose smallest edge is its core
// key: a neighbour q with core key at most the point's, at a key no larger. Among all such
// points (all in the table when exact[p]) the lowest row wins.
func (b *boruvka) firstRound(exact []bool) {
	kn, idx := b.kn, b.t.idx
	for p := range b.ck {
		if !exact[p] {
			continue
		}
		bq := int32(-1)
		for j, q := range b.nbPos[p*kn : (p+1)*kn] {
			if q >= 0 && b.nbKey[p*kn+j] == b.ck[p] && (bq < 0 || idx[q] < idx[bq]) {
				bq = q
			}
		}
		if bq >= 0 {
			b.best[p], b.bestQ[p], b.valid[p] = b.ck[p], bq, true
		}
	}
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
			b.lb[p] = max(b.lb[p], b.best[p]) // it was exact, and components only grow
		}
		if b.valid[p] && b.best[p] < math.Float64frombits(b.bound[c]) {
			b.bound[c] = math.Float64bits(b.best[p])
		}
	}
}

// seedBound lowers the bound of p's component with p's table edges leaving it.
func (b *boruvka) seedBound(p int32) {
	cp := b.comp[p]
	v := math.Inf(1)
	for j, q := range b.nbPos[int(p)*b.kn : int(p+1)*b.kn] {
		if q >= 0 && b.comp[q] != cp {
			v = min(v, b.nbKey[int(p)*b.kn+j])
		}
	}
	if v < b.compBound(cp) {
		b.lowerBound(cp, v)
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

// search finds the nearest point outside p's component by (key, row), within the bound of
// p's component.
func (b *boruvka) search(p int32, stack []nodeDist) []nodeDist {
	t := b.t
	d := t.d
	cp, ckp := b.comp[p], b.ck[p]
	best, bq := math.Inf(1), int32(-1)
	cb := b.compBound(cp)
	x := t.pts[int(p)*d : int(p+1)*d]
	stack = append(stack[:0], nodeDist{0, b.childBound(x, ckp, cp, 0)})
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		cb = b.compBound(cp)
		bound := min(best, cb)
		if top.rd > bound {
			continue
		}
		id := int(top.id)
		nd := t.nodes[id]
		if nd.leaf() {
			for q := nd.start; q < nd.end; q++ {
				ckq := b.ck[q]
				if ckq > bound || b.comp[q] == cp {
					continue
				}
				k := max(ckp, ckq, b.key(rdist(x, t.pts[int(q)*d:int(q+1)*d])))
				if k < best || (k == best && t.idx[q] < t.idx[bq]) {
					best, bq = k, q
					if k < cb {
						b.lowerBound(cp, k)
						cb = k
					}
					bound = min(best, cb)
				}
			}
			continue
		}
		l, r := int(nd.left), int(nd.right)
		ll, lr := b.childBound(x, ckp, cp, l), b.childBound(x, ckp, cp, r)
		if ll <= lr {
			stack = pushIfNotAbove(stack, nodeDist{int32(r), lr}, bound)
			stack = pushIfNotAbove(stack, nodeDist{int32(l), ll}, bound)
		} else {
			stack = pushIfNotAbove(stack, nodeDist{int32(l), ll}, bound)
			stack = pushIfNotAbove(stack, nodeDist{int32(r), lr}, bound)
		}
	}
	b.best[p], b.bestQ[p] = best, bq
	return stack
}

// childBound is a lower bound on the key of any edge from the point x (core key ckp, in
// component cp) into node id, +Inf when the node lies inside the component.
func (b *boruvka) childBound(x []float64, ckp float64, cp int32, id int) float64 {
	if b.nodeComp[id] == cp {
		return math.Inf(1)
	}
	return max(ckp, b.minCk[id], b.key(b.t.pointBoxRd(x, id)))
}

func pushIfNotAbove(stack []nodeDist, nd nodeDist, bound float64) []nodeDist {
	if nd.rd <= bound {
		stack = append(stack, nd)
	}
	return stack
}

// merge picks every component's smallest edge, adds those that join two components, and
// marks which fresh answers are exact.
func (b *boruvka) merge(edges []keyEdge) []keyEdge {
	m := len(b.comp)
	idx := b.t.idx
	choice := make([]int32, m) // per component root: the chosen point, −1 for none
	for i := range choice {
		choice[i] = -1
	}
	for p, c := range b.comp {
		if b.fresh[p] {
			// Every edge the search skipped had a key above the component's final
			// bound, so the nearest point outside is at least min(best, bound) away,
			// and stays so as components only grow.
			b.fresh[p] = false
			cb := b.compBound(c)
			b.valid[p] = b.bestQ[p] >= 0 && b.best[p] <= cb
			b.lb[p] = max(b.lb[p], min(b.best[p], cb))
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

// Dual-tree traversal (March, Ram & Gray 2010): query nodes against reference nodes, pruning
// a pair when both nodes lie inside one component or when the pair's lower bound exceeds the
// query node's bound, the largest bound among its active points. The query tree is cut into
// subtrees that workers take in turn; a point's best edge is written only by the worker that
// owns its subtree, and component bounds are shared atomically, so the outcome (each
// component's smallest edge by (key, row, row)) does not depend on scheduling.

// roundState holds the per-round node data of the query tree.
type roundState struct {
	qBound []float64 // per node: largest bound of its active points (−Inf: none)
	qMinCk []float64 // per node: smallest core key of its active points
	active []bool    // per position
}

// searchRound searches every active point: a point whose answer is not cached and whose
// lower bound (its core key, or its nearest point outside in an earlier round: components
// only grow) does not exceed its component's bound. When few points are active (the early
// rounds, where most cached answers survive) each is searched on its own; otherwise the
// dual-tree traversal shares the work of whole query nodes.
func (b *boruvka) searchRound(workers int) {
	t := b.t
	var act []int32
	for p := range t.n {
		if b.valid[p] {
			continue
		}
		b.best[p], b.bestQ[p] = math.Inf(1), -1
		if b.lb[p] <= b.compBound(b.comp[p]) {
			act = append(act, int32(p))
		}
	}
	if len(act) >= t.n/4 {
		b.dualRound(workers, act)
		return
	}
	parallel.For(workers, len(act), 256, func(_, lo, hi int) {
		var stack []nodeDist
		for _, p := range act[lo:hi] {
			if b.lb[p] <= b.compBound(b.comp[p]) {
				b.fresh[p] = true
				stack = b.search(p, stack)
			}
		}
	})
}

// dualRound runs the dual-tree traversal for the active points.
func (b *boruvka) dualRound(workers int, act []int32) {
	t := b.t
	rs := &roundState{
		qBound: make([]float64, len(t.nodes)),
		qMinCk: make([]float64, len(t.nodes)),
		active: make([]bool, t.n),
	}
	for _, p := range act {
		rs.active[p] = true
		b.fresh[p] = true
	}
	subtrees := t.subtrees(8 * max(workers, 1))
	// Subtrees holding several components first: they hold the short edges between
	// components, whose keys make the bounds tight for the rest.
	mixed := subtrees[:0:0]
	for _, q := range subtrees {
		if b.nodeComp[q] < 0 {
			mixed = append(mixed, q)
		}
	}
	for _, q := range subtrees {
		if b.nodeComp[q] >= 0 {
			mixed = append(mixed, q)
		}
	}
	parallel.For(workers, len(mixed), 1, func(_, lo, hi int) {
		for _, q := range mixed[lo:hi] {
			b.initQueryBounds(rs, int(q))
			b.traverse(rs, int(q), 0)
		}
	})
}

// subtrees returns about count disjoint subtrees covering the tree (nodes at a fixed depth,
// plus shallower leaves).
func (t *kdTree) subtrees(count int) []int32 {
	out := []int32{0}
	for len(out) < count {
		var next []int32
		split := false
		for _, id := range out {
			nd := t.nodes[id]
			if nd.leaf() {
				next = append(next, id)
				continue
			}
			next = append(next, nd.left, nd.right)
			split = true
		}
		out = next
		if !split {
			break
		}
	}
	return out
}

// initQueryBounds fills qBound and qMinCk bottom-up.
func (b *boruvka) initQueryBounds(rs *roundState, id int) {
	nd := b.t.nodes[id]
	if nd.leaf() {
		b.leafQueryBound(rs, id)
		mc := math.Inf(1)
		for p := nd.start; p < nd.end; p++ {
			if rs.active[p] {
				mc = min(mc, b.ck[p])
			}
		}
		rs.qMinCk[id] = mc
		return
	}
	b.initQueryBounds(rs, int(nd.left))
	b.initQueryBounds(rs, int(nd.right))
	rs.qBound[id] = max(rs.qBound[nd.left], rs.qBound[nd.right])
	rs.qMinCk[id] = min(rs.qMinCk[nd.left], rs.qMinCk[nd.right])
}

// leafQueryBound recomputes a query leaf's bound from its active points.
func (b *boruvka) leafQueryBound(rs *roundState, id int) {
	nd := b.t.nodes[id]
	v := math.Inf(-1)
	for p := nd.start; p < nd.end; p++ {
		if rs.active[p] {
			v = max(v, min(b.best[p], b.compBound(b.comp[p])))
		}
	}
	rs.qBound[id] = v
}

// traverse visits the pair (query node q, reference node r).
func (b *boruvka) traverse(rs *roundState, q, r int) {
	t := b.t
	if rs.qBound[q] == math.Inf(-1) {
		return
	}
	if c := b.nodeComp[q]; c >= 0 && b.nodeComp[r] == c {
		return
	}
	if max(rs.qMinCk[q], b.minCk[r], b.key(boxRd(t, q, t, r))) > rs.qBound[q] {
		return
	}
	nq, nr := t.nodes[q], t.nodes[r]
	switch {
	case nq.leaf() && nr.leaf():
		b.scanPair(rs, q, r)
		b.leafQueryBound(rs, q)
	case nq.leaf() || (!nr.leaf() && nr.end-nr.start >= nq.end-nq.start):
		l, rr := int(nr.left), int(nr.right)
		if boxRd(t, q, t, l) <= boxRd(t, q, t, rr) {
			b.traverse(rs, q, l)
			b.traverse(rs, q, rr)
		} else {
			b.traverse(rs, q, rr)
			b.traverse(rs, q, l)
		}
	default:
		l, rr := int(nq.left), int(nq.right)
		b.traverse(rs, l, r)
		b.traverse(rs, rr, r)
		rs.qBound[q] = max(rs.qBound[l], rs.qBound[rr])
	}
}

// scanPair offers the points of reference leaf r to the active points of query leaf q.
func (b *boruvka) scanPair(rs *roundState, q, r int) {
	t := b.t
	d := t.d
	nq, nr := t.nodes[q], t.nodes[r]
	for p := nq.start; p < nq.end; p++ {
		if !rs.active[p] {
			continue
		}
		cp := b.comp[p]
		cb := b.compBound(cp)
		best := b.best[p]
		bound := min(best, cb)
		ckp := b.ck[p]
		if ckp > bound || b.nodeComp[r] == cp {
			continue
		}
		x := t.pts[int(p)*d : int(p+1)*d]
		if b.key(t.pointBoxRd(x, r)) > bound {
			continue
		}
		bq := b.bestQ[p]
		for j := nr.start; j < nr.end; j++ {
			ckq := b.ck[j]
			if ckq > bound || b.comp[j] == cp {
				continue
			}
			k := max(ckp, ckq, b.key(rdist(x, t.pts[int(j)*d:int(j+1)*d])))
			if k < best || (k == best && t.idx[j] < t.idx[bq]) {
				best, bq = k, j
				if k < cb {
					b.lowerBound(cp, k)
					cb = k
				}
				bound = min(best, cb)
			}
		}
		b.best[p], b.bestQ[p] = best, bq
	}
}
