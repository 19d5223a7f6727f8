package hdbscan

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Result is a flat clustering with everything hdbscan's HDBSCAN exposes after fit.
type Result struct {
	// Labels holds each row's cluster, 0..NClusters−1, or −1 for noise. Clusters are
	// numbered as hdbscan numbers them: by increasing condensed-tree id.
	Labels []int
	// Probabilities holds each row's membership strength (probabilities_): 0 for noise.
	Probabilities []float64
	// OutlierScores holds each row's GLOSH outlier score (outlier_scores_), in [0, 1]; NaN,
	// as in hdbscan, for a row that leaves at a finite λ a cluster holding duplicate rows
	// (whose λ is +Inf).
	OutlierScores []float64
	// Persistence holds each cluster's persistence (cluster_persistence_).
	Persistence []float64
	// Exemplars holds, per cluster, the rows at the heart of its leaves (exemplars_, as
	// row indices): the points of each leaf cluster below it with the leaf's largest λ.
	Exemplars [][]int
	// Condensed is the condensed tree (condensed_tree_), rows in hdbscan's order.
	Condensed []CondensedRow
	// MST is the mutual reachability minimum spanning tree in the order hdbscan's Prim's
	// algorithm adds its edges (minimum_spanning_tree_ of algorithm="prims_kdtree"): A is
	// the row already in the tree, B the row added.
	MST []Edge
	// CoreDistances holds each row's core distance: the distance to its MinSamples-th
	// nearest other row (MinSamples clamped to n−1).
	CoreDistances []float64
	// NClusters is the number of clusters; Persistence and Exemplars have one entry per
	// cluster. 0 means no cluster was found: every label is −1. (When AllowSingleCluster
	// and Epsilon select the root but label none of its points, hdbscan still lists the
	// empty cluster in cluster_persistence_; here NClusters is 0.)
	NClusters int

	pred *predSource
}

// predSource keeps what PredictionData needs and builds the Predictor once.
type predSource struct {
	once     sync.Once
	p        *Predictor
	tree     *kdTree
	predRd   []float64
	ms       int
	ct       *ctree
	selected []int32
}

// Cluster runs HDBSCAN (Campello, Moulavi & Sander 2013) on the rows of x with the Euclidean
// metric and returns hdbscan 0.8.44's result for the same data and parameters with an exact
// minimum spanning tree (see the package documentation for the exact reference and its tie
// rules).
//
// It returns an *InputError (matching ErrNonFinite or ErrOutOfRange) naming the first row
// and column holding NaN, ±Inf or a value beyond ±1e150, ErrTooFewPoints (wrapped) when x
// has fewer rows than MinClusterSize, a configuration error from Validate, or ctx's error if
// ctx ends between stages. A clustering that finds no cluster is not an error: NClusters is 0
// and every label −1.
func Cluster(ctx context.Context, x *mat.Dense, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n, d := x.Dims()
	p := cfg.resolve(n)
	if n > maxRows || d > maxDims {
		return nil, fmt.Errorf("hdbscan: %d×%d matrix exceeds the supported %d rows or %d columns", n, d, maxRows, maxDims)
	}
	if n < p.mcs {
		return nil, fmt.Errorf("clustering %d rows with MinClusterSize %d: %w", n, p.mcs, ErrTooFewPoints)
	}
	data, err := rowMajor(x)
	if err != nil {
		return nil, err
	}
	tree := buildKDTree(data, n, d, p.workers)
	kt := allKNN(tree, min(p.msFit+2, n), p.workers)
	coreRd, predRd := make([]float64, n), make([]float64, n)
	for i := range n {
		rd := kt.dists(i)
		coreRd[i], predRd[i] = rd[p.msFit], rd[min(p.ms, n)-1]
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mst, err := spanningTree(ctx, data, n, d, tree, kt, coreRd, p)
	if err != nil {
		return nil, err
	}
	ct := newCtree(n, condense(singleLinkage(n, mst), p.mcs))
	sel := ct.selectClusters(p)
	labels := ct.labelPoints(sel.clusters, p)
	if len(sel.clusters) == 1 && sel.clusters[0] == 0 && !slices.Contains(labels, 0) {
		// AllowSingleCluster with Epsilon can select the root and then label none of its
		// points; hdbscan still reports the empty cluster's persistence. It is no cluster.
		sel.clusters = nil
	}
	core := make([]float64, n)
	for i, v := range coreRd {
		core[i] = math.Sqrt(v)
	}
	return &Result{
		Labels:        labels,
		Probabilities: ct.probabilities(labels, sel.clusters),
		OutlierScores: ct.outlierScores(),
		Persistence:   ct.persistence(labels, sel.clusters, sel.stab),
		Exemplars:     ct.exemplars(sel.clusters),
		Condensed:     ct.rows,
		MST:           mst,
		CoreDistances: core,
		NClusters:     len(sel.clusters),
		pred:          &predSource{tree: tree, predRd: predRd, ms: p.ms, ct: ct, selected: sel.clusters},
	}, nil
}

// maxDims is the largest number of columns (split dimensions are stored in 16 bits).
const maxDims = 1<<16 - 1

// rowMajor returns the rows of x as one row-major slice (x's own storage when it has no
// gaps; it is only read), rejecting unusable values.
func rowMajor(x *mat.Dense) ([]float64, error) {
	n, d := x.Dims()
	raw := x.RawMatrix()
	for i := range n {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
			if math.IsNaN(v) || math.Abs(v) > maxAbs {
				return nil, &InputError{Row: i, Col: j, Value: v}
			}
		}
	}
	if raw.Stride == d {
		return raw.Data[:n*d], nil
	}
	data := make([]float64, n*d)
	for i := range n {
		copy(data[i*d:], raw.Data[i*raw.Stride:i*raw.Stride+d])
	}
	return data, nil
}

