package validity

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/internal/parallel"
)

// Silhouette returns the mean silhouette coefficient of the scored points, exactly as
// scikit-learn's silhouette_score(x, labels) with the Euclidean metric (see
// SilhouetteSamples for which points are scored and for the errors).
func Silhouette(ctx context.Context, x *mat.Dense, labels []int, cfg SilhouetteConfig) (float64, error) {
	s, err := SilhouetteSamples(ctx, x, labels, cfg)
	if err != nil {
		return 0, err
	}
	var sum, comp float64 // Neumaier summation
	cnt := 0
	for _, v := range s {
		if math.IsNaN(v) {
			continue
		}
		t := sum + v
		if math.Abs(sum) >= math.Abs(v) {
			comp += (sum - t) + v
		} else {
			comp += (v - t) + sum
		}
		sum = t
		cnt++
	}
	return (sum + comp) / float64(cnt), nil
}

// SilhouetteSamples returns the silhouette coefficient of every row, exactly as
// scikit-learn's silhouette_samples(x, labels) with the Euclidean metric: s(i) = (b − a) /
// max(a, b), a the mean distance from i to the other points of its cluster, b the smallest
// mean distance from i to the points of another cluster, and 0 for a point alone in its
// cluster (or whose a and b are both 0). Labels are arbitrary integers.
//
// Rows that are not scored get NaN: with cfg.ExcludeNoise every row with a negative label,
// and with cfg.SampleSize every row outside the drawn subset. The scored rows must be
// finite. It returns an error wrapping ErrEmpty, ErrLengthMismatch, ErrNonFinite (naming the
// row and column), ErrLabelCount when the scored points do not carry between 2 and n−1
// distinct labels, or ctx.Err() if ctx is done before the distances are computed.
func SilhouetteSamples(ctx context.Context, x *mat.Dense, labels []int, cfg SilhouetteConfig) ([]float64, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n, _, err := checkShape(x, labels)
	if err != nil {
		return nil, err
	}
	rows := make([]int, 0, n)
	for i, l := range labels {
		if l >= 0 || !cfg.ExcludeNoise {
			rows = append(rows, i)
		}
	}
	if cfg.SampleSize > 0 && cfg.SampleSize < len(rows) {
		rows = sampleRows(rows, cfg.SampleSize, cfg.Rand)
	}
	gs := groupRows(rows, labels)
	if len(gs) < 2 || len(gs) > len(rows)-1 {
		return nil, fmt.Errorf("scoring %d distinct labels over %d points: %w", len(gs), len(rows), ErrLabelCount)
	}
	p, err := pack(x, gs)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	silhouetteInto(out, p, resolveWorkers(cfg.Workers))
	return out, nil
}

// sampleRows draws size of rows uniformly without replacement (a partial Fisher–Yates
// shuffle) and returns them in ascending order.
func sampleRows(rows []int, size int, r *rand.Rand) []int {
	rows = slices.Clone(rows)
	for i := range size {
		j := i + r.IntN(len(rows)-i)
		rows[i], rows[j] = rows[j], rows[i]
	}
	rows = rows[:size]
	slices.Sort(rows)
	return rows
}

// symSumsBudget bounds the n·k distance sums that the pair-symmetric silhouette keeps; above
// it, or with clusters of fewer than symMinClusterSize points on average (where per-cluster
// bookkeeping outweighs the saved distances), every row computes its own sums instead, with
// O(workers·k) memory and twice the distance evaluations.
const (
	symSumsBudget     = 1 << 23
	symMinClusterSize = 32
)

// Row-wise blocking (see rowWise).
const (
	silRowBlock = 16
	silColBlock = 256
)

// silhouetteInto writes s(i) for every packed point to out at its original row. The choice
// between the two ways of summing depends on n and k only, so the result does not depend on
// workers.
func silhouetteInto(out []float64, p *packed, workers int) {
	d, k := p.d, len(p.groups)
	start := make([]int, k+1)
	for c, g := range p.groups {
		start[c+1] = start[c] + len(g.rows)
	}
	n := start[k]
	pts := make([]float64, 0, n*d)
	rowOf := make([]int, 0, n)
	own := make([]int, 0, n)
	for c, g := range p.groups {
		pts = append(pts, g.pts...)
		rowOf = append(rowOf, g.rows...)
		for range g.rows {
			own = append(own, c)
		}
	}
	if n*k <= symSumsBudget && n >= symMinClusterSize*k {
		sums := symPairSums(pts, d, start, distKernel, workers)
		for i := range n {
			out[rowOf[i]] = silhouetteOf(sums[i*k:(i+1)*k], start, own[i])
		}
		return
	}
	rowWise(out, pts, d, start, rowOf, own, workers)
}

// rowWise computes s(i) row by row: a worker takes silRowBlock rows and sweeps all points in
// chunks of silColBlock (a chunk stays in cache for all the rows of the block), adding each
// chunk's distances to the sums of the clusters they fall in. Memory is O(workers·k).
func rowWise(out, pts []float64, d int, start, rowOf, own []int, workers int) {
	k := len(start) - 1
	n := start[k]
	bufs := make([][]float64, workers)
	parallel.For(workers, n, silRowBlock, func(w, lo, hi int) {
		if bufs[w] == nil {
			bufs[w] = make([]float64, silRowBlock*k+silColBlock)
		}
		sums, vals := bufs[w][:(hi-lo)*k], bufs[w][silRowBlock*k:]
		clear(sums)
		for c0 := 0; c0 < n; c0 += silColBlock {
			c1 := min(c0+silColBlock, n)
			for i := lo; i < hi; i++ {
				distKernel(pts[i*d:i*d+d], pts[c0*d:c1*d], vals[:c1-c0])
				row := sums[(i-lo)*k : (i-lo+1)*k]
				for j := c0; j < c1; {
					c := own[j]
					e := min(start[c+1], c1)
					var acc float64
					for _, v := range vals[j-c0 : e-c0] {
						acc += v
					}
					row[c] += acc
					j = e
				}
			}
		}
		for i := lo; i < hi; i++ {
			out[rowOf[i]] = silhouetteOf(sums[(i-lo)*k:(i-lo+1)*k], start, own[i])
		}
	})
}

// silhouetteOf turns one point's distance sums per cluster into s = (b − a)/max(a, b),
// mapping NaN (a singleton's 0/0, or a = b = 0) to 0 as sklearn's nan_to_num does.
func silhouetteOf(sums []float64, start []int, own int) float64 {
	a := sums[own] / float64(start[own+1]-start[own]-1)
	b := math.Inf(1)
	for c, s := range sums {
		if c != own {
			b = min(b, s/float64(start[c+1]-start[c]))
		}
	}
	s := (b - a) / max(a, b)
	if math.IsNaN(s) {
		return 0
	}
	return s
}
