package hdbscan

import (
	"fmt"
	"math"
	"sync"
)

// exemplars lists, for every selected cluster, the points of each leaf cluster below it (in
// hdbscan's depth-first leaf order) that left the leaf at its largest λ, in row order
// (hdbscan's PredictionData.exemplars, as rows).
func (t *ctree) exemplars(sel []int32) [][]int {
	byParent := make([][]int32, t.nc) // point rows per cluster, in row order
	for i, r := range t.rows {
		if r.Child < t.n {
			byParent[r.Parent-t.n] = append(byParent[r.Parent-t.n], int32(i))
		}
	}
	out := make([][]int, len(sel))
	var stack []int32
	for i, s := range sel {
		ex := []int{}
		stack = append(stack[:0], s)
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if ch := t.children[c]; len(ch) > 0 {
				for j := len(ch) - 1; j >= 0; j-- {
					stack = append(stack, ch[j])
				}
				continue
			}
			for _, ri := range byParent[c] {
				if r := t.rows[ri]; r.Lambda == t.death[c] {
					ex = append(ex, r.Child)
				}
			}
		}
		out[i] = ex
	}
	return out
}

// Predictor assigns new points to a fitted clustering without refitting: hdbscan's
// prediction data with approximate_predict and approximate_predict_scores. It is immutable
// and safe for concurrent use.
//
// As in hdbscan's PredictionData, core distances for prediction are the distance to the
// MinSamples-th nearest training row counting the row itself (k = min_samples, one fewer
// neighbour than clustering uses), and MinSamples is the configured value, not clamped to
// n−1; where hdbscan would fail because k exceeds n, k is clamped to n.
//
// Clusters map to labels through the clusters the fit selected: a selected cluster and every
// cluster below it carry its label, so a prediction is always a label of the fit or −1.
// (hdbscan 0.8.44 re-derives the selected clusters from labels_ as the lowest condensed-tree
// parent among each label's points and numbers them by sorting those ids; when a selected
// cluster has no point leaving it directly, that picks one of its sub-clusters, can swap two
// labels and sends part of the cluster to noise. Here the fit's own selection is used, which
// agrees with hdbscan whenever every selected cluster has a point leaving it directly.)
//
// A Predictor comes from Result.PredictionData or UnmarshalBinary; the zero value holds no
// model (its methods panic, MarshalBinary fails) and a Predictor must not be copied.
type Predictor struct {
	tree       *kdTree
	minSamples int
	core       []float64 // prediction core distance per row
	rows       []CondensedRow
	pointRow   []int32 // row of the condensed tree where each point leaves
	// Per cluster (id − n): parent cluster (−1 for the root), birth λ, label (−1 if not
	// under a selected cluster), the λ limit for probabilities and the subtree's largest λ.
	parent    []int32
	birth     []float64
	label     []int32
	maxLambda []float64
	death     []float64
	nClusters int
	hasTree   bool // the condensed tree has a cluster below the root
	scratch   sync.Pool
}

type predScratch struct {
	nb  []neighbor // the search's candidates: capacity k
	off []float64
	q   knnQuery
}

// PredictionData returns the Predictor for this clustering, building it on the first call
// (later calls return the same Predictor). It is safe for concurrent use. It panics on a
// Result that Cluster did not return. The Result keeps a copy of the training rows for it.
func (r *Result) PredictionData() *Predictor {
	ps := r.pred
	if ps == nil {
		panic("hdbscan: PredictionData on a Result not returned by Cluster")
	}
	ps.once.Do(func() {
		core := make([]float64, len(ps.predRd))
		for i, v := range ps.predRd {
			core[i] = math.Sqrt(v)
		}
		ps.p = newPredictor(ps.tree, ps.ms, core, ps.ct, ps.selected)
	})
	return ps.p
}

