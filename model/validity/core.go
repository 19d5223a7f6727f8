package validity

import (
	"math"

	"github.com/storeseg/storeseg/model/internal/parallel"
)

// coreDistances returns the all-points core distance (Moulavi et al. 2014, Definition 1) of
// every point of one packed cluster of m ≥ 2 points, in the packed units:
//
//	acore(i) = (Σ_{j: D_ij ≠ 0} D_ij^−d / (m−1))^(−1/d)
//
// with d the number of features, as hdbscan.validity.all_points_core_distance computes it.
// The sums of D^−d = (1/D²)^(d/2) are accumulated over unordered pairs (symPairSums). A sum
// is accepted when it is finite and far above the underflow threshold: terms that
// underflowed are then below 1e-28 of it. Otherwise (coincident points only, or the
// distances for which the reference's (1/D)^d overflows or underflows) that point is
// recomputed with scaledCore. The result does not depend on workers.
func coreDistances(pts []float64, d, workers int) []float64 {
	m := len(pts) / d
	sums := symPairSums(pts, d, []int{0, m}, inversePowerKernel(d), workers)
	acore := make([]float64, m)
	bufs := make([][]float64, workers)
	parallel.For(workers, m, parallel.Grain(m, workers, 64), func(w, lo, hi int) {
		for i := lo; i < hi; i++ {
			if s := sums[i]; s > minSafeSum && s <= math.MaxFloat64 {
				acore[i] = math.Pow(s/float64(m-1), -1/float64(d))
				continue
			}
			if bufs[w] == nil {
				bufs[w] = make([]float64, m)
			}
			acore[i] = scaledCore(pts, d, i, bufs[w])
		}
	})
	return acore
}

// minSafeSum is the smallest fast-path sum accepted: any term that underflowed to zero or a
// subnormal (< 2.3e-308) is then below 1e-28 of the sum, i.e. lost in rounding anyway.
const minSafeSum = 1e-280

// scaledCore computes acore(i) as Dmin · (Σ_j (Dmin/D_ij)^d / (m−1))^(−1/d), with Dmin the
// smallest non-zero distance from i. Every term of the sum lies in (0, 1] and one equals 1,
// so nothing overflows or underflows for any d. A point whose distances are all zero (every
// point of the cluster coincides) gets 0, as in the reference. buf holds m squared distances.
func scaledCore(pts []float64, d, i int, buf []float64) float64 {
	m := len(buf)
	xi := pts[i*d : i*d+d]
	minD2 := math.Inf(1)
	for j := range m {
		d2 := sqDist(xi, pts[j*d:])
		buf[j] = d2
		if d2 > 0 && d2 < minD2 {
			minD2 = d2
		}
	}
	if math.IsInf(minD2, 1) {
		return 0
	}
	half, odd := d/2, d%2 == 1
	var sum float64
	for _, d2 := range buf {
		if d2 == 0 {
			continue
		}
		r := minD2 / d2 // (Dmin/D)², in (0, 1]
		t := powInt(r, half)
		if odd {
			t *= math.Sqrt(r)
		}
		sum += t
	}
	return math.Sqrt(minD2) * math.Pow(sum/float64(m-1), -1/float64(d))
}

// powInt returns x^k for k ≥ 0 by binary exponentiation.
func powInt(x float64, k int) float64 {
	r := 1.0
	for k > 0 {
		if k&1 == 1 {
			r *= x
		}
		x *= x
		k >>= 1
	}
	return r
}
