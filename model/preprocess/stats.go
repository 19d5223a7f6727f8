package preprocess

import "slices"

// pairwiseSum returns the sum of x exactly as numpy's add.reduce computes it for a
// contiguous float64 array: blocks of up to 128 values summed with 8 accumulators, larger
// arrays split in halves (rounded down to a multiple of 8). See numpy
// _core/src/umath/loops_utils.h.src, pairwise_sum.
func pairwiseSum(x []float64) float64 {
	n := len(x)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range x {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], x[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += x[i+j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += x[i]
		}
		return res
	}
	n2 := n / 2
	n2 -= n2 % 8
	return pairwiseSum(x[:n2]) + pairwiseSum(x[n2:])
}

// mean returns numpy.mean(x): the pairwise sum (added to the identity 0) over len(x).
func mean(x []float64) float64 {
	return (0 + pairwiseSum(x)) / float64(len(x))
}

// median returns numpy.median(x) for x without NaN; it sorts x in place.
func median(x []float64) float64 {
	slices.Sort(x)
	n := len(x)
	if n%2 == 1 {
		return mean(x[n/2 : n/2+1])
	}
	return mean(x[n/2-1 : n/2+1])
}
