package famd

import (
	"context"
	"errors"
	"math"

	"github.com/storeseg/storeseg/model/frame"
	"gonum.org/v1/gonum/mat"
)

// gramAccuracy is the largest relative error the covariance route may leave on a
// non-trivial eigenvalue: forming C = ZᵀZ/n bounds the absolute error of every eigenvalue
// by about m·ε·λ₁, so an eigenvalue λ_k with m·ε·λ₁/λ_k above this is recomputed from a QR
// factorization of the coded table instead.
const gramAccuracy = 1e-9

// spectrum is the eigendecomposition FAMD reports.
type spectrum struct {
	values  []float64  // the r non-trivial eigenvalues, descending; numerically zero ones are 0
	vectors *mat.Dense // m×m eigenvectors of C, columns in the order of values
	trace   float64    // total inertia, trace(C)
	refined bool       // whether the QR route computed it
}

// structuralRank bounds the rank of the coded table by its construction: non-constant
// numeric columns plus L_q − 1 for every categorical column, and n − 1 (centring).
func structuralRank(cd *coding, c *mat.SymDense) int {
	rank := 0
	for j := range cd.p {
		if c.At(j, j) > 0 {
			rank++
		}
	}
	for q := range cd.q {
		rank += cd.width(q) - 1
	}
	return min(rank, int(cd.n)-1)
}

// decompose diagonalises C and, when a non-trivial eigenvalue is too small for the
// covariance route's accuracy, recomputes the decomposition from a QR factorization of the
// coded table.
func decompose(ctx context.Context, f *frame.Frame, cd *coding, c *mat.SymDense, bl blocking, workers int) (*spectrum, error) {
	m := cd.m()
	r := min(int(cd.n)-1, m-cd.q) // FactoMineR's cap
	rs := structuralRank(cd, c)
	if rs == 0 {
		return nil, errors.New("famd: every column is constant")
	}
	var es mat.EigenSym
	if !es.Factorize(c, true) {
		return nil, errors.New("famd: eigendecomposition did not converge")
	}
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	vals := descending(es.Values(nil), &vecs)
	sp := &spectrum{vectors: &vecs, trace: mat.Trace(c)}
	if needsRefinement(vals, min(r, rs), m) {
		rf, err := tsqrFactor(ctx, f, cd, bl, workers)
		if err != nil {
			return nil, err
		}
		if vals, err = svdOfFactor(rf, cd.n, sp.vectors); err != nil {
			return nil, err
		}
		tol := vals[0] * math.Pow(float64(max(int(cd.n), m))*eps, 2)
		for k, v := range vals {
			if v <= tol {
				vals[k] = 0
			}
		}
		sp.refined = true
	}
	sp.values = vals[:r]
	for k := range sp.values {
		if k >= rs || sp.values[k] < 0 {
			sp.values[k] = 0
		}
	}
	return sp, nil
}

const eps = 0x1p-52

// needsRefinement reports whether any of the first rank eigenvalues is below what the
// covariance route resolves to gramAccuracy.
func needsRefinement(vals []float64, rank, m int) bool {
	floor := float64(m) * eps * vals[0] / gramAccuracy
	for _, v := range vals[:rank] {
		if v <= floor {
			return true
		}
	}
	return false
}

// descending reverses ascending eigenvalues and the matching columns of vecs in place.
func descending(vals []float64, vecs *mat.Dense) []float64 {
	m := len(vals)
	for a, b := 0, m-1; a < b; a, b = a+1, b-1 {
		vals[a], vals[b] = vals[b], vals[a]
		for i := range m {
			va, vb := vecs.At(i, a), vecs.At(i, b)
			vecs.Set(i, a, vb)
			vecs.Set(i, b, va)
		}
	}
	return vals
}

// keep returns the first k eigenvectors as an m×k matrix with FactoMineR's svd.triplet
// signs (each column's sum made non-negative) and zero columns for zero eigenvalues.
func (sp *spectrum) keep(k int) *mat.Dense {
	m, _ := sp.vectors.Dims()
	v := mat.NewDense(m, k, nil)
	v.Copy(sp.vectors.Slice(0, m, 0, k))
	for c := range k {
		if sp.values[c] == 0 {
			for i := range m {
				v.Set(i, c, 0)
			}
			continue
		}
		if mat.Sum(v.ColView(c)) < 0 {
			for i := range m {
				v.Set(i, c, -v.At(i, c))
			}
		}
	}
	return v
}

// components resolves the number of kept components from cfg (see Config).
func (sp *spectrum) components(cfg Config) int {
	r := len(sp.values)
	if cfg.NComponents == 0 && cfg.MinCumulative > 0 {
		cum := 0.0
		for k, v := range sp.values {
			cum += 100 * v / sp.trace
			if cum >= cfg.MinCumulative {
				return k + 1
			}
		}
		return r
	}
	k := cfg.NComponents
	if k == 0 {
		k = defaultComponents
	}
	return min(k, r)
}