// spanningTree returns hdbscan's Prim's spanning tree of the mutual reachability graph, in
// Prim's order, computed as described in prim.go.
func spanningTree(ctx context.Context, data []float64, n, d int, tree *kdTree, kt *knnTable, coreRd []float64, p params) ([]Edge, error) {
	cls := findClasses(data, n, d, kt, p.workers)
	m := cls.count()
	ut := tree
	if !cls.identity() {
		uniq := make([]float64, m*d)
		for c := range m {
			r := int(cls.rep(c))
			copy(uniq[c*d:], data[r*d:(r+1)*d])
		}
		ut = buildKDTree(uniq, m, d, p.workers)
	}
	coreW, coreKey := make([]float64, m), make([]float64, m)
	for c := range m {
		rd := coreRd[cls.rep(c)]
		coreW[c] = math.Sqrt(rd)
		coreKey[c] = rd
		if !p.alphaIsOne {
			coreKey[c] = coreW[c]
		}
	}
	classMST := make([]Edge, 0, max(m-1, 0))
	if m > 1 {
		b, exact := classBoruvka(cls, ut, kt, coreKey, p)
		for _, e := range b.run(p.workers, exact) {
			w := e.key
			if p.alphaIsOne {
				w = math.Sqrt(w)
			}
			classMST = append(classMST, Edge{e.a, e.b, w})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g := buildTightGraph(cls, ut, kt, coreW, classMST, p.alpha, p.workers)
	return primOrder(cls, coreW, g), nil
}

// classBoruvka sets up Borůvka over the classes with the neighbour table translated to
// classes. exact marks the classes whose table holds every point at a distance up to their
// core distance (with α = 1), which lets the first round skip their search.
func classBoruvka(cls *classes, ut *kdTree, kt *knnTable, coreKey []float64, p params) (*boruvka, []bool) {
	m, kn := cls.count(), kt.k
	b := newBoruvka(ut, coreKey, p.alpha, cls, kt, p.workers)
	exact := make([]bool, m)
	if p.alphaIsOne {
		for pos, c := range ut.idx {
			rd := kt.dists(int(cls.rep(int(c))))
			exact[pos] = kn == len(cls.of) || rd[kn-1] > rd[p.msFit]
		}
	}
	return b, exact
}
