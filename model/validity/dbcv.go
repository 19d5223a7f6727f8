package validity

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// DBCVResult is the outcome of DBCV.
type DBCVResult struct {
	// Score is DBCV = Σ_c |c|/N · V(c) over the clusters, N counting noise points too. It is in
	// [−1, 1], higher is better, and NaN when there is only one cluster.
	Score float64
	// PerCluster maps every cluster label (the non-negative labels present) to its V(c).
	// Labels absent from the input have no entry (the reference leaves uninitialised memory
	// in their place).
	PerCluster map[int]float64
	// Clusters details every cluster, in ascending label order.
	Clusters []ClusterValidity
}

// ClusterValidity is one cluster's part of DBCV, distances in the caller's units.
type ClusterValidity struct {
	Label int
	// Size is the number of points in the cluster.
	Size int
	// Internal is the number of internal vertices of the cluster's all-points MST (vertices
	// of degree > 1, or 1 when there are none).
	Internal int
	// Sparseness is the density sparseness DSC: the largest internal MST edge.
	Sparseness float64
	// Separation is min over the other clusters of the density separation DSPC; +Inf when
	// there is no other cluster.
	Separation float64
	// Score is V(c) = (Separation − Sparseness) / max(Separation, Sparseness).
	Score float64
}

// DBCV computes the density-based clustering validation index of the clustering labels of
// the rows of x, exactly as hdbscan.validity.validity_index(x, labels, per_cluster_scores=True)
// (see the package documentation for the conventions and for where the results differ).
// Negative labels are noise. Only rows in clusters are read; they must be finite.
//
// It returns an error wrapping ErrEmpty, ErrLengthMismatch, ErrNonFinite (naming the row
// and column), ErrNoClusters or ErrSingletonCluster (naming the label), or ctx.Err() if ctx
// is done between stages.
func DBCV(ctx context.Context, x *mat.Dense, labels []int, cfg Config) (*DBCVResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n, _, err := checkShape(x, labels)
	if err != nil {
		return nil, err
	}
	var rows []int
	for i, l := range labels {
		if l >= 0 {
			rows = append(rows, i)
		}
	}
	gs := groupRows(rows, labels)
	if len(gs) == 0 {
		return nil, ErrNoClusters
	}
	for _, g := range gs {
		if len(g.rows) == 1 {
			return nil, fmt.Errorf("scoring cluster %d (row %d): %w", g.label, g.rows[0], ErrSingletonCluster)
		}
	}
	p, err := pack(x, gs)
	if err != nil {
		return nil, err
	}
	workers := resolveWorkers(cfg.Workers)
	acores := make([][]float64, len(gs))
	for c, g := range p.groups {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		acores[c] = coreDistances(g.pts, p.d, workers)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prims := primTrees(p, acores, workers)
	trees := make([]clusterTree, len(gs))
	for c, g := range p.groups {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		trees[c] = internalTree(g.pts, acores[c], p.d, prims[c], p.unscale, workers)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sep := separations(p, acores, trees, workers)
	return assemble(p, n, trees, sep), nil
}

// assemble turns sparseness and separation into per-cluster and overall scores, summing in
// ascending label order as the reference does.
func assemble(p *packed, n int, trees []clusterTree, sep []float64) *DBCVResult {
	res := &DBCVResult{PerCluster: make(map[int]float64, len(p.groups)),
		Clusters: make([]ClusterValidity, len(p.groups))}
	for c, g := range p.groups {
		dsc, dspc := trees[c].sparseness, sep[c]
		v := (dspc - dsc) / max(dspc, dsc)
		res.Clusters[c] = ClusterValidity{Label: g.label, Size: len(g.rows), Internal: len(trees[c].internal),
			Sparseness: dsc * p.unscale, Separation: dspc * p.unscale, Score: v}
		res.PerCluster[g.label] = v
		res.Score += float64(len(g.rows)) / float64(n) * v
	}
	return res
}
