package preprocess

import (
	"fmt"
	"slices"

	"github.com/storeseg/storeseg/model/frame"
)

// NumNames returns the numeric feature names, in prepared-frame order.
func (p *Preprocessor) NumNames() []string {
	out := make([]string, len(p.num))
	for j := range p.num {
		out[j] = p.num[j].spec.Name
	}
	return out
}

// CatNames returns the categorical feature names, in prepared-frame order.
func (p *Preprocessor) CatNames() []string {
	out := make([]string, len(p.cat))
	for q := range p.cat {
		out[q] = p.cat[q].spec.Name
	}
	return out
}

// Levels returns the prepared levels of every categorical feature (sorted bytewise).
func (p *Preprocessor) Levels() [][]string {
	out := make([][]string, len(p.cat))
	for q := range p.cat {
		out[q] = slices.Clone(p.cat[q].levels)
	}
	return out
}

// Spec returns the spec the preprocessor was fitted with.
func (p *Preprocessor) Spec() Spec {
	s := Spec{Numeric: make([]NumericSpec, len(p.num)), Categorical: make([]CategoricalSpec, len(p.cat))}
	for j := range p.num {
		s.Numeric[j] = p.num[j].spec
	}
	for q := range p.cat {
		s.Categorical[q] = p.cat[q].spec
	}
	return s
}

// Apply prepares a raw frame with the fit-time statistics; see ApplyUnseen.
func (p *Preprocessor) Apply(raw *frame.Frame) (*frame.Frame, error) {
	out, _, err := p.ApplyUnseen(raw)
	return out, err
}

// ApplyUnseen prepares a raw frame with the fit-time statistics and also returns, for each
// categorical feature, how many rows held a level not seen at fit (mapped to "other" or to
// frame.Missing). The prepared frame shares raw's IDs slice.
func (p *Preprocessor) ApplyUnseen(raw *frame.Frame) (*frame.Frame, []int, error) {
	if err := raw.Validate(); err != nil {
		return nil, nil, fmt.Errorf("preprocess: %w", err)
	}
	n := raw.Rows()
	out := &frame.Frame{IDName: raw.IDName, IDs: raw.IDs, NumNames: p.NumNames(), Num: make([][]float64, len(p.num)),
		CatNames: p.CatNames(), Levels: p.Levels(), Cat: make([][]int32, len(p.cat))}
	for j := range p.num {
		col, err := numColumn(raw, p.num[j].spec.Name)
		if err != nil {
			return nil, nil, err
		}
		dst := make([]float64, n)
		for i, v := range col {
			if dst[i], err = p.num[j].prepare(v); err != nil {
				return nil, nil, rowError(err, i, raw.IDs)
			}
		}
		out.Num[j] = dst
	}
	unseen := make([]int, len(p.cat))
	for q := range p.cat {
		k, err := catColumn(raw, p.cat[q].spec.Name)
		if err != nil {
			return nil, nil, err
		}
		if out.Cat[q], unseen[q], err = p.cat[q].applyColumn(raw.Levels[k], raw.Cat[k], raw.IDs); err != nil {
			return nil, nil, err
		}
	}
	return out, unseen, nil
}

// mapped is the prepared result of one raw level.
type mapped struct {
	code   int32
	unseen bool
	err    error
}

// applyColumn maps a raw column through the level map, converting each raw level once.
func (c *catCol) applyColumn(levels []string, codes []int32, ids []string) ([]int32, int, error) {
	byRaw := make([]mapped, len(levels))
	for k, l := range levels {
		byRaw[k].code, byRaw[k].unseen, byRaw[k].err = c.code(l)
	}
	var miss mapped
	miss.code, miss.unseen, miss.err = c.code("")
	dst := make([]int32, len(codes))
	unseen := 0
	for i, k := range codes {
		m := &miss
		if k != frame.Missing {
			m = &byRaw[k]
		}
		if m.err != nil {
			return nil, 0, rowError(&ValueError{Feature: c.spec.Name, Kind: ErrMissing}, i, ids)
		}
		dst[i] = m.code
		if m.unseen {
			unseen++
		}
	}
	return dst, unseen, nil
}

// code maps a raw level ("" when missing) to its prepared code. unseen reports a level (or a
// missing value) the fit gave no code to.
func (c *catCol) code(level string) (code int32, unseen bool, err error) {
	if level == "" {
		switch {
		case c.spec.Missing == Reject:
			return 0, false, ErrMissing
		case c.missing != frame.Missing:
			return c.missing, false, nil
		}
		return c.unseen, true, nil
	}
	if k, ok := c.codes[level]; ok {
		return k, false, nil
	}
	return c.unseen, true, nil
}

// ApplyRecord prepares one raw record into dst; see ApplyRecordUnseen.
func (p *Preprocessor) ApplyRecord(dst *frame.Row, rec frame.Record) error {
	_, err := p.ApplyRecordUnseen(dst, rec)
	return err
}

// ApplyRecordUnseen prepares one raw record (values in NumNames and CatNames order; NaN and
// "" for missing) into dst, reusing dst's slices, and returns how many of its categorical
// values were unseen at fit. It does not allocate when dst's slices have enough capacity
// and the record is valid. On error dst holds a partial result.
func (p *Preprocessor) ApplyRecordUnseen(dst *frame.Row, rec frame.Record) (int, error) {
	if len(rec.Num) != len(p.num) || len(rec.Cat) != len(p.cat) {
		return 0, fmt.Errorf("%w: %d numeric and %d categorical values, want %d and %d",
			ErrBadRecord, len(rec.Num), len(rec.Cat), len(p.num), len(p.cat))
	}
	dst.Num = resize(dst.Num, len(p.num))
	dst.Cat = resize(dst.Cat, len(p.cat))
	var err error
	for j := range p.num {
		if dst.Num[j], err = p.num[j].prepare(rec.Num[j]); err != nil {
			return 0, err
		}
	}
	unseen := 0
	for q := range p.cat {
		code, u, err := p.cat[q].code(rec.Cat[q])
		if err != nil {
			return 0, &ValueError{Feature: p.cat[q].spec.Name, Kind: ErrMissing}
		}
		dst.Cat[q] = code
		if u {
			unseen++
		}
	}
	return unseen, nil
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
