package famd

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Result is a fitted FAMD with FactoMineR's diagnostics. Matrices have one column per kept
// component.
type Result struct {
	// Model projects new rows.
	Model *Model
	// Coord holds the n×k principal row coordinates (FactoMineR ind$coord): component c has
	// variance Eigenvalues[c] under row weights 1/n.
	Coord *mat.Dense
	// RowDist is each row's distance to the centre of gravity in the coded space
	// (FactoMineR ind$dist).
	RowDist []float64

	// Eigenvalues holds all non-trivial eigenvalues, min(n−1, p+L−Q) of them, descending;
	// Percent is each one's percentage of the total inertia and Cumulative their running
	// sum (FactoMineR eig).
	Eigenvalues, Percent, Cumulative []float64

	// Quanti describes the numeric columns (FactoMineR quanti.var): Coord is the
	// correlation of the column with the component, Cos2 its square, Contrib the column's
	// percentage of the component's inertia. Nil without numeric columns.
	Quanti *Table
	// Levels describes the levels in use (FactoMineR quali.var): Coord is the level's
	// barycentre scaled as FactoMineR does, Cos2, Contrib and VTest as FactoMineR. Nil
	// without categorical columns.
	Levels *LevelTable
	// Vars describes every column (FactoMineR var): Coord is r² for numeric and η² for
	// categorical columns, Contrib the column's percentage of the component's inertia and
	// Cos2 FactoMineR's var$cos2 (r⁴, and η⁴/(L_q − 1)).
	Vars *Table

	// Refined reports that some eigenvalue was too small for the covariance route and the
	// decomposition was recomputed from a QR factorization of the coded table.
	Refined bool
}

// Table holds per-item diagnostics, one row per item.
type Table struct {
	Names                []string
	Coord, Cos2, Contrib *mat.Dense
}

// LevelTable holds per-level diagnostics. Names are the level names and Columns the
// categorical column of each level.
type LevelTable struct {
	Table
	Columns []string
	VTest   *mat.Dense
}

// RowContrib returns each row's percentage of each component's inertia (FactoMineR
// ind$contrib): 100·F²/(n·λ), 0 for a zero eigenvalue. It allocates an n×k matrix.
func (r *Result) RowContrib() *mat.Dense {
	n, k := r.Coord.Dims()
	out := mat.NewDense(n, k, nil)
	for c := range k {
		lambda := r.Eigenvalues[c]
		if lambda == 0 {
			continue
		}
		w := 100 / (float64(n) * lambda)
		for i := range n {
			f := r.Coord.At(i, c)
			out.Set(i, c, f*f*w)
		}
	}
	return out
}

// RowCos2 returns each row's squared cosine with each component (FactoMineR ind$cos2):
// F²/RowDist², 0 for a row at the centre. It allocates an n×k matrix.
func (r *Result) RowCos2() *mat.Dense {
	n, k := r.Coord.Dims()
	out := mat.NewDense(n, k, nil)
	for i := range n {
		d2 := r.RowDist[i] * r.RowDist[i]
		if d2 == 0 {
			continue
		}
		for c := range k {
			f := r.Coord.At(i, c)
			out.Set(i, c, f*f/d2)
		}
	}
	return out
}

// rowDist returns the distance to the centre of gravity of a row whose numeric columns
// have Σ z² = zz: each level adds (1 − p_l)/p_l, the squared norm of its coded values.
func (m *Model) rowDist(zz float64, cat []int32) float64 {
	for q, code := range cat {
		zz += m.dist2Lev[m.levelCol[q][code]]
	}
	return math.Sqrt(zz)
}

// diagnose fills the eigenvalue table and the variable and level diagnostics, all derived
// from the loadings V, the eigenvalues λ and the covariance C of the coded table.
func (r *Result) diagnose(cd *coding, c *mat.SymDense, sp *spectrum) {
	m := r.Model
	r.Eigenvalues = m.Eigenvalues()
	r.Percent, r.Cumulative = make([]float64, len(r.Eigenvalues)), make([]float64, len(r.Eigenvalues))
	cum := 0.0
	for k, v := range r.Eigenvalues {
		r.Percent[k] = 100 * v / sp.trace
		cum += r.Percent[k]
		r.Cumulative[k] = cum
	}
	if cd.p > 0 {
		r.Quanti = quantiTable(m, c)
	}
	if cd.q > 0 {
		r.Levels = levelTable(m, cd, c)
	}
	r.Vars = varTable(m, cd, r.Quanti, r.Levels)
}

