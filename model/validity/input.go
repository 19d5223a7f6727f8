package validity

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// group is one cluster (or silhouette label) of the rows taking part in a score, with its
// rows' coordinates packed row-major and multiplied by the input's power-of-two scale.
type group struct {
	label int
	rows  []int     // original row indices, ascending
	pts   []float64 // len(rows)·d scaled coordinates
}

// packed is the part of the input a score reads.
type packed struct {
	n, d int
	// scale is the power of two that brings the largest |coordinate| into [0.5, 1): squared
	// distances can neither overflow nor lose range, and scaling by a power of two is exact,
	// so every ratio the package returns is unchanged. unscale = 1/scale restores units.
	scale, unscale float64
	groups         []group // ascending label
}

// checkShape validates x against labels and returns its dimensions.
func checkShape(x *mat.Dense, labels []int) (n, d int, err error) {
	if x == nil || x.IsEmpty() {
		return 0, 0, ErrEmpty
	}
	n, d = x.Dims()
	if len(labels) != n {
		return 0, 0, fmt.Errorf("checking %d labels against %d rows: %w", len(labels), n, ErrLengthMismatch)
	}
	return n, d, nil
}

// groupRows groups the given rows (ascending) by label, in ascending label order.
func groupRows(rows []int, labels []int) []group {
	idx := make(map[int]int)
	var gs []group
	for _, r := range rows {
		l := labels[r]
		g, ok := idx[l]
		if !ok {
			g = len(gs)
			idx[l] = g
			gs = append(gs, group{label: l})
		}
		gs[g].rows = append(gs[g].rows, r)
	}
	slices.SortFunc(gs, func(a, b group) int { return cmp.Compare(a.label, b.label) })
	return gs
}

// pack checks that every grouped row is finite, chooses the scale and fills each group's
// packed coordinates.
func pack(x *mat.Dense, gs []group) (*packed, error) {
	raw := x.RawMatrix()
	n, d := x.Dims()
	maxAbs := 0.0
	for _, g := range gs {
		for _, r := range g.rows {
			for j, v := range raw.Data[r*raw.Stride : r*raw.Stride+d] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("reading row %d, column %d (%v): %w", r, j, v, ErrNonFinite)
				}
				maxAbs = max(maxAbs, math.Abs(v))
			}
		}
	}
	scale := 1.0
	if maxAbs > 0 {
		_, e := math.Frexp(maxAbs)
		scale = math.Ldexp(1, -max(e, -1000))
	}
	p := &packed{n: n, d: d, scale: scale, unscale: 1 / scale, groups: gs}
	for gi := range p.groups {
		g := &p.groups[gi]
		g.pts = make([]float64, len(g.rows)*d)
		for i, r := range g.rows {
			dst := g.pts[i*d : i*d+d]
			for j, v := range raw.Data[r*raw.Stride : r*raw.Stride+d] {
				dst[j] = v * scale
			}
		}
	}
	return p, nil
}

// sqDist is the squared Euclidean distance between a and b (len(b) ≥ len(a)), summing the
// coordinates in order, so sqDist(a, b) == sqDist(b, a) bit for bit.
func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for k, v := range a {
		t := v - b[k]
		s += t * t
	}
	return s
}

// mutualReach returns max(√d2, lo) without the square root when it cannot matter: for IEEE
// doubles √(lo·lo) == lo, so d2 ≤ fl(lo²) implies √d2 ≤ lo and the result is bitwise the
// same as math.Max(math.Sqrt(d2), lo).
func mutualReach(d2, lo float64) float64 {
	if d2 > lo*lo {
		return math.Sqrt(d2)
	}
	return lo
}
