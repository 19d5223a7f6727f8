package preprocess

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/storeseg/storeseg/model/frame"
)

// Preprocessor is a fitted preprocessor. It is immutable after Fit or UnmarshalBinary and
// safe for concurrent use.
type Preprocessor struct {
	num []numCol
	cat []catCol
}

type numCol struct {
	spec NumericSpec
	fill float64 // imputation value on the transformed scale (unused under Impute Error)
}

type catCol struct {
	spec    CategoricalSpec
	levels  []string         // prepared levels, sorted bytewise
	codes   map[string]int32 // raw level → prepared code, for every level seen at fit
	missing int32            // code of a missing value; frame.Missing when there is none
	unseen  int32            // code of an unseen level: "other" or frame.Missing
}

// Fit learns the preprocessing of spec's features from the raw frame and returns the fitted
// preprocessor and the prepared frame (which shares raw's IDs slice). The raw frame may hold
// other columns; a feature absent from it is an error, as is a value the spec rejects.
func Fit(spec Spec, raw *frame.Frame) (*Preprocessor, *frame.Frame, error) {
	if err := spec.Validate(); err != nil {
		return nil, nil, err
	}
	if err := raw.Validate(); err != nil {
		return nil, nil, fmt.Errorf("preprocess: %w", err)
	}
	if raw.Rows() == 0 {
		return nil, nil, fmt.Errorf("%w: the frame has no rows", ErrNoData)
	}
	p := &Preprocessor{num: make([]numCol, len(spec.Numeric)), cat: make([]catCol, len(spec.Categorical))}
	for j, s := range spec.Numeric {
		col, err := numColumn(raw, s.Name)
		if err != nil {
			return nil, nil, err
		}
		if p.num[j], err = fitNumeric(s, col, raw.IDs); err != nil {
			return nil, nil, err
		}
	}
	for q, s := range spec.Categorical {
		k, err := catColumn(raw, s.Name)
		if err != nil {
			return nil, nil, err
		}
		if p.cat[q], err = fitCategorical(s, raw.Levels[k], raw.Cat[k], raw.IDs); err != nil {
			return nil, nil, err
		}
	}
	out, _, err := p.ApplyUnseen(raw)
	if err != nil {
		return nil, nil, err
	}
	return p, out, nil
}

func numColumn(raw *frame.Frame, name string) ([]float64, error) {
	for j, n := range raw.NumNames {
		if n == name {
			return raw.Num[j], nil
		}
	}
	return nil, &ValueError{Feature: name, Kind: ErrNoColumn,
		Detail: fmt.Sprintf("no numeric column of that name (numeric columns: %q)", raw.NumNames)}
}

func catColumn(raw *frame.Frame, name string) (int, error) {
	for q, n := range raw.CatNames {
		if n == name {
			return q, nil
		}
	}
	return 0, &ValueError{Feature: name, Kind: ErrNoColumn,
		Detail: fmt.Sprintf("no categorical column of that name (categorical columns: %q)", raw.CatNames)}
}

func rowError(err error, row int, ids []string) error {
	if ve, ok := err.(*ValueError); ok {
		ve.Row = row + 1
		if row < len(ids) {
			ve.ID = ids[row]
		}
	}
	return err
}

func fitNumeric(s NumericSpec, col []float64, ids []string) (numCol, error) {
	c := numCol{spec: s}
	present := make([]float64, 0, len(col))
	for i, v := range col {
		if math.IsNaN(v) {
			continue
		}
		t, err := c.transform(v)
		if err != nil {
			return c, rowError(err, i, ids)
		}
		present = append(present, t)
	}
	switch s.Impute {
	case Median, Mean:
		if len(present) == 0 {
			return c, &ValueError{Feature: s.Name, Kind: ErrNoData,
				Detail: "every value is missing; nothing to compute the " + s.Impute.String() + " from"}
		}
		if s.Impute == Median {
			c.fill = median(present)
		} else {
			c.fill = mean(present)
		}
	}
	return c, nil
}

