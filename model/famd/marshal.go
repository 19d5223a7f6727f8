package famd

import (
	"bytes"
	"fmt"
	"math"

	"github.com/storeseg/storeseg/model/internal/npz"
)

// Serialized form (model/internal/npz): a JSON document "meta" and the arrays
//
//	center       float64 [p]        fit-time column means
//	scale        float64 [p]        fit-time population standard deviations (≤ 1e-16 → 1)
//	level_counts int64   [Σ_q |levels_q|] fit-time count of every level, column by column
//	eigenvalues  float64 [r]        all non-trivial eigenvalues, descending
//	loadings     float64 [p+L, k]   V: numeric columns, then the levels with a positive count
//
// Proportions are level_counts/rows, so a decoded model transforms bit for bit like the
// original.
const (
	formatName    = "storeseg/famd"
	formatVersion = 1
)

type metaDoc struct {
	Format      string    `json:"format"`
	Version     int       `json:"version"`
	Rows        int       `json:"rows"`
	Components  int       `json:"components"`
	Inertia     float64   `json:"inertia"`
	Unseen      string    `json:"unseen"`
	Numeric     []string  `json:"numeric"`
	Categorical []catMeta `json:"categorical"`
}

type catMeta struct {
	Name   string   `json:"name"`
	Levels []string `json:"levels"`
}

// MarshalBinary encodes the model as an npz container (see model/internal/npz): NumPy
// arrays plus a JSON document with a format version. The same model always gives the same
// bytes.
func (m *Model) MarshalBinary() ([]byte, error) {
	if m.k == 0 {
		return nil, errNotFitted
	}
	meta := metaDoc{Format: formatName, Version: formatVersion, Rows: m.rows, Components: m.k,
		Inertia: m.inertia, Unseen: m.unseen.String(), Numeric: m.numNames, Categorical: make([]catMeta, len(m.catNames))}
	var counts []int64
	for q, name := range m.catNames {
		meta.Categorical[q] = catMeta{Name: name, Levels: m.levels[q]}
		counts = append(counts, m.counts[q]...)
	}
	if meta.Numeric == nil {
		meta.Numeric = []string{}
	}
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	steps := []func() error{
		func() error { return w.JSON("meta", meta) },
		func() error { return w.Float64s("center", nil, m.center) },
		func() error { return w.Float64s("scale", nil, m.scale) },
		func() error { return w.Int64s("level_counts", nil, counts) },
		func() error { return w.Float64s("eigenvalues", nil, m.eig) },
		func() error { return w.Float64s("loadings", []int{len(m.loadings) / m.k, m.k}, m.loadings) },
		w.Close,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("famd: encoding model: %w", err)
		}
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary decodes a model written by MarshalBinary. Malformed, truncated or
// inconsistent input gives an error matching ErrFormat (or npz's errors for a damaged
// container) and leaves m unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	r, err := npz.NewReader(data)
	if err != nil {
		return fmt.Errorf("famd: decoding model: %w", err)
	}
	var meta metaDoc
	if err := r.JSON("meta", &meta); err != nil {
		return fmt.Errorf("famd: decoding model: %w", err)
	}
	if err := meta.check(); err != nil {
		return err
	}
	dec := &Model{numNames: meta.Numeric, rows: meta.Rows, k: meta.Components, inertia: meta.Inertia}
	dec.unseen = UnseenError
	if meta.Unseen == UnseenZero.String() {
		dec.unseen = UnseenZero
	}
	for _, c := range meta.Categorical {
		dec.catNames, dec.levels = append(dec.catNames, c.Name), append(dec.levels, c.Levels)
	}
	if err := dec.readArrays(r); err != nil {
		return err
	}
	dec.prepare()
	*m = *dec
	return nil
}

func (meta *metaDoc) check() error {
	switch {
	case meta.Format != formatName:
		return formatError("format %q, want %q", meta.Format, formatName)
	case meta.Version != formatVersion:
		return formatError("format version %d, this build reads %d", meta.Version, formatVersion)
	case meta.Rows < 2:
		return formatError("%d fit rows", meta.Rows)
	case meta.Components < 1:
		return formatError("%d components", meta.Components)
	case !(meta.Inertia > 0) || math.IsInf(meta.Inertia, 0):
		return formatError("total inertia %v", meta.Inertia)
	case meta.Unseen != UnseenError.String() && meta.Unseen != UnseenZero.String():
		return formatError("unseen policy %q", meta.Unseen)
	case len(meta.Numeric)+len(meta.Categorical) == 0:
		return formatError("no columns")
	}
	for _, c := range meta.Categorical {
		if len(c.Levels) == 0 {
			return formatError("categorical column %q has no levels", c.Name)
		}
	}
	return nil
}

