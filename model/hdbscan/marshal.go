package hdbscan

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"

	"github.com/storeseg/storeseg/model/internal/npz"
)

// Serialized form (model/internal/npz): a JSON document "meta" and the arrays
//
//	raw_data           float64 [n, d]  the training rows, in their original order
//	core_distances     float64 [n]     prediction core distances (k = min_samples)
//	condensed_parent   int64   [R]     the condensed tree, rows in hdbscan's order
//	condensed_child    int64   [R]
//	condensed_lambda   float64 [R]
//	condensed_size     int64   [R]
//	cluster_label      int64   [C]     label carried by cluster n+c, −1 for none
//	cluster_max_lambda float64 [C]     λ limit for probabilities of cluster n+c
//
// The k-d tree is rebuilt on decoding; it depends only on the rows, so a decoded Predictor
// predicts bit for bit like the original.
const (
	formatName    = "storeseg/hdbscan-prediction"
	formatVersion = 1
)

type metaDoc struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Rows       int    `json:"rows"`
	Dims       int    `json:"dims"`
	MinSamples int    `json:"min_samples"`
	Clusters   int    `json:"clusters"`
}

// MarshalBinary encodes the prediction data as an npz container (NumPy arrays plus a JSON
// document with a format version). The same Predictor always gives the same bytes.
func (p *Predictor) MarshalBinary() ([]byte, error) {
	t := p.tree
	if t == nil {
		return nil, errors.New("hdbscan: encoding a Predictor that holds no model")
	}
	n, d := t.n, t.d
	raw := make([]float64, n*d)
	for i, r := range t.idx {
		copy(raw[int(r)*d:], t.pts[i*d:(i+1)*d])
	}
	nr := len(p.rows)
	par, child, size := make([]int64, nr), make([]int64, nr), make([]int64, nr)
	lam := make([]float64, nr)
	for i, r := range p.rows {
		par[i], child[i], lam[i], size[i] = int64(r.Parent), int64(r.Child), r.Lambda, int64(r.Size)
	}
	labels := make([]int64, len(p.label))
	for i, l := range p.label {
		labels[i] = int64(l)
	}
	meta := metaDoc{formatName, formatVersion, n, d, p.minSamples, p.nClusters}
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	steps := []func() error{
		func() error { return w.JSON("meta", meta) },
		func() error { return w.Float64s("raw_data", []int{n, d}, raw) },
		func() error { return w.Float64s("core_distances", nil, p.core) },
		func() error { return w.Int64s("condensed_parent", nil, par) },
		func() error { return w.Int64s("condensed_child", nil, child) },
		func() error { return w.Float64s("condensed_lambda", nil, lam) },
		func() error { return w.Int64s("condensed_size", nil, size) },
		func() error { return w.Int64s("cluster_label", nil, labels) },
		func() error { return w.Float64s("cluster_max_lambda", nil, p.maxLambda) },
		w.Close,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("hdbscan: encoding prediction data: %w", err)
		}
	}
	return buf.Bytes(), nil
}

// decoded holds the arrays of a container before they are checked.
type decoded struct {
	meta                  metaDoc
	raw, core, lam, maxL  []float64
	par, child, size, lab []int64
}

// UnmarshalBinary decodes prediction data written by MarshalBinary. Malformed, truncated or
// inconsistent input gives an error matching ErrFormat (or npz.ErrMissing for a missing
// entry) and leaves p unchanged; it never panics.
func (p *Predictor) UnmarshalBinary(data []byte) error {
	r, err := npz.NewReader(data)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	var dc decoded
	if err := r.JSON("meta", &dc.meta); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if dc.meta.Format != formatName || dc.meta.Version != formatVersion {
		return formatError("format %q version %d, want %q version %d", dc.meta.Format, dc.meta.Version, formatName, formatVersion)
	}
	if err := dc.read(r); err != nil {
		return err
	}
	q, err := dc.predictor()
	if err != nil {
		return err
	}
	p.tree, p.minSamples, p.core, p.rows, p.pointRow = q.tree, q.minSamples, q.core, q.rows, q.pointRow
	p.parent, p.birth, p.label, p.maxLambda, p.death = q.parent, q.birth, q.label, q.maxLambda, q.death
	p.nClusters, p.hasTree = q.nClusters, q.hasTree
	p.initScratch()
	return nil
}

