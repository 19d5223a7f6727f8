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
	nb  []neighbor
	off []float64
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
	p.scratch.New = func() any { return &predScratch{nb: make([]neighbor, k), off: make([]float64, d)} }
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
func (p *Predictor) ApproximatePredict(point []float64) (label int, prob float64) {
	p.checkDims(point)
	if !p.hasTree || !finite(point) {
		return -1, 0
	}
	s := p.scratch.Get().(*predScratch)
	nn, lambda, _ := p.nearest(point, s)
	p.scratch.Put(s)
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
// reachability to x among its 2·MinSamples nearest, the λ of that distance (the largest
// float64 when it is 0) and the squared distance to the nearest row.
func (p *Predictor) nearest(x []float64, s *predScratch) (row int32, lambda, minRd float64) {
	p.tree.knnQuery(x, s.nb, s.off)
	nb := s.nb
	corePt := math.Sqrt(nb[min(p.minSamples, len(nb)-1)].rd)
	best := math.Inf(1)
	for _, q := range nb {
		mr := max(p.core[q.row], corePt, math.Sqrt(q.rd))
		if mr < best {
			best, row = mr, q.row
		}
	}
	lambda = math.MaxFloat64
	if best > 0 {
		lambda = 1 / best
	}
	return row, lambda, nb[0].rd
}
