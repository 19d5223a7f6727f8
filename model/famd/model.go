package famd

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/storeseg/storeseg/model/frame"
	"gonum.org/v1/gonum/mat"
)

// Model holds everything needed to project rows onto the fitted components: fit-time
// centres, standard deviations and level counts, column names and levels, loadings and
// eigenvalues. A Model is immutable and safe for concurrent use.
type Model struct {
	numNames []string
	catNames []string
	levels   [][]string // [q] level names, indexed by code
	counts   [][]int64  // [q][code] fit-time level counts (0: unused, unseen at transform)
	rows     int        // fit rows
	center   []float64  // [p]
	scale    []float64  // [p]
	eig      []float64  // the non-trivial eigenvalues, descending
	inertia  float64    // total inertia (trace of the covariance of the coded table)
	k        int        // kept components
	loadings []float64  // (p+L)×k row-major: V with FactoMineR's signs
	unseen   UnseenPolicy
	workers  int

	// Derived by prepare.
	levelCol [][]int32 // [q][code] → level index, −1 if unused
	wLev     []float64 // [L·k] V_l / √p_l
	base     []float64 // [k] −Σ_q Σ_{l∈q} √p_l·V_l
	dist2Lev []float64 // [L] (1 − p_l)/p_l, a level's share of a row's squared distance
}

// prepare derives the transform tables from the stored fields.
func (m *Model) prepare() {
	p, k := len(m.numNames), m.k
	m.levelCol = make([][]int32, len(m.catNames))
	L := 0
	for q, cs := range m.counts {
		m.levelCol[q] = make([]int32, len(cs))
		for c, n := range cs {
			m.levelCol[q][c] = -1
			if n > 0 {
				m.levelCol[q][c] = int32(L)
				L++
			}
		}
	}
	m.wLev, m.base, m.dist2Lev = make([]float64, L*k), make([]float64, k), make([]float64, L)
	n := float64(m.rows)
	for q, cs := range m.counts {
		for c, cnt := range cs {
			l := m.levelCol[q][c]
			if l < 0 {
				continue
			}
			pl := float64(cnt) / n
			sp := math.Sqrt(pl)
			m.dist2Lev[l] = (1 - pl) / pl
			v := m.loadings[(p+int(l))*k : (p+int(l)+1)*k]
			for comp := range k {
				m.wLev[int(l)*k+comp] = v[comp] / sp
				m.base[comp] -= sp * v[comp]
			}
		}
	}
}

// NComponents returns the number of kept components, the length of a transformed row.
func (m *Model) NComponents() int { return m.k }

// Eigenvalues returns all non-trivial eigenvalues (min(n−1, p+L−Q) of them), descending;
// the first NComponents belong to the kept components.
func (m *Model) Eigenvalues() []float64 { return append([]float64(nil), m.eig...) }

// Inertia returns the total inertia, the sum of all eigenvalues: the number of non-constant
// numeric columns plus Σ_q (L_q − 1).
func (m *Model) Inertia() float64 { return m.inertia }

// NumNames returns the numeric column names the model expects, in order.
func (m *Model) NumNames() []string { return append([]string(nil), m.numNames...) }

// CatNames returns the categorical column names the model expects, in order.
func (m *Model) CatNames() []string { return append([]string(nil), m.catNames...) }

// Levels returns the level names of categorical column q, indexed by code.
func (m *Model) Levels(q int) []string { return append([]string(nil), m.levels[q]...) }

// Unseen returns the policy for unseen levels.
func (m *Model) Unseen() UnseenPolicy { return m.unseen }

// Loadings returns the (p+L)×k loadings V (eigenvectors of the coded table's covariance,
// FactoMineR res$svd$V): numeric columns first, then the levels in use, column by column in
// code order. It returns nil for a Model that is not fitted.
func (m *Model) Loadings() *mat.Dense {
	if m.k == 0 {
		return nil
	}
	return mat.NewDense(len(m.loadings)/m.k, m.k, append([]float64(nil), m.loadings...))
}

// TransformRow writes the principal coordinates of one row to dst, which must have length
// NComponents: num holds the numeric values in NumNames order and cat the level codes in
// CatNames order. A code of frame.Missing, or of a level the fit never saw, is unseen and
// handled by the model's UnseenPolicy; TransformRow returns how many unseen levels the row
// had. It does not allocate unless it returns an error; on error dst is unspecified.
func (m *Model) TransformRow(dst []float64, num []float64, cat []int32) (unseen int, err error) {
	if m.k == 0 {
		return 0, errNotFitted
	}
	if len(dst) != m.k || len(num) != len(m.numNames) || len(cat) != len(m.catNames) {
		return 0, fmt.Errorf("famd: row has %d numeric and %d categorical values for %d destination components; the model has %d, %d and %d",
			len(num), len(cat), len(dst), len(m.numNames), len(m.catNames), m.k)
	}
	return m.transform(dst, num, cat, -1, false)
}

// transform checks and projects one row. row (≥ 0) is named in errors; extended accepts
// codes past the model's levels as unseen levels (frames whose level lists grew).
func (m *Model) transform(dst, num []float64, cat []int32, row int, extended bool) (int, error) {
	for j, x := range num {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("famd: %snumeric column %q: value %v is not finite", rowPrefix(row), m.numNames[j], x)
		}
	}
	for q, c := range cat {
		if c < frame.Missing || (!extended && int(c) >= len(m.levels[q])) {
			return 0, fmt.Errorf("famd: %scategorical column %q: code %d outside [-1, %d)", rowPrefix(row), m.catNames[q], c, len(m.levels[q]))
		}
	}
	unseen, first, _ := m.project(dst, num, cat)
	if first >= 0 && m.unseen == UnseenError {
		return 0, &UnseenLevelError{Row: row, Column: m.catNames[first], Code: cat[first]}
	}
	return unseen, nil
}