func (dc *decoded) read(r *npz.Reader) error {
	var errs []error
	f64 := func(name string, dst *[]float64) {
		v, _, err := r.Float64s(name)
		errs, *dst = append(errs, err), v
	}
	i64 := func(name string, dst *[]int64) {
		v, _, err := r.Int64s(name)
		errs, *dst = append(errs, err), v
	}
	f64("raw_data", &dc.raw)
	f64("core_distances", &dc.core)
	i64("condensed_parent", &dc.par)
	i64("condensed_child", &dc.child)
	f64("condensed_lambda", &dc.lam)
	i64("condensed_size", &dc.size)
	i64("cluster_label", &dc.lab)
	f64("cluster_max_lambda", &dc.maxL)
	if err := errors.Join(errs...); err != nil {
		if errors.Is(err, npz.ErrMissing) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return nil
}

// maxRows bounds the rows a container may declare, keeping every id within int32.
const maxRows = 1 << 30

// predictor checks every array against the others and builds the Predictor.
func (dc *decoded) predictor() (*Predictor, error) {
	m := dc.meta
	switch {
	case m.Rows < 1 || m.Rows > maxRows:
		return nil, formatError("rows %d out of range", m.Rows)
	case m.Dims < 1 || m.Dims > maxRows/m.Rows:
		return nil, formatError("dims %d out of range", m.Dims)
	case m.MinSamples < 1 || m.MinSamples > maxRows:
		return nil, formatError("min_samples %d out of range", m.MinSamples)
	case len(dc.raw) != m.Rows*m.Dims:
		return nil, formatError("raw_data has %d values, want %d×%d", len(dc.raw), m.Rows, m.Dims)
	case len(dc.core) != m.Rows:
		return nil, formatError("core_distances has %d values, want %d", len(dc.core), m.Rows)
	}
	for i, v := range dc.raw {
		if math.IsNaN(v) || math.Abs(v) > maxAbs {
			return nil, formatError("raw_data[%d] = %v", i, v)
		}
	}
	for i, v := range dc.core {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, formatError("core_distances[%d] = %v", i, v)
		}
	}
	rows, err := dc.condensed()
	if err != nil {
		return nil, err
	}
	ct := newCtree(m.Rows, rows)
	if len(dc.lab) != ct.nc || len(dc.maxL) != ct.nc {
		return nil, formatError("cluster arrays have %d and %d values, want %d", len(dc.lab), len(dc.maxL), ct.nc)
	}
	if m.Clusters < 0 || m.Clusters > ct.nc {
		return nil, formatError("clusters %d out of range", m.Clusters)
	}
	label := make([]int32, ct.nc)
	for c, l := range dc.lab {
		if l < -1 || l >= int64(m.Clusters) || math.IsNaN(dc.maxL[c]) || dc.maxL[c] < 0 {
			return nil, formatError("cluster %d: label %d, max lambda %v", m.Rows+c, l, dc.maxL[c])
		}
		label[c] = int32(l)
	}
	tree := buildKDTree(dc.raw, m.Rows, m.Dims, runtime.GOMAXPROCS(0))
	p := &Predictor{
		tree: tree, minSamples: m.MinSamples, core: dc.core, rows: rows,
		pointRow: make([]int32, m.Rows), parent: ct.parent, birth: ct.birth,
		label: label, maxLambda: dc.maxL, death: ct.subtreeDeaths(),
		nClusters: m.Clusters, hasTree: ct.nc > 1,
	}
	for i, r := range rows {
		if r.Child < m.Rows {
			p.pointRow[r.Child] = int32(i)
		}
	}
	return p, nil
}

// condensed checks that the condensed-tree arrays describe a tree whose root is cluster n:
// every point and every other cluster is a child exactly once, a cluster's parent has a
// smaller id and every λ is a number ≥ 0.
func (dc *decoded) condensed() ([]CondensedRow, error) {
	n := int64(dc.meta.Rows)
	nr := len(dc.par)
	if len(dc.child) != nr || len(dc.lam) != nr || len(dc.size) != nr || nr < int(n) || nr > 2*int(n) {
		return nil, formatError("condensed tree arrays have %d, %d, %d and %d rows for %d points",
			len(dc.par), len(dc.child), len(dc.lam), len(dc.size), n)
	}
	maxID := n
	for _, v := range dc.par {
		maxID = max(maxID, v)
	}
	if maxID >= 2*n {
		return nil, formatError("cluster id %d out of range", maxID)
	}
	seen := make([]bool, maxID+1)
	rows := make([]CondensedRow, nr)
	for i := range nr {
		par, child, size, lam := dc.par[i], dc.child[i], dc.size[i], dc.lam[i]
		switch {
		case par < n || child < 0 || child > maxID || child == n || seen[child]:
			return nil, formatError("row %d: parent %d, child %d", i, par, child)
		case child > n && child <= par:
			return nil, formatError("row %d: cluster %d is not below its parent %d", i, child, par)
		case size < 1 || size > n || (child < n && size != 1):
			return nil, formatError("row %d: size %d", i, size)
		case math.IsNaN(lam) || lam < 0:
			return nil, formatError("row %d: lambda %v", i, lam)
		}
		seen[child] = true
		rows[i] = CondensedRow{int(par), int(child), lam, int(size)}
	}
	for id := int64(0); id <= maxID; id++ {
		if id != n && !seen[id] {
			return nil, formatError("node %d is never a child", id)
		}
	}
	return rows, nil
}
