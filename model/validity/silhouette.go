package validity

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
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

// silhouetteInto writes s(i) for every packed point to out at its original row. The
// distance sums per cluster come from symPairSums, which evaluates every pair once.
func silhouetteInto(out []float64, p *packed, workers int) {
	d, k := p.d, len(p.groups)
	start := make([]int, k+1)
	for c, g := range p.groups {
		start[c+1] = start[c] + len(g.rows)
	}
	pts := make([]float64, 0, start[k]*d)
	rowOf := make([]int, 0, start[k])
	for _, g := range p.groups {
		pts = append(pts, g.pts...)
		rowOf = append(rowOf, g.rows...)
	}
	sums := symPairSums(pts, d, start, distKernel, workers)
	for c := range k {
		for i := start[c]; i < start[c+1]; i++ {
			out[rowOf[i]] = silhouetteOf(sums[i*k:(i+1)*k], start, c)
		}
	}
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
