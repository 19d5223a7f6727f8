package famd

import (
	"context"
	"math"

	"github.com/storeseg/storeseg/model/frame"
)

// sdFloor is FactoMineR's ec.tab threshold: a standard deviation at or below it becomes 1.
const sdFloor = 1e-16

// layout maps the frame's columns to the coded columns of the FAMD table: the p numeric
// columns first, then one column per level in use, categorical column by categorical column,
// in code order.
type layout struct {
	p, q     int
	levels   int       // L, the number of levels in use
	levelCol [][]int32 // [q][code] → level index in [0, L), or −1 if the level is unused
	varStart []int     // [q] → first level index of column q; varStart[q] = L
	levelVar []int     // [l] → categorical column of level l
}

func (ly *layout) m() int { return ly.p + ly.levels }

// newLayout keeps the levels with a positive count (R's droplevels).
func newLayout(p int, counts [][]int64) *layout {
	ly := &layout{p: p, q: len(counts), levelCol: make([][]int32, len(counts)), varStart: make([]int, len(counts)+1)}
	for q, cs := range counts {
		ly.varStart[q] = ly.levels
		ly.levelCol[q] = make([]int32, len(cs))
		for c, n := range cs {
			ly.levelCol[q][c] = -1
			if n > 0 {
				ly.levelCol[q][c] = int32(ly.levels)
				ly.levelVar = append(ly.levelVar, q)
				ly.levels++
			}
		}
	}
	ly.varStart[ly.q] = ly.levels
	return ly
}

// moments holds the first-pass statistics of the frame.
type moments struct {
	n      int
	center []float64 // [p] centre used for the cross products (exact value for a constant column)
	sum    []float64 // [p] Σ x
	lo, hi []float64 // [p] extremes
	counts [][]int64 // [q][code] level counts
}

// firstPass computes column sums, extremes and level counts.
func firstPass(ctx context.Context, f *frame.Frame, bl blocking, workers int) (*moments, error) {
	p := len(f.Num)
	sums := make([][]float64, bl.count) // per block, reduced in block order
	type scratch struct {
		lo, hi []float64
		counts [][]int64
	}
	ws := make([]scratch, workers)
	for w := range ws {
		ws[w] = scratch{lo: fill(p, math.Inf(1)), hi: fill(p, math.Inf(-1)), counts: make([][]int64, len(f.Cat))}
		for q := range f.Cat {
			ws[w].counts[q] = make([]int64, len(f.Levels[q]))
		}
	}
	err := parallel(ctx, workers, bl.count, func(w, b int) {
		lo, hi := bl.bounds(b)
		s, sc := make([]float64, p), &ws[w]
		for j, col := range f.Num {
			acc, mn, mx := 0.0, sc.lo[j], sc.hi[j]
			for _, x := range col[lo:hi] {
				acc += x
				mn = math.Min(mn, x)
				mx = math.Max(mx, x)
			}
			s[j], sc.lo[j], sc.hi[j] = acc, mn, mx
		}
		for q, col := range f.Cat {
			cnt := sc.counts[q]
			for _, c := range col[lo:hi] {
				cnt[c]++
			}
		}
		sums[b] = s
	})
	if err != nil {
		return nil, err
	}
	mo := &moments{n: bl.n, sum: make([]float64, p), lo: ws[0].lo, hi: ws[0].hi, counts: ws[0].counts}
	for _, s := range sums {
		for j, v := range s {
			mo.sum[j] += v
		}
	}
	for _, sc := range ws[1:] {
		for j := range p {
			mo.lo[j] = math.Min(mo.lo[j], sc.lo[j])
			mo.hi[j] = math.Max(mo.hi[j], sc.hi[j])
		}
		for q, cnt := range sc.counts {
			for c, v := range cnt {
				mo.counts[q][c] += v
			}
		}
	}
	mo.center = make([]float64, p)
	for j := range p {
		mo.center[j] = mo.sum[j] / float64(bl.n)
		if mo.lo[j] == mo.hi[j] {
			mo.center[j] = mo.lo[j] // exact zeros after centring
		}
	}
	return mo, nil
}

func fill(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}