// readArrays reads and checks the arrays against the metadata already in dec.
func (dec *Model) readArrays(r *npz.Reader) error {
	p := len(dec.numNames)
	var err error
	if dec.center, err = readVector(r, "center", p); err != nil {
		return err
	}
	if dec.scale, err = readVector(r, "scale", p); err != nil {
		return err
	}
	for j, s := range dec.scale {
		if !(s > 0) {
			return formatError("scale of %q is %v", dec.numNames[j], s)
		}
	}
	levels, err := dec.readCounts(r)
	if err != nil {
		return err
	}
	if dec.eig, err = readVector(r, "eigenvalues", -1); err != nil {
		return err
	}
	for k, v := range dec.eig {
		if v < 0 || (k > 0 && v > dec.eig[k-1]) {
			return formatError("eigenvalues are not non-negative and descending")
		}
	}
	if len(dec.eig) < dec.k || len(dec.eig) >= dec.rows || len(dec.eig) > p+levels-len(dec.catNames) {
		return formatError("%d eigenvalues for %d components, %d rows and %d coded columns", len(dec.eig), dec.k, dec.rows, p+levels)
	}
	data, shape, err := r.Float64s("loadings")
	if err != nil {
		return fmt.Errorf("famd: decoding model: %w", err)
	}
	if len(shape) != 2 || shape[0] != p+levels || shape[1] != dec.k {
		return formatError("loadings have shape %v, want [%d %d]", shape, p+levels, dec.k)
	}
	if err := finite("loadings", data); err != nil {
		return err
	}
	dec.loadings = data
	return dec.checkLoadings()
}

// orthoTol is how far from orthonormal decoded loadings may be.
const orthoTol = 1e-9

// checkLoadings checks that the loadings of non-zero eigenvalues are orthonormal, those of
// zero eigenvalues zero, and that the eigenvalues do not exceed the inertia.
func (dec *Model) checkLoadings() error {
	k := dec.k
	rows := len(dec.loadings) / k
	for a := range k {
		for b := a; b < k; b++ {
			dot := 0.0
			for i := range rows {
				dot += dec.loadings[i*k+a] * dec.loadings[i*k+b]
			}
			want := 0.0
			if a == b && dec.eig[a] > 0 {
				want = 1
			}
			if math.Abs(dot-want) > orthoTol {
				return formatError("loadings %d and %d have inner product %v, want %v", a, b, dot, want)
			}
		}
	}
	sum := 0.0
	for _, v := range dec.eig {
		sum += v
	}
	if sum > dec.inertia*(1+orthoTol) {
		return formatError("eigenvalues sum to %v, more than the inertia %v", sum, dec.inertia)
	}
	return nil
}

// readCounts reads the level counts, checks them against the rows and returns the number
// of levels in use.
func (dec *Model) readCounts(r *npz.Reader) (int, error) {
	counts, shape, err := r.Int64s("level_counts")
	if err != nil {
		return 0, fmt.Errorf("famd: decoding model: %w", err)
	}
	want := 0
	for _, lv := range dec.levels {
		want += len(lv)
	}
	if len(shape) != 1 || len(counts) != want {
		return 0, formatError("level_counts has shape %v, want [%d]", shape, want)
	}
	used := 0
	for q, lv := range dec.levels {
		cs, total := counts[:len(lv)], int64(0)
		counts = counts[len(lv):]
		for _, c := range cs {
			if c < 0 || c > int64(dec.rows) {
				return 0, formatError("categorical column %q has a level count of %d", dec.catNames[q], c)
			}
			if c > 0 {
				used++
			}
			total += c
		}
		if total != int64(dec.rows) {
			return 0, formatError("categorical column %q counts %d rows, want %d", dec.catNames[q], total, dec.rows)
		}
		dec.counts = append(dec.counts, cs)
	}
	return used, nil
}

// readVector reads a one-dimensional finite float64 array of length n (any length if n < 0).
func readVector(r *npz.Reader, name string, n int) ([]float64, error) {
	data, shape, err := r.Float64s(name)
	if err != nil {
		return nil, fmt.Errorf("famd: decoding model: %w", err)
	}
	if len(shape) != 1 || (n >= 0 && shape[0] != n) {
		return nil, formatError("%s has shape %v, want [%d]", name, shape, n)
	}
	return data, finite(name, data)
}

func finite(name string, data []float64) error {
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return formatError("%s[%d] is %v", name, i, v)
		}
	}
	return nil
}