func newPredictor(tree *kdTree, ms int, core []float64, ct *ctree, sel []int32) *Predictor {
	p := &Predictor{
		tree: tree, minSamples: ms, core: core, rows: ct.rows,
		pointRow: make([]int32, ct.n),
		parent:   ct.parent, birth: ct.birth,
		label: make([]int32, ct.nc), maxLambda: make([]float64, ct.nc),
		death: ct.subtreeDeaths(), nClusters: len(sel), hasTree: ct.nc > 1,
	}
	for i, r := range ct.rows {
		if r.Child < ct.n {
			p.pointRow[r.Child] = int32(i)
		}
	}
	for c := range p.label {
		p.label[c] = -1
	}
	// hdbscan maps each selected cluster in ascending id order, then everything below it,
	// so a selected cluster nested below another keeps its own label.
	var queue []int32
	for i, s := range sel {
		queue = append(queue[:0], s)
		for j := 0; j < len(queue); j++ {
			c := queue[j]
			p.label[c], p.maxLambda[c] = int32(i), ct.death[s]
			queue = append(queue, ct.children[c]...)
		}
	}
	p.initScratch()
	return p
}

func (p *Predictor) initScratch() {
	k := min(2*p.minSamples, p.tree.n)
	d := p.tree.d
	p.scratch.New = func() any { return &predScratch{nb: make([]neighbor, 0, k), off: make([]float64, d)} }
}

// Dims is the number of columns a point must have (0 for the zero Predictor).
func (p *Predictor) Dims() int {
	if p.tree == nil {
		return 0
	}
	return p.tree.d
}

// NClusters is the number of clusters of the fit.
func (p *Predictor) NClusters() int { return p.nClusters }

// ApproximatePredict returns the cluster label (−1 for noise) a new point would get and its
// membership probability: hdbscan's approximate_predict. Its core distance is the distance
// to its (MinSamples+1)-th nearest training row among the 2·MinSamples nearest (neighbours
// ordered by distance, then row); it joins the neighbour with the smallest mutual
// reachability max(core_row, core_point, d) (the first such neighbour), at λ = 1/that
// distance, and climbs from the neighbour's cluster while the cluster was born at a λ of at
// least the point's. A model with no cluster below the root predicts (−1, 0); so does a point
// holding NaN or ±Inf. It does not allocate once warm. It panics if len(point) != Dims().
//
// Predict gives this and OutlierScore from one neighbour query.
func (p *Predictor) ApproximatePredict(point []float64) (label int, prob float64) {
	p.checkDims(point)
	if !p.hasTree || !finite(point) {
		return -1, 0
	}
	s := p.scratch.Get().(*predScratch)
	nn, lambda, _ := p.nearest(point, s)
	p.scratch.Put(s)
	return p.labelOf(nn, lambda)
}

// OutlierScore returns the GLOSH outlier score of a new point relative to the fit: hdbscan's
// approximate_predict_scores. With the neighbour and λ of ApproximatePredict (λ replaced by
// the neighbour's own when the point coincides with a training row), it is (λmax − λ)/λmax
// with λmax the largest λ below the cluster the neighbour left; it can be negative for points
// denser than anything in that cluster. A model with no cluster below the root scores 1; a
// point holding NaN or ±Inf scores NaN. It does not allocate once warm and panics if
// len(point) != Dims().
func (p *Predictor) OutlierScore(point []float64) float64 {
	p.checkDims(point)
	if !finite(point) {
		return math.NaN()
	}
	if !p.hasTree {
		return 1
	}
	s := p.scratch.Get().(*predScratch)
	nn, lambda, minRd := p.nearest(point, s)
	p.scratch.Put(s)
	return p.scoreOf(nn, lambda, minRd)
}

