package stream

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/preprocess"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore"
)

// inputError is a problem with one input message: it goes to the DLQ with Reason.
type inputError struct {
	Reason string
	Err    error
}

func (e *inputError) Error() string { return e.Err.Error() }
func (e *inputError) Unwrap() error { return e.Err }

func badInput(reason string, format string, a ...any) *inputError {
	return &inputError{Reason: reason, Err: fmt.Errorf(format, a...)}
}

// bounds validates raw numeric values against a preprocess.Spec.
type bounds struct {
	byName map[string]preprocess.NumericSpec
}

func newBounds(spec preprocess.Spec) bounds {
	b := bounds{byName: make(map[string]preprocess.NumericSpec, len(spec.Numeric))}
	for _, n := range spec.Numeric {
		if n.Min != nil || n.Max != nil || n.Transform == preprocess.Log1p {
			b.byName[n.Name] = n
		}
	}
	return b
}

// check returns an *inputError for the first value of u the spec forbids.
func (b bounds) check(u *schemas.StoreFeatureUpdate) error {
	if len(b.byName) == 0 {
		return nil
	}
	for _, v := range u.Numeric {
		s, ok := b.byName[v.Name]
		if !ok || v.Null {
			continue
		}
		switch {
		case s.Min != nil && v.Value < *s.Min:
			return badInput(ReasonOutOfRange, "store %q: feature %q: value %g is below the minimum %g", u.StoreID, v.Name, v.Value, *s.Min)
		case s.Max != nil && v.Value > *s.Max:
			return badInput(ReasonOutOfRange, "store %q: feature %q: value %g is above the maximum %g", u.StoreID, v.Name, v.Value, *s.Max)
		case s.Transform == preprocess.Log1p && v.Value <= -1:
			return badInput(ReasonOutOfRange, "store %q: feature %q: value %g is not above -1 (log1p)", u.StoreID, v.Name, v.Value)
		}
	}
	return nil
}

// toUpdate converts a decoded record into a state-store update, reusing dst's slices.
func toUpdate(dst *statestore.Update, u *schemas.StoreFeatureUpdate) {
	*dst = statestore.Update{
		StoreID: u.StoreID, EventTime: u.EventTime, Num: dst.Num[:0], Cat: dst.Cat[:0],
		Source: u.Source, Sequence: u.Sequence, HasSequence: u.HasSequence,
	}
	for _, v := range u.Numeric {
		dst.Num = append(dst.Num, statestore.NumValue{Name: v.Name, Value: v.Value, Missing: v.Null})
	}
	for _, v := range u.Categorical {
		dst.Cat = append(dst.Cat, statestore.CatValue{Name: v.Name, Value: v.Value, Missing: v.Null})
	}
}

// toStoreState converts a merged state into its changelog record, reusing out's slices.
func toStoreState(out *schemas.StoreState, s *statestore.State) *schemas.StoreState {
	*out = schemas.StoreState{
		StoreID: s.StoreID, UpdatedAt: s.UpdatedAt, Source: s.Source, Sequence: s.Sequence, HasSequence: s.HasSequence,
		Numeric: out.Numeric[:0], Categorical: out.Categorical[:0],
	}
	for _, f := range s.Num {
		out.Numeric = append(out.Numeric, schemas.NumericState{Name: f.Name, Value: f.Value, Null: f.Missing, EventTime: f.EventTime})
	}
	for _, f := range s.Cat {
		out.Categorical = append(out.Categorical, schemas.CategoricalState{Name: f.Name, Value: f.Value, Null: f.Missing, EventTime: f.EventTime})
	}
	return out
}

// recordMapper lays a merged state out as the frame.Record a model scores: values in the
// model's feature order, NaN and "" for features missing or never set.
type recordMapper struct {
	numIdx, catIdx map[string]int
	rec            frame.Record
}

func newRecordMapper(fs model.FeatureSpec) *recordMapper {
	m := &recordMapper{
		numIdx: make(map[string]int, len(fs.Numeric)),
		catIdx: make(map[string]int, len(fs.Categorical)),
		rec:    frame.Record{Num: make([]float64, len(fs.Numeric)), Cat: make([]string, len(fs.Categorical))},
	}
	for i, n := range fs.Numeric {
		m.numIdx[n] = i
	}
	for i, n := range fs.Categorical {
		m.catIdx[n] = i
	}
	return m
}

// record fills and returns the mapper's record for s; it is overwritten by the next call.
func (m *recordMapper) record(s *statestore.State) frame.Record {
	for i := range m.rec.Num {
		m.rec.Num[i] = math.NaN()
	}
	clear(m.rec.Cat)
	for _, f := range s.Num {
		if i, ok := m.numIdx[f.Name]; ok && !f.Missing {
			m.rec.Num[i] = f.Value
		}
	}
	for _, f := range s.Cat {
		if i, ok := m.catIdx[f.Name]; ok && !f.Missing {
			m.rec.Cat[i] = f.Value
		}
	}
	return m.rec
}

// scoreError classifies a Scorer error: bad input (a DLQ reason) or a model failure ("").
func scoreReason(err error) string {
	var ve *preprocess.ValueError
	switch {
	case errors.Is(err, famd.ErrUnseenLevel):
		return ReasonUnseenLevel
	case errors.As(err, &ve) && errors.Is(err, preprocess.ErrInvalid):
		return ReasonOutOfRange
	case errors.As(err, &ve):
		return ReasonUnscorable
	}
	return ""
}

// featureKinds remembers the kind of every feature name seen in the stored state, so a model
// whose features the state never had can be refused.
type featureKinds map[string]bool // name → categorical

func (k featureKinds) addState(s *statestore.State) {
	for _, f := range s.Num {
		k[f.Name] = false
	}
	for _, f := range s.Cat {
		k[f.Name] = true
	}
}

func (k featureKinds) addUpdate(u *statestore.Update) {
	for _, f := range u.Num {
		if cat, ok := k[f.Name]; !ok || cat {
			k[f.Name] = false
		}
	}
	for _, f := range u.Cat {
		if cat, ok := k[f.Name]; !ok || !cat {
			k[f.Name] = true
		}
	}
}

// check returns an error matching ErrIncompatibleModel when state exists and a feature of fs
// was never seen in it, or seen with the other kind.
func (k featureKinds) check(fs model.FeatureSpec) error {
	if len(k) == 0 {
		return nil
	}
	var problems []string
	for _, n := range fs.Numeric {
		if cat, ok := k[n]; !ok {
			problems = append(problems, fmt.Sprintf("numeric %q never seen", n))
		} else if cat {
			problems = append(problems, fmt.Sprintf("numeric %q is categorical in the state", n))
		}
	}
	for _, n := range fs.Categorical {
		if cat, ok := k[n]; !ok {
			problems = append(problems, fmt.Sprintf("categorical %q never seen", n))
		} else if !cat {
			problems = append(problems, fmt.Sprintf("categorical %q is numeric in the state", n))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return fmt.Errorf("%w: %v", ErrIncompatibleModel, problems)
}
