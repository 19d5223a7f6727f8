package validity

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Silhouette blocking: a worker takes silRowBlock rows at a time and sweeps every cluster in
// chunks of silColBlock points, so a chunk stays in cache for all rows of the block. Both
// are constants, so every row's sums are added in the same order for any number of workers.
const (
	silRowBlock = 16
	silColBlock = 256
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

// silhouetteInto writes s(i) for every packed point to out at its original row.
func silhouetteInto(out []float64, p *packed, workers int) {
	d, k := p.d, len(p.groups)
	start := make([]int, k+1)
	for c, g := range p.groups {
		start[c+1] = start[c] + len(g.rows)
	}
	pts := make([]float64, 0, start[k]*d)
	rowOf := make([]int, 0, start[k])
	own := make([]int, 0, start[k])
	for c, g := range p.groups {
		pts = append(pts, g.pts...)
		rowOf = append(rowOf, g.rows...)
		for range g.rows {
			own = append(own, c)
		}
	}
	bufs := make([][]float64, workers)
	parallelFor(workers, start[k], silRowBlock, func(w, lo, hi int) {
		if bufs[w] == nil {
			bufs[w] = make([]float64, silRowBlock*k)
		}
		sums := bufs[w][:(hi-lo)*k]
		clear(sums)
		for c := range k {
			for c0 := start[c]; c0 < start[c+1]; c0 += silColBlock {
				c1 := min(c0+silColBlock, start[c+1])
				for i := lo; i < hi; i++ {
					sums[(i-lo)*k+c] += distSum(pts[i*d:i*d+d], pts[c0*d:c1*d])
				}
			}
		}
		for i := lo; i < hi; i++ {
			out[rowOf[i]] = silhouetteOf(sums[(i-lo)*k:(i-lo+1)*k], start, own[i])
		}
	})
}

// distSum returns Σ_j ‖x − q_j‖ over the packed points q of block. Four points are taken
// at a time with independent accumulators so that the square roots overlap; the order of
// the additions depends only on len(block), never on the worker.
func distSum(x, block []float64) float64 {
	d := len(x)
	var a0, a1, a2, a3 float64
	j := 0
	for ; j+4*d <= len(block); j += 4 * d {
		q0, q1, q2, q3 := block[j:j+d], block[j+d:j+2*d], block[j+2*d:j+3*d], block[j+3*d:j+4*d]
		q0, q1, q2, q3 = q0[:len(x)], q1[:len(x)], q2[:len(x)], q3[:len(x)]
		var s0, s1, s2, s3 float64
		for k, v := range x {
			t0, t1, t2, t3 := v-q0[k], v-q1[k], v-q2[k], v-q3[k]
			s0 += t0 * t0
			s1 += t1 * t1
			s2 += t2 * t2
			s3 += t3 * t3
		}
		a0 += math.Sqrt(s0)
		a1 += math.Sqrt(s1)
		a2 += math.Sqrt(s2)
		a3 += math.Sqrt(s3)
	}
	for ; j+d <= len(block); j += d {
		a0 += math.Sqrt(sqDist(x, block[j:j+d]))
	}
	return (a0 + a1) + (a2 + a3)
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