// loading returns V[row, comp] and the eigenvalue of comp.
func (m *Model) loading(row, comp int) (float64, float64) {
	return m.loadings[row*m.k+comp], m.eig[comp]
}

func newTable(names []string, rows, k int) *Table {
	return &Table{Names: names, Coord: mat.NewDense(rows, k, nil), Cos2: mat.NewDense(rows, k, nil), Contrib: mat.NewDense(rows, k, nil)}
}

// quantiTable: coord = V·√λ, cos2 = coord²/C_jj, contrib = 100·V².
func quantiTable(m *Model, c *mat.SymDense) *Table {
	p := len(m.numNames)
	t := newTable(append([]string(nil), m.numNames...), p, m.k)
	for j := range p {
		for comp := range m.k {
			v, lambda := m.loading(j, comp)
			coord := v * math.Sqrt(lambda)
			t.Coord.Set(j, comp, coord)
			t.Contrib.Set(j, comp, 100*v*v)
			if cjj := c.At(j, j); cjj > 0 {
				t.Cos2.Set(j, comp, coord*coord/cjj)
			}
		}
	}
	return t
}

// levelTable: coord = V·λ/√p, cos2 = coord²/‖barycentre‖² with barycentre C_l·/√p,
// contrib = 100·V², v-test = V·√λ·√(n(n−1)/(n−n_l)).
func levelTable(m *Model, cd *coding, c *mat.SymDense) *LevelTable {
	L, n, mm := cd.levels, float64(cd.n), cd.m()
	t := &LevelTable{Table: *newTable(make([]string, L), L, m.k), Columns: make([]string, L), VTest: mat.NewDense(L, m.k, nil)}
	for q, lc := range cd.levelCol {
		for code, l := range lc {
			if l >= 0 {
				t.Names[l], t.Columns[l] = m.levels[q][code], m.catNames[q]
			}
		}
	}
	for l := range L {
		row, pl := cd.p+l, cd.prop[l]
		dist2 := 0.0
		for j := range mm {
			dist2 += c.At(row, j) * c.At(row, j)
		}
		dist2 /= pl
		vscale := 0.0
		if cd.counts[l] < cd.n {
			vscale = math.Sqrt(n * (n - 1) / (n - float64(cd.counts[l])))
		}
		for comp := range m.k {
			v, lambda := m.loading(row, comp)
			coord := v * lambda / math.Sqrt(pl)
			t.Coord.Set(l, comp, coord)
			t.Contrib.Set(l, comp, 100*v*v)
			t.VTest.Set(l, comp, v*math.Sqrt(lambda)*vscale)
			if dist2 > 0 {
				t.Cos2.Set(l, comp, coord*coord/dist2)
			}
		}
	}
	return t
}

// varTable: numeric rows r² = quanti coord², contrib, cos2 = quanti cos2²; categorical rows
// η² = λ·Σ_{l∈q} V², contrib = Σ_{l∈q} level contrib, cos2 = η⁴/(L_q − 1).
func varTable(m *Model, cd *coding, qt *Table, lt *LevelTable) *Table {
	p := cd.p
	names := append(append([]string(nil), m.numNames...), m.catNames...)
	t := newTable(names, p+cd.q, m.k)
	for j := range p {
		for comp := range m.k {
			r := qt.Coord.At(j, comp)
			cos2 := qt.Cos2.At(j, comp)
			t.Coord.Set(j, comp, r*r)
			t.Contrib.Set(j, comp, qt.Contrib.At(j, comp))
			t.Cos2.Set(j, comp, cos2*cos2)
		}
	}
	for q := range cd.q {
		for comp := range m.k {
			eta2, contrib := 0.0, 0.0
			for l := cd.varStart[q]; l < cd.varStart[q+1]; l++ {
				v, lambda := m.loading(p+l, comp)
				eta2 += lambda * v * v
				contrib += lt.Contrib.At(l, comp)
			}
			t.Coord.Set(p+q, comp, eta2)
			t.Contrib.Set(p+q, comp, contrib)
			if w := cd.width(q); w > 1 {
				t.Cos2.Set(p+q, comp, eta2*eta2/float64(w-1))
			}
		}
	}
	return t
}
