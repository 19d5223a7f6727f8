package famd

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/storeseg/storeseg/model/frame"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

const (
	// maxChunks bounds the number of triangular factors the tall-skinny QR keeps before it
	// combines them.
	maxChunks = 16
	// qrRows is the number of rows folded into a triangular factor at a time, small enough
	// for the panel to stay in cache (128–256 measured fastest for 80 coded columns).
	qrRows = 256
)

// qrScratch is one worker's buffers for the tall-skinny QR.
type qrScratch struct {
	a, tau, work []float64
}

// tsqrFactor returns the m×m triangular factor R of the coded table Z (Z = Q·R), built
// block by block: every chunk of blocks folds its rows into its own R, and the chunk factors
// are combined in chunk order, so the result does not depend on the number of workers.
func tsqrFactor(ctx context.Context, f *frame.Frame, cd *coding, bl blocking, workers int) (*mat.Dense, error) {
	m := cd.m()
	chunks := min(maxChunks, bl.count)
	rs := make([][]float64, chunks)
	ws := make([]qrScratch, min(workers, chunks))
	for w := range ws {
		ws[w] = newQRScratch(qrRows+m, m)
	}
	template := codedTemplate(cd)
	err := parallel(ctx, len(ws), chunks, func(w, c int) {
		r := make([]float64, m*m)
		lo, _ := bl.bounds(c * bl.count / chunks)
		_, end := bl.bounds((c+1)*bl.count/chunks - 1)
		for ; lo < end; lo += qrRows {
			hi := min(lo+qrRows, end)
			a := ws[w].a[:(m+hi-lo)*m]
			copy(a, r)
			for i := lo; i < hi; i++ {
				codedRow(a[(m+i-lo)*m:(m+i-lo+1)*m], f, cd, template, i)
			}
			ws[w].factor(a, m+hi-lo, m, r)
		}
		rs[c] = r
	})
	if err != nil {
		return nil, fmt.Errorf("famd: %w", err)
	}
	all := make([]float64, 0, chunks*m*m)
	for _, r := range rs {
		all = append(all, r...)
	}
	r := make([]float64, m*m)
	sc := newQRScratch(chunks*m, m)
	sc.factor(all, chunks*m, m, r)
	return mat.NewDense(m, m, r), nil
}

func newQRScratch(rows, cols int) qrScratch {
	sc := qrScratch{a: make([]float64, rows*cols), tau: make([]float64, cols), work: make([]float64, 1)}
	lapack64.Geqrf(blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: sc.a}, sc.tau, sc.work, -1)
	sc.work = make([]float64, max(cols, int(sc.work[0])))
	return sc
}

// factor QR-factorizes the rows×cols matrix a in place and writes its triangular factor to
// r (cols×cols, zero below the diagonal).
func (sc *qrScratch) factor(a []float64, rows, cols int, r []float64) {
	lapack64.Geqrf(blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: a}, sc.tau, sc.work, len(sc.work))
	clear(r)
	for i := range min(rows, cols) {
		copy(r[i*cols+i:(i+1)*cols], a[i*cols+i:(i+1)*cols])
	}
}

// codedTemplate is the coded row of a row that has no level: −√p_l for every level.
func codedTemplate(cd *coding) []float64 {
	t := make([]float64, cd.m())
	for l, pl := range cd.prop {
		t[cd.p+l] = -math.Sqrt(pl)
	}
	return t
}

// codedRow writes row i of the coded table to dst.
func codedRow(dst []float64, f *frame.Frame, cd *coding, template []float64, i int) {
	copy(dst, template)
	for j, col := range f.Num {
		dst[j] = (col[i] - cd.center[j]) / cd.scale[j]
	}
	for q, col := range f.Cat {
		l := cd.levelCol[q][col[i]]
		pl := cd.prop[l]
		dst[cd.p+int(l)] = (1 - pl) / math.Sqrt(pl)
	}
}

// svdOfFactor computes the SVD of R/√n: it returns the eigenvalues σ²/n of C, descending,
// and writes the right singular vectors (the eigenvectors of C) to vecs.
func svdOfFactor(r *mat.Dense, n int64, vecs *mat.Dense) ([]float64, error) {
	r.Scale(1/math.Sqrt(float64(n)), r)
	var svd mat.SVD
	if !svd.Factorize(r, mat.SVDThinV) {
		return nil, errors.New("famd: singular value decomposition did not converge")
	}
	s := svd.Values(nil)
	for k, v := range s {
		s[k] = v * v
	}
	vecs.Reset()
	svd.VTo(vecs)
	return s, nil
}