// rowPrefix names row in an error message (nothing for a negative row).
func rowPrefix(row int) string {
	if row < 0 {
		return ""
	}
	return "row " + strconv.Itoa(row) + ", "
}

// project computes dst = z·V for a checked row. It returns the number of unseen levels,
// the first categorical column with one (−1 if none) and Σ z_j² over the numeric columns. Every categorical column contributes
// V_l/√p_l for its level l (nothing for an unseen level) minus Σ_{l∈q} √p_l·V_l, which is
// summed over the columns once in base: an unseen level thus contributes the coded values
// of an all-zero indicator row.
func (m *Model) project(dst, num []float64, cat []int32) (unseen, first int, zz float64) {
	k := len(dst)
	copy(dst, m.base)
	for j, x := range num {
		z := (x - m.center[j]) / m.scale[j]
		zz += z * z
		v := m.loadings[j*k:]
		v = v[:len(dst)]
		for c := range dst {
			dst[c] += z * v[c]
		}
	}
	first = -1
	for q, code := range cat {
		l := int32(-1)
		if code >= 0 && int(code) < len(m.levelCol[q]) {
			l = m.levelCol[q][code]
		}
		if l < 0 {
			if first < 0 {
				first = q
			}
			unseen++
			continue
		}
		w := m.wLev[int(l)*k:]
		w = w[:len(dst)]
		for c := range dst {
			dst[c] += w[c]
		}
	}
	return unseen, first, zz
}

// Transform projects every row of f. The frame must have the model's columns in the model's
// order; its level lists must start with the model's (later levels, which the model never
// saw, are unseen). Rows are checked as in TransformRow; under UnseenError the error names
// the first row with an unseen level. It returns the n×NComponents coordinates and the
// number of unseen levels met. It runs on Config.Workers goroutines of the fit
// (GOMAXPROCS for a decoded model) and gives the same result for any number.
func (m *Model) Transform(ctx context.Context, f *frame.Frame) (coord *mat.Dense, unseen int, err error) {
	if m.k == 0 {
		return nil, 0, errNotFitted
	}
	if err := m.checkColumns(f); err != nil {
		return nil, 0, err
	}
	n := f.Rows()
	if n == 0 {
		return nil, 0, fmt.Errorf("famd: frame has no rows")
	}
	bl := newBlocking(n)
	workers := workerCount(m.workers, bl.count)
	coord = mat.NewDense(n, m.k, nil)
	counts, errs := make([]int, bl.count), make([]error, bl.count)
	bufs := make([]rowBuffer, workers)
	for w := range bufs {
		bufs[w] = newRowBuffer(len(f.Num), len(f.Cat))
	}
	err = parallel(ctx, workers, bl.count, func(w, b int) {
		lo, hi := bl.bounds(b)
		counts[b], errs[b] = m.transformBlock(coord, f, &bufs[w], lo, hi)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("famd: transforming: %w", err)
	}
	for b := range errs {
		if errs[b] != nil {
			return nil, 0, errs[b]
		}
		unseen += counts[b]
	}
	return coord, unseen, nil
}

// rowBuffer holds one row gathered from a column-major frame.
type rowBuffer struct {
	num []float64
	cat []int32
}

func newRowBuffer(p, q int) rowBuffer {
	return rowBuffer{num: make([]float64, p), cat: make([]int32, q)}
}

// gather copies row i of f into rb.
func (rb *rowBuffer) gather(f *frame.Frame, i int) {
	for j, col := range f.Num {
		rb.num[j] = col[i]
	}
	for q, col := range f.Cat {
		rb.cat[q] = col[i]
	}
}

func (m *Model) transformBlock(coord *mat.Dense, f *frame.Frame, rb *rowBuffer, lo, hi int) (int, error) {
	unseen := 0
	for i := lo; i < hi; i++ {
		rb.gather(f, i)
		u, err := m.transform(coord.RawRowView(i), rb.num, rb.cat, i, true)
		if err != nil {
			return 0, err
		}
		unseen += u
	}
	return unseen, nil
}

// checkColumns checks that f has the model's columns, in order, and level lists that
// extend the model's.
func (m *Model) checkColumns(f *frame.Frame) error {
	if f == nil {
		return fmt.Errorf("famd: nil frame")
	}
	if err := checkShape(f); err != nil {
		return err
	}
	if !slices.Equal(f.NumNames, m.numNames) {
		return fmt.Errorf("famd: numeric columns %q, want %q", f.NumNames, m.numNames)
	}
	if !slices.Equal(f.CatNames, m.catNames) {
		return fmt.Errorf("famd: categorical columns %q, want %q", f.CatNames, m.catNames)
	}
	for q, lv := range m.levels {
		got := f.Levels[q]
		for c, name := range lv {
			if c >= len(got) || got[c] != name {
				return fmt.Errorf("famd: categorical column %q: level code %d is %s, want %q (the frame's levels must extend the fitted ones)",
					m.catNames[q], c, levelName(got, c), name)
			}
		}
	}
	return nil
}

func levelName(levels []string, c int) string {
	if c >= len(levels) {
		return "missing"
	}
	return strconv.Quote(levels[c])
}
