package famd

import (
	"context"
	"fmt"
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

// badCell locates an invalid cell: column in frame order (numeric columns first, then
// categorical ones) and row. The zero value means none.
type badCell struct {
	ok       bool
	col, row int
}

func (b badCell) before(o badCell) bool {
	return b.ok && (!o.ok || b.col < o.col || b.col == o.col && b.row < o.row)
}

// firstPass computes column sums, extremes and level counts, and finds the first cell
// that is not finite or has no valid level.
func firstPass(ctx context.Context, f *frame.Frame, bl blocking, workers int) (*moments, error) {
	p := len(f.Num)
	sums := make([][]float64, bl.count) // per block, reduced in block order
	bad := make([]badCell, bl.count)
	ws := make([]momentScratch, workers)
	for w := range ws {
		ws[w] = newMomentScratch(f)
	}
	err := parallel(ctx, workers, bl.count, func(w, b int) {
		lo, hi := bl.bounds(b)
		sums[b], bad[b] = ws[w].add(f, lo, hi)
	})
	if err != nil {
		return nil, fmt.Errorf("famd: %w", err)
	}
	first := badCell{}
	for _, b := range bad {
		if b.before(first) {
			first = b
		}
	}
	if first.ok {
		return nil, cellError(f, first)
	}
	mo := &moments{n: bl.n, sum: make([]float64, p), lo: ws[0].lo, hi: ws[0].hi, counts: ws[0].counts}
	for _, s := range sums {
		for j, v := range s {
			mo.sum[j] += v
		}
	}
	for _, sc := range ws[1:] {
		for j := range p {
			mo.lo[j], mo.hi[j] = min(mo.lo[j], sc.lo[j]), max(mo.hi[j], sc.hi[j])
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

// momentScratch is one worker's running extremes and level counts.
type momentScratch struct {
	lo, hi []float64
	counts [][]int64
}

func newMomentScratch(f *frame.Frame) momentScratch {
	sc := momentScratch{lo: fill(len(f.Num), math.Inf(1)), hi: fill(len(f.Num), math.Inf(-1)), counts: make([][]int64, len(f.Cat))}
	for q := range f.Cat {
		sc.counts[q] = make([]int64, len(f.Levels[q]))
	}
	return sc
}

// add folds rows [lo, hi) in and returns their numeric sums and first invalid cell.
func (sc *momentScratch) add(f *frame.Frame, lo, hi int) ([]float64, badCell) {
	s := make([]float64, len(f.Num))
	for j, col := range f.Num {
		acc, mn, mx := 0.0, sc.lo[j], sc.hi[j]
		for _, x := range col[lo:hi] {
			acc += x
			mn, mx = min(mn, x), max(mx, x)
		}
		if math.IsNaN(acc) || math.IsInf(acc, 0) {
			for i := lo; i < hi; i++ {
				if x := col[i]; math.IsNaN(x) || math.IsInf(x, 0) {
					return nil, badCell{ok: true, col: j, row: i}
				}
			}
			return nil, badCell{ok: true, col: j, row: -1} // finite values whose sum overflows
		}
		s[j], sc.lo[j], sc.hi[j] = acc, mn, mx
	}
	for q, col := range f.Cat {
		cnt := sc.counts[q]
		for i, c := range col[lo:hi] {
			if uint32(c) >= uint32(len(cnt)) {
				return nil, badCell{ok: true, col: len(f.Num) + q, row: lo + i}
			}
			cnt[c]++
		}
	}
	return s, badCell{}
}

// cellError describes an invalid cell like frame.Frame.CheckComplete does.
func cellError(f *frame.Frame, b badCell) error {
	if b.col < len(f.Num) {
		name := f.NumNames[b.col]
		if b.row < 0 {
			return fmt.Errorf("famd: numeric column %q: values too large (their sum overflows)", name)
		}
		return fmt.Errorf("famd: numeric column %q row %d: value %v is not finite", name, b.row, f.Num[b.col][b.row])
	}
	q := b.col - len(f.Num)
	if c := f.Cat[q][b.row]; c != frame.Missing {
		return fmt.Errorf("famd: categorical column %q row %d: code %d outside [-1, %d)", f.CatNames[q], b.row, c, len(f.Levels[q]))
	}
	return fmt.Errorf("famd: categorical column %q row %d: missing level", f.CatNames[q], b.row)
}

func fill(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}
