package famd

import (
	"context"
	"errors"
	"fmt"

	"github.com/storeseg/storeseg/model/frame"
	"gonum.org/v1/gonum/mat"
)

// Fit runs FAMD on a prepared frame: every numeric value finite and every level code valid
// (no frame.Missing). Errors name the offending column and row. f is not modified and not
// retained.
func Fit(ctx context.Context, f *frame.Frame, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkFrame(f); err != nil {
		return nil, err
	}
	bl := newBlocking(f.Rows())
	workers := workerCount(cfg.Workers, bl.count)
	mo, err := firstPass(ctx, f, bl, workers)
	if err != nil {
		return nil, err
	}
	ly := newLayout(len(f.Num), mo.counts)
	cd, c, err := secondPass(ctx, f, ly, mo, bl, workers)
	if err != nil {
		return nil, err
	}
	sp, err := decompose(ctx, f, cd, c, bl, workers)
	if err != nil {
		return nil, err
	}
	m := newModel(f, mo, cd, sp, cfg)
	res := &Result{Model: m, Refined: sp.refined}
	if res.Coord, res.RowDist, err = m.fitCoordinates(ctx, f, bl, workers); err != nil {
		return nil, fmt.Errorf("famd: %w", err)
	}
	res.diagnose(cd, c, sp)
	return res, nil
}

// checkFrame rejects frames FAMD cannot fit, apart from their values, which the first
// pass checks in parallel.
func checkFrame(f *frame.Frame) error {
	if f == nil {
		return errors.New("famd: nil frame")
	}
	if err := checkShape(f); err != nil {
		return err
	}
	if len(f.Num)+len(f.Cat) == 0 {
		return errors.New("famd: frame has no columns")
	}
	switch n := f.Rows(); n {
	case 0:
		return errors.New("famd: frame has no rows")
	case 1:
		return errors.New("famd: frame has 1 row, need at least 2")
	}
	seen := make(map[string]bool, len(f.Num)+len(f.Cat))
	for _, name := range append(append([]string(nil), f.NumNames...), f.CatNames...) {
		if seen[name] {
			return fmt.Errorf("famd: duplicate column name %q", name)
		}
		seen[name] = true
	}
	return nil
}

// checkShape checks what frame.Frame.Validate checks except the level codes: one name per
// column, one level list per categorical column, one value per row in every column.
func checkShape(f *frame.Frame) error {
	n := f.Rows()
	switch {
	case f.IDs != nil && len(f.IDs) != n:
		return fmt.Errorf("famd: frame has %d ids for %d rows", len(f.IDs), n)
	case len(f.NumNames) != len(f.Num):
		return fmt.Errorf("famd: frame has %d numeric names for %d numeric columns", len(f.NumNames), len(f.Num))
	case len(f.CatNames) != len(f.Cat) || len(f.Levels) != len(f.Cat):
		return fmt.Errorf("famd: frame has %d categorical names and %d level lists for %d categorical columns",
			len(f.CatNames), len(f.Levels), len(f.Cat))
	}
	for j, col := range f.Num {
		if len(col) != n {
			return fmt.Errorf("famd: numeric column %q has %d rows, want %d", f.NumNames[j], len(col), n)
		}
	}
	for q, col := range f.Cat {
		if len(col) != n {
			return fmt.Errorf("famd: categorical column %q has %d rows, want %d", f.CatNames[q], len(col), n)
		}
	}
	return nil
}

// newModel keeps the first components of sp.
func newModel(f *frame.Frame, mo *moments, cd *coding, sp *spectrum, cfg Config) *Model {
	k := sp.components(cfg)
	v := sp.keep(k)
	m := &Model{
		numNames: append([]string(nil), f.NumNames...),
		catNames: append([]string(nil), f.CatNames...),
		levels:   make([][]string, len(f.Cat)),
		counts:   mo.counts,
		rows:     int(cd.n),
		center:   cd.center,
		scale:    cd.scale,
		eig:      sp.values,
		inertia:  sp.trace,
		k:        k,
		loadings: v.RawMatrix().Data,
		unseen:   cfg.Unseen,
		workers:  cfg.Workers,
	}
	for q, lv := range f.Levels {
		m.levels[q] = append([]string(nil), lv...)
	}
	m.prepare()
	return m
}

// fitCoordinates projects the training rows (with the same code as TransformRow, so a
// training row transformed alone gives exactly its fit coordinates) and computes each
// row's distance to the centre of gravity.
func (m *Model) fitCoordinates(ctx context.Context, f *frame.Frame, bl blocking, workers int) (*mat.Dense, []float64, error) {
	n := f.Rows()
	coord, dist := mat.NewDense(n, m.k, nil), make([]float64, n)
	bufs := make([]rowBuffer, workers)
	for w := range bufs {
		bufs[w] = newRowBuffer(len(f.Num), len(f.Cat))
	}
	err := parallel(ctx, workers, bl.count, func(w, b int) {
		lo, hi := bl.bounds(b)
		rb := &bufs[w]
		for i := lo; i < hi; i++ {
			rb.gather(f, i)
			_, _, zz := m.project(coord.RawRowView(i), rb.num, rb.cat)
			dist[i] = m.rowDist(zz, rb.cat)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return coord, dist, nil
}