// Predict returns what ApproximatePredict and OutlierScore return for point, bit for bit,
// from a single neighbour query (half the work of calling both). A model with no cluster
// below the root gives (−1, 0, 1); a point holding NaN or ±Inf gives (−1, 0, NaN). It does
// not allocate once warm and panics if len(point) != Dims().
func (p *Predictor) Predict(point []float64) (label int, prob, outlierScore float64) {
	p.checkDims(point)
	if !finite(point) {
		return -1, 0, math.NaN()
	}
	if !p.hasTree {
		return -1, 0, 1
	}
	s := p.scratch.Get().(*predScratch)
	nn, lambda, minRd := p.nearest(point, s)
	p.scratch.Put(s)
	label, prob = p.labelOf(nn, lambda)
	return label, prob, p.scoreOf(nn, lambda, minRd)
}

// labelOf is approximate_predict's label and probability for a point joining training row
// nn at lambda.
func (p *Predictor) labelOf(nn int32, lambda float64) (int, float64) {
	r := p.rows[p.pointRow[nn]]
	c := int32(r.Parent - p.tree.n)
	if r.Lambda > lambda {
		for c > 0 && p.birth[c] >= lambda {
			c = p.parent[c]
		}
	}
	l := p.label[c]
	if l < 0 {
		return -1, 0
	}
	lmax := p.maxLambda[c]
	if lmax > 0 {
		return int(l), min(lmax, lambda) / lmax
	}
	return int(l), 1
}

// scoreOf is approximate_predict_scores' score for a point joining training row nn at
// lambda, minRd being its squared distance to the nearest row.
func (p *Predictor) scoreOf(nn int32, lambda, minRd float64) float64 {
	r := p.rows[p.pointRow[nn]]
	if minRd == 0 {
		lambda = r.Lambda
	}
	lmax := p.death[r.Parent-p.tree.n]
	if lmax > 0 {
		return (lmax - lambda) / lmax
	}
	return 0
}

