package hdbscan_test

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// archetypes draws store-archetype-like data: k anisotropic Gaussian blobs whose spreads
// differ up to fivefold, a curved arc and 4% uniform background noise, rows shuffled.
func archetypes(rng *rand.Rand, n, d, k int) *mat.Dense {
	x := mat.NewDense(n, d, nil)
	centers := make([][]float64, k)
	mix := make([][]float64, k)
	for c := range k {
		centers[c] = make([]float64, d)
		for j := range d {
			centers[c][j] = rng.Float64()*24 - 12
		}
		s := 0.2 + 0.8*rng.Float64()
		mix[c] = make([]float64, d*d)
		for j := range mix[c] {
			mix[c][j] = rng.NormFloat64() * s
		}
	}
	noise, arc := n/25, n/8
	z := make([]float64, d)
	for i := range n {
		row := x.RawRowView(i)
		switch {
		case i < noise:
			for j := range d {
				row[j] = rng.Float64()*30 - 15
			}
		case i < noise+arc:
			t := rng.Float64() * math.Pi
			for j := range d {
				row[j] = 0.3 * rng.NormFloat64()
			}
			row[0] += 8 * math.Cos(t)
			row[min(1, d-1)] += 8*math.Sin(t) - 14
		default:
			c := rng.IntN(k)
			for j := range d {
				z[j] = rng.NormFloat64()
			}
			for j := range d {
				v := centers[c][j]
				for l := range d {
					v += z[l] * mix[c][l*d+j]
				}
				row[j] = v
			}
		}
	}
	perm := rng.Perm(n)
	out := mat.NewDense(n, d, nil)
	for i, p := range perm {
		out.SetRow(i, x.RawRowView(p))
	}
	return out
}

// withDuplicates appends copies of some rows of x: single copies and groups of identical rows.
func withDuplicates(rng *rand.Rand, x *mat.Dense, groups ...int) *mat.Dense {
	n, d := x.Dims()
	extra := 0
	for _, g := range groups {
		extra += g
	}
	out := mat.NewDense(n+extra, d, nil)
	for i := range n {
		out.SetRow(i, x.RawRowView(i))
	}
	r := n
	for _, g := range groups {
		src := x.RawRowView(rng.IntN(n))
		for range g {
			out.SetRow(r, src)
			r++
		}
	}
	return out
}
