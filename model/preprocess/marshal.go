package preprocess

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/internal/npz"
)

// formatName and formatVersion identify the serialized form.
const (
	formatName    = "storeseg.preprocess"
	formatVersion = 1
)

type metaJSON struct {
	Format      string    `json:"format"`
	Version     int       `json:"version"`
	Numeric     []numJSON `json:"numeric"`
	Categorical []catJSON `json:"categorical"`
}

type numJSON struct {
	Name      string   `json:"name"`
	Transform string   `json:"transform"`
	Impute    string   `json:"impute"`
	Min       *float64 `json:"min"`
	Max       *float64 `json:"max"`
}

// catJSON holds one categorical feature: RawLevels (sorted) maps to RawCodes, codes into
// Levels; MissingCode and UnseenCode are −1 when a missing or unseen value has no level.
type catJSON struct {
	Name         string   `json:"name"`
	Missing      string   `json:"missing"`
	MinFrequency float64  `json:"min_frequency"`
	Levels       []string `json:"levels"`
	RawLevels    []string `json:"raw_levels"`
	RawCodes     []int32  `json:"raw_codes"`
	MissingCode  int32    `json:"missing_code"`
	UnseenCode   int32    `json:"unseen_code"`
}

// MarshalBinary encodes the preprocessor as an npz container: meta.json and
// numeric_fill.npy (float64, one imputation value per numeric feature). The bytes are
// deterministic.
func (p *Preprocessor) MarshalBinary() ([]byte, error) {
	m := metaJSON{Format: formatName, Version: formatVersion, Numeric: []numJSON{}, Categorical: []catJSON{}}
	fill := make([]float64, len(p.num))
	for j, c := range p.num {
		m.Numeric = append(m.Numeric, numJSON{Name: c.spec.Name, Transform: c.spec.Transform.String(),
			Impute: c.spec.Impute.String(), Min: c.spec.Min, Max: c.spec.Max})
		fill[j] = c.fill
	}
	for _, c := range p.cat {
		cj := catJSON{Name: c.spec.Name, Missing: c.spec.Missing.String(), MinFrequency: c.spec.MinFrequency,
			Levels: c.levels, MissingCode: c.missing, UnseenCode: c.unseen}
		for l := range c.codes {
			cj.RawLevels = append(cj.RawLevels, l)
		}
		slices.Sort(cj.RawLevels)
		for _, l := range cj.RawLevels {
			cj.RawCodes = append(cj.RawCodes, c.codes[l])
		}
		m.Categorical = append(m.Categorical, cj)
	}
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	if err := w.JSON("meta", m); err != nil {
		return nil, err
	}
	if err := w.Float64s("numeric_fill", nil, fill); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary decodes what MarshalBinary wrote. It checks everything it reads, so damaged
// or tampered input gives an error (wrapping ErrCorrupt) rather than a preprocessor that
// panics or misbehaves later.
func (p *Preprocessor) UnmarshalBinary(data []byte) error {
	r, err := npz.NewReader(data)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	var m metaJSON
	if err := r.JSON("meta", &m); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if m.Format != formatName || m.Version != formatVersion {
		return fmt.Errorf("%w: format %q version %d, want %q version %d", ErrCorrupt, m.Format, m.Version, formatName, formatVersion)
	}
	fill, shape, err := r.Float64s("numeric_fill")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if len(shape) != 1 || len(fill) != len(m.Numeric) {
		return fmt.Errorf("%w: %d fill values for %d numeric features", ErrCorrupt, len(fill), len(m.Numeric))
	}
	q, err := decode(m, fill)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

func decode(m metaJSON, fill []float64) (*Preprocessor, error) {
	var spec Spec
	p := &Preprocessor{}
	for j, nj := range m.Numeric {
		s := NumericSpec{Name: nj.Name, Min: nj.Min, Max: nj.Max}
		var err error
		if s.Transform, err = ParseTransform(nj.Transform); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		if s.Impute, err = ParseImpute(nj.Impute); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		if math.IsNaN(fill[j]) || math.IsInf(fill[j], 0) {
			return nil, fmt.Errorf("%w: feature %q: fill value %v is not finite", ErrCorrupt, nj.Name, fill[j])
		}
		spec.Numeric = append(spec.Numeric, s)
		p.num = append(p.num, numCol{spec: s, fill: fill[j]})
	}
	for _, cj := range m.Categorical {
		c, err := decodeCat(cj)
		if err != nil {
			return nil, err
		}
		spec.Categorical = append(spec.Categorical, c.spec)
		p.cat = append(p.cat, c)
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return p, nil
}

func decodeCat(cj catJSON) (catCol, error) {
	bad := func(format string, a ...any) (catCol, error) {
		return catCol{}, fmt.Errorf("%w: feature %q: %s", ErrCorrupt, cj.Name, fmt.Sprintf(format, a...))
	}
	policy, err := ParseMissingPolicy(cj.Missing)
	if err != nil {
		return catCol{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	c := catCol{spec: CategoricalSpec{Name: cj.Name, Missing: policy, MinFrequency: cj.MinFrequency},
		levels: cj.Levels, codes: make(map[string]int32, len(cj.RawLevels)), missing: cj.MissingCode, unseen: cj.UnseenCode}
	if len(c.levels) == 0 {
		return bad("no levels")
	}
	for i := 1; i < len(c.levels); i++ {
		if c.levels[i-1] >= c.levels[i] {
			return bad("levels not sorted and unique at %q", c.levels[i])
		}
	}
	nl := int32(len(c.levels))
	if len(cj.RawLevels) != len(cj.RawCodes) {
		return bad("%d raw levels but %d codes", len(cj.RawLevels), len(cj.RawCodes))
	}
	for i, l := range cj.RawLevels {
		k := cj.RawCodes[i]
		if k < 0 || k >= nl || l == "" {
			return bad("raw level %q has code %d outside [0, %d)", l, k, nl)
		}
		if _, dup := c.codes[l]; dup {
			return bad("raw level %q listed twice", l)
		}
		c.codes[l] = k
	}
	if c.missing < frame.Missing || c.missing >= nl {
		return bad("missing code %d outside [-1, %d)", c.missing, nl)
	}
	other, hasOther := slices.BinarySearch(c.levels, OtherLevel)
	if (hasOther && c.unseen != int32(other)) || (!hasOther && c.unseen != frame.Missing) {
		return bad("unseen code %d does not match the levels", c.unseen)
	}
	return c, nil
}