func (p *Predictor) checkDims(point []float64) {
	if p.tree == nil {
		panic("hdbscan: Predictor holds no model (use Result.PredictionData or UnmarshalBinary)")
	}
	if len(point) != p.tree.d {
		panic(fmt.Sprintf("hdbscan: point has %d dimensions, the model %d", len(point), p.tree.d))
	}
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// nearest is hdbscan's _find_neighbor_and_lambda: the training row with the smallest mutual
// reachability to x among its K = 2·MinSamples nearest (in (distance, row) order, the first
// such), the λ of that distance (the largest float64 when it is 0) and the squared distance
// to the nearest row.
//
// It first finds only the m+1 nearest, m = MinSamples (or K−1 when K is smaller): the last of
// them is at the point's core distance c. Every one of them has distance ≤ c, so its mutual
// reachability is max(core_row, c); every farther one has distance ≥ c. The smallest mutual
// reachability is therefore never below c, and when one of the m+1 has core_row ≤ c it is
// exactly c and the answer is the first of those in (distance, row) order. Only otherwise
// does it search all K neighbours and scan them as hdbscan does. Either way the result is
// the same, bit for bit; the first case is the common one and half the search.
func (p *Predictor) nearest(x []float64, s *predScratch) (row int32, lambda, minRd float64) {
	bigK := min(2*p.minSamples, p.tree.n)
	m := min(p.minSamples, bigK-1)
	h := p.knn(x, s, m+1)
	c, first := h[0], h[0]
	for _, q := range h[1:] {
		if c.less(q) {
			c = q // the (m+1)-th nearest
		}
		if q.less(first) {
			first = q
		}
	}
	corePt := math.Sqrt(c.rd)
	found := neighbor{math.Inf(1), math.MaxInt32}
	for _, q := range h {
		if p.core[q.row] <= corePt && q.less(found) {
			found = q
		}
	}
	best := corePt
	if found.row != math.MaxInt32 {
		row = found.row
	} else {
		best, row = math.Inf(1), -1
		bestNb := neighbor{math.Inf(1), math.MaxInt32}
		for _, q := range p.knn(x, s, bigK) {
			mr := max(p.core[q.row], corePt, math.Sqrt(q.rd))
			if mr < best || (mr == best && q.less(bestNb)) {
				best, bestNb = mr, q
			}
		}
		row = bestNb.row
	}
	lambda = math.MaxFloat64
	if best > 0 {
		lambda = 1 / best
	}
	return row, lambda, first.rd
}

// scanRows is the size below which a prediction query scans a subtree's rows (contiguous in
// tree order) against the subtree's box rather than descending to its leaves: fewer nodes
// for a few more distances, about 8% faster at k = 26 in 4 dimensions.
const scanRows = 32

// knnQuery is one k-nearest-neighbour query of a Predictor: the k smallest candidates so far
// in a max-heap under neighbor.less, so the bound (the heap's top once it holds k) tightens
// with every closer candidate.
type knnQuery struct {
	t     *kdTree
	x     []float64
	buf   []neighbor // max-heap, len ≤ k
	k     int
	bound neighbor // every row not in buf is at or above it
	off   []float64
}

// knn returns the k training rows nearest to x (1 ≤ k ≤ min(2·MinSamples, n)), the k
// smallest (distance, row) pairs under neighbor.less, in no particular order, in s.nb. The search
// descends the k-d tree nearer child first, keeping per dimension the squared offset of x
// from the current cell, and skips a cell or leaf box farther than the bound (one at exactly
// that distance may hold a smaller row, so it is searched).
func (p *Predictor) knn(x []float64, s *predScratch, k int) []neighbor {
	q := &s.q
	*q = knnQuery{t: p.tree, x: x, buf: s.nb[:0:k], k: k, bound: neighbor{math.Inf(1), math.MaxInt32}, off: s.off}
	clear(q.off)
	q.visit(0)
	return q.buf
}

// add offers candidate c, which is below the bound.
func (q *knnQuery) add(c neighbor) {
	h := q.buf
	if len(h) < q.k {
		h = append(h, c)
		i := len(h) - 1
		for i > 0 {
			up := (i - 1) / 2
			if !h[up].less(c) {
				break
			}
			h[i] = h[up]
			i = up
		}
		h[i] = c
		q.buf = h
		if len(h) == q.k {
			q.bound = h[0]
		}
		return
	}
	n, i := len(h), 0 // replace the top, sift down
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && h[l].less(h[r]) {
			l = r
		}
		if !c.less(h[l]) {
			break
		}
		h[i] = h[l]
		i = l
	}
	h[i] = c
	q.bound = h[0]
}

func (q *knnQuery) visit(id int) {
	t := q.t
	nd := &t.nodes[id]
	d := t.d
	if nd.leaf() || nd.end-nd.start <= scanRows {
		if id != 0 && t.pointBoxRd(q.x, id) > q.bound.rd {
			return
		}
		q.scan(int(nd.start), int(nd.end))
		return
	}
	dim := int(t.split[id])
	v := q.x[dim]
	divLo, divHi := t.hi[int(nd.left)*d+dim], t.lo[int(nd.right)*d+dim]
	near, far, g := int(nd.left), int(nd.right), divHi-v
	if v-divLo+v-divHi >= 0 {
		near, far, g = far, near, v-divLo
	}
	q.visit(near)
	old := q.off[dim]
	if g > 0 {
		q.off[dim] = max(old, g*g)
	}
	var bound float64
	for _, o := range q.off {
		bound += o
	}
	if bound <= q.bound.rd {
		q.visit(far)
	}
	q.off[dim] = old
}

// scan offers the rows at tree positions [start, end) as candidates.
func (q *knnQuery) scan(start, end int) {
	d, x := q.t.d, q.x
	idx := q.t.idx[start:end]
	pts := q.t.pts[start*d : end*d]
	for j, row := range idx {
		c := neighbor{rdist(x, pts[j*d:j*d+d]), row}
		if c.less(q.bound) {
			q.add(c)
		}
	}
}