// fitCategorical learns the level map of one column from its raw levels and codes.
func fitCategorical(s CategoricalSpec, levels []string, codes []int32, ids []string) (catCol, error) {
	c := catCol{spec: s, missing: frame.Missing}
	counts := make([]int, len(levels))
	nMissing, firstMissing := 0, -1
	for i, k := range codes {
		if k == frame.Missing || levels[k] == "" {
			if nMissing == 0 {
				firstMissing = i
			}
			nMissing++
			continue
		}
		counts[k]++
	}
	byName := make(map[string]int, len(levels)+1)
	for k, l := range levels {
		if counts[k] > 0 {
			byName[l] += counts[k]
		}
	}
	target, err := missingTarget(s, byName, nMissing, firstMissing, ids)
	if err != nil {
		return c, err
	}
	if nMissing > 0 {
		byName[target] += nMissing
	}
	c.levels, c.codes = mergeRare(byName, s.MinFrequency, len(codes))
	if k, ok := c.codes[target]; ok && target != "" {
		c.missing = k
	}
	c.unseen = frame.Missing
	if k, ok := slices.BinarySearch(c.levels, OtherLevel); ok {
		c.unseen = int32(k)
	}
	return c, nil
}

// missingTarget returns the level a missing value joins ("" under Reject).
func missingTarget(s CategoricalSpec, byName map[string]int, nMissing, firstMissing int, ids []string) (string, error) {
	switch s.Missing {
	case Category:
		return MissingLevel, nil
	case Mode:
		best, bestN := "", 0
		for l, n := range byName {
			if n > bestN || (n == bestN && l < best) {
				best, bestN = l, n
			}
		}
		if bestN == 0 {
			return "", &ValueError{Feature: s.Name, Kind: ErrNoData, Detail: "every value is missing; there is no mode"}
		}
		return best, nil
	}
	if nMissing > 0 {
		return "", rowError(&ValueError{Feature: s.Name, Kind: ErrMissing}, firstMissing, ids)
	}
	return "", nil
}

// mergeRare merges levels whose share of n is below minFreq into "other" and returns the
// sorted prepared levels and the map from every level name to its prepared code.
func mergeRare(byName map[string]int, minFreq float64, n int) ([]string, map[string]int32) {
	final := make(map[string]string, len(byName))
	set := map[string]bool{}
	for l, cnt := range byName {
		f := l
		if l != OtherLevel && float64(cnt)/float64(n) < minFreq {
			f = OtherLevel
		}
		final[l] = f
		set[f] = true
	}
	levels := make([]string, 0, len(set))
	for l := range set {
		levels = append(levels, l)
	}
	slices.SortFunc(levels, cmp.Compare[string])
	codes := make(map[string]int32, len(final))
	for l, f := range final {
		k, _ := slices.BinarySearch(levels, f)
		codes[l] = int32(k)
	}
	return levels, codes
}

// transform validates a present raw value and transforms it.
func (c *numCol) transform(v float64) (float64, error) {
	s := &c.spec
	switch {
	case math.IsInf(v, 0):
		return 0, &ValueError{Feature: s.Name, Kind: ErrInvalid, Detail: "value " + fmtFloat(v) + " is not finite"}
	case s.Min != nil && v < *s.Min:
		return 0, &ValueError{Feature: s.Name, Kind: ErrInvalid,
			Detail: "value " + fmtFloat(v) + " is below the minimum " + fmtFloat(*s.Min)}
	case s.Max != nil && v > *s.Max:
		return 0, &ValueError{Feature: s.Name, Kind: ErrInvalid,
			Detail: "value " + fmtFloat(v) + " is above the maximum " + fmtFloat(*s.Max)}
	}
	if s.Transform == Log1p {
		if v <= -1 {
			return 0, &ValueError{Feature: s.Name, Kind: ErrInvalid,
				Detail: "value " + fmtFloat(v) + " is not above -1, as log1p needs"}
		}
		return math.Log1p(v), nil
	}
	return v, nil
}

// prepare maps a raw value (NaN when missing) to its prepared value.
func (c *numCol) prepare(v float64) (float64, error) {
	if math.IsNaN(v) {
		if c.spec.Impute == Error {
			return 0, &ValueError{Feature: c.spec.Name, Kind: ErrMissing}
		}
		return c.fill, nil
	}
	return c.transform(v)
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
