package famd

import (
	"context"
	"fmt"
	"math"

	"github.com/storeseg/storeseg/model/frame"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// coding holds what turns a frame row into its coded row z: numeric columns
// z_j = (x_j − center_j)/scale_j and, for the level l a row has in its categorical column,
// z_l = (1 − prop_l)/√prop_l, for the other levels of that column −√prop_l.
type coding struct {
	*layout
	center []float64 // [p]
	scale  []float64 // [p]
	prop   []float64 // [L]
	counts []int64   // [L]
	n      int64     // rows
}

// crossBlock holds one block's floating-point partial sums of the centred numeric values d.
type crossBlock struct {
	nn []float64 // [p·p] Σ d_j·d_k (upper triangle filled)
	s  []float64 // [p] Σ d_j
	t  []float64 // [p·L] Σ_{rows with level l} d_j, at j·L + l
}

// gramScratch is one worker's buffers for the second pass.
type gramScratch struct {
	d     [][]float64 // [p][block rows] centred values
	local [][]int32   // [q][block rows] level index within its column
	cooc  []int64     // co-occurrence counts of every pair of categorical columns
}

// pairOffsets returns, for q < r, the offset of the L_q × L_r block of co-occurrence counts,
// and the total size.
func pairOffsets(ly *layout) ([][]int, int) {
	off, size := make([][]int, ly.q), 0
	for q := range ly.q {
		off[q] = make([]int, ly.q)
		for r := q + 1; r < ly.q; r++ {
			off[q][r] = size
			size += ly.width(q) * ly.width(r)
		}
	}
	return off, size
}

func (ly *layout) width(q int) int { return ly.varStart[q+1] - ly.varStart[q] }

// secondPass accumulates the centred cross products and returns the coding and the
// covariance C = ZᵀZ/n of the coded table.
func secondPass(ctx context.Context, f *frame.Frame, ly *layout, mo *moments, bl blocking, workers int) (*coding, *mat.SymDense, error) {
	p, L := ly.p, ly.levels
	off, ncooc := pairOffsets(ly)
	parts := make([]crossBlock, bl.count)
	ws := make([]gramScratch, workers)
	for w := range ws {
		ws[w] = gramScratch{d: make([][]float64, p), local: make([][]int32, ly.q), cooc: make([]int64, ncooc)}
		for j := range p {
			ws[w].d[j] = make([]float64, bl.size)
		}
		for q := range ly.q {
			ws[w].local[q] = make([]int32, bl.size)
		}
	}
	err := parallel(ctx, workers, bl.count, func(w, b int) {
		lo, hi := bl.bounds(b)
		parts[b] = crossAccumulate(f, ly, mo.center, &ws[w], off, lo, hi)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("famd: %w", err)
	}
	var sum crossBlock
	sum.nn, sum.s, sum.t = make([]float64, p*p), make([]float64, p), make([]float64, p*L)
	for _, pb := range parts { // block order: the same bits for any worker count
		floats.Add(sum.nn, pb.nn)
		floats.Add(sum.s, pb.s)
		floats.Add(sum.t, pb.t)
	}
	cooc := ws[0].cooc
	for _, sc := range ws[1:] {
		for i, v := range sc.cooc {
			cooc[i] += v
		}
	}
	cd := newCoding(ly, mo, sum.nn, sum.s)
	return cd, covariance(cd, &sum, cooc, off), nil
}

// crossAccumulate computes one block's partial sums and adds its co-occurrence counts to the
// worker's.
func crossAccumulate(f *frame.Frame, ly *layout, center []float64, sc *gramScratch, off [][]int, lo, hi int) crossBlock {
	p, L, rows := ly.p, ly.levels, hi-lo
	cb := crossBlock{nn: make([]float64, p*p), s: make([]float64, p), t: make([]float64, p*L)}
	for j, col := range f.Num {
		d, c := sc.d[j][:rows], center[j]
		s := 0.0
		for i, x := range col[lo:hi] {
			d[i] = x - c
			s += d[i]
		}
		cb.s[j] = s
	}
	for j := range p {
		for k := j; k < p; k++ {
			cb.nn[j*p+k] = floats.Dot(sc.d[j][:rows], sc.d[k][:rows])
		}
	}
	for q, col := range f.Cat {
		loc, lc, start := sc.local[q][:rows], ly.levelCol[q], int32(ly.varStart[q])
		for i, c := range col[lo:hi] {
			loc[i] = lc[c] - start
		}
		for j := range p {
			t, d := cb.t[j*L+int(start):], sc.d[j][:rows]
			for i, l := range loc {
				t[l] += d[i]
			}
		}
	}
	for q := range ly.q {
		for r := q + 1; r < ly.q; r++ {
			cnt, wr := sc.cooc[off[q][r]:], int32(ly.width(r))
			a, b := sc.local[q][:rows], sc.local[r][:rows]
			for i, l := range a {
				cnt[l*wr+b[i]]++
			}
		}
	}
	return cb
}

// newCoding derives the standard deviations (FactoMineR ec.tab: population, ≤ 1e-16 → 1),
// the exact column means and the level proportions.
func newCoding(ly *layout, mo *moments, nn, s []float64) *coding {
	p, n := ly.p, float64(mo.n)
	cd := &coding{layout: ly, center: make([]float64, p), scale: make([]float64, p),
		prop: make([]float64, ly.levels), counts: make([]int64, ly.levels), n: int64(mo.n)}
	for j := range p {
		shift := s[j] / n
		cd.center[j] = mo.center[j] + shift
		sd := math.Sqrt(math.Max(0, nn[j*p+j]/n-shift*shift))
		if sd <= sdFloor {
			sd = 1
		}
		cd.scale[j] = sd
	}
	for q, lc := range ly.levelCol {
		for c, l := range lc {
			if l >= 0 {
				cd.counts[l] = mo.counts[q][c]
				cd.prop[l] = float64(mo.counts[q][c]) / n
			}
		}
	}
	return cd
}

// covariance assembles C = ZᵀZ/n from the exactly centred sums: numeric entries from the
// cross products, numeric×level entries from the per-level sums, level×level entries from
// integer co-occurrence counts (exact numerators).
func covariance(cd *coding, sum *crossBlock, cooc []int64, off [][]int) *mat.SymDense {
	p, L, m := cd.p, cd.levels, cd.m()
	n := float64(cd.n)
	c := mat.NewSymDense(m, nil)
	for j := range p {
		for k := j; k < p; k++ {
			v := (sum.nn[j*p+k] - sum.s[j]*sum.s[k]/n) / (n * cd.scale[j] * cd.scale[k])
			c.SetSym(j, k, v)
		}
		for l := range L {
			v := (sum.t[j*L+l] - cd.prop[l]*sum.s[j]) / (n * cd.scale[j] * math.Sqrt(cd.prop[l]))
			c.SetSym(j, p+l, v)
		}
	}
	nn := cd.n
	for q := range cd.q {
		a0, a1 := cd.varStart[q], cd.varStart[q+1]
		for a := a0; a < a1; a++ {
			for b := a; b < a1; b++ {
				var num int64 = -cd.counts[a] * cd.counts[b]
				if a == b {
					num += cd.counts[a] * nn
				}
				c.SetSym(p+a, p+b, levelCov(num, cd.counts[a], cd.counts[b], n))
			}
		}
		for r := q + 1; r < cd.q; r++ {
			b0, wr := cd.varStart[r], cd.width(r)
			for a := a0; a < a1; a++ {
				row := cooc[off[q][r]+(a-a0)*wr:]
				for b := range wr {
					num := row[b]*nn - cd.counts[a]*cd.counts[b0+b]
					c.SetSym(p+a, p+b0+b, levelCov(num, cd.counts[a], cd.counts[b0+b], n))
				}
			}
		}
	}
	return c
}

// levelCov is (N_ab·n − n_a·n_b) / (n·√(n_a·n_b)) with the numerator num computed exactly.
func levelCov(num, na, nb int64, n float64) float64 {
	return float64(num) / (n * math.Sqrt(float64(na)*float64(nb)))
}
