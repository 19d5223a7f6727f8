package schemas

import (
	"math"
	"slices"
	"unicode/utf8"
)

// NumericState is one merged numeric feature of a [StoreState].
type NumericState struct {
	Name string
	// Value is the feature's value (finite); 0 when Null is set.
	Value float64
	// Null reports that the feature is missing.
	Null bool
	// EventTime is the event_time of the update that set the value, in milliseconds.
	EventTime int64
}

// CategoricalState is one merged categorical feature of a [StoreState].
type CategoricalState struct {
	Name string
	// Value is the category; "" when Null is set.
	Value string
	// Null reports that the feature is missing.
	Null bool
	// EventTime is the event_time of the update that set the value, in milliseconds.
	EventTime int64
}

// StoreState is the merged state of one store (schema StoreState v1), the value of the
// compacted store-state changelog.
type StoreState struct {
	// StoreID is the store's identifier; non-empty, at most 1024 bytes.
	StoreID string
	// Numeric and Categorical hold the merged features; names are unique and each name is
	// used by one kind only. Decode returns them sorted by name.
	Numeric     []NumericState
	Categorical []CategoricalState
	// UpdatedAt is the newest feature event time, in milliseconds; it must be positive.
	UpdatedAt int64
	// Source is the source of the last update that changed the state; "" encodes as null.
	Source string
	// Sequence is the sequence of that update, when HasSequence is set.
	Sequence    int64
	HasSequence bool
}

// AvroName returns "StoreState".
func (*StoreState) AvroName() string { return "StoreState" }

func (s *StoreState) appendAvro(dst []byte) []byte {
	dst = appendString(dst, s.StoreID)
	if len(s.Numeric) > 0 {
		dst = appendLong(dst, int64(len(s.Numeric)))
		for _, f := range s.Numeric {
			dst = appendString(dst, f.Name)
			if f.Null {
				dst = append(dst, 0)
			} else {
				dst = appendDouble(append(dst, 2), f.Value)
			}
			dst = appendLong(dst, f.EventTime)
		}
	}
	dst = append(dst, 0)
	if len(s.Categorical) > 0 {
		dst = appendLong(dst, int64(len(s.Categorical)))
		for _, f := range s.Categorical {
			dst = appendOptString(appendString(dst, f.Name), f.Value, !f.Null)
			dst = appendLong(dst, f.EventTime)
		}
	}
	dst = append(dst, 0)
	dst = appendLong(dst, s.UpdatedAt)
	dst = appendOptString(dst, s.Source, s.Source != "")
	return appendOptLong(dst, s.Sequence, s.HasSequence)
}

func (s *StoreState) decodeAvro(r *reader) {
	var p stringPool
	*s = StoreState{StoreID: r.pooledStr(&p)}
	for n := r.blockCount(); n > 0; n = r.blockCount() {
		s.Numeric = slices.Grow(s.Numeric, n)
		for range n {
			f := NumericState{Name: r.pooledStr(&p)}
			if r.union(2) == 1 {
				f.Value = r.double()
			} else {
				f.Null = true
			}
			f.EventTime = r.long()
			s.Numeric = append(s.Numeric, f)
		}
	}
	for n := r.blockCount(); n > 0; n = r.blockCount() {
		s.Categorical = slices.Grow(s.Categorical, n)
		for range n {
			f := CategoricalState{Name: r.pooledStr(&p)}
			if r.union(2) == 1 {
				f.Value = r.pooledStr(&p)
			} else {
				f.Null = true
			}
			f.EventTime = r.long()
			s.Categorical = append(s.Categorical, f)
		}
	}
	s.UpdatedAt = r.long()
	if r.union(2) == 1 {
		s.Source = r.pooledStr(&p)
	}
	if r.union(2) == 1 {
		s.Sequence, s.HasSequence = r.long(), true
	}
	sortByName(s.Numeric, func(f NumericState) string { return f.Name })
	sortByName(s.Categorical, func(f CategoricalState) string { return f.Name })
}

func (s *StoreState) validate() error {
	const rec = "StoreState"
	if err := firstErr(checkID(rec, "store_id", s.StoreID), checkTime(rec, "updated_at", s.UpdatedAt),
		checkUTF8(rec, "source", s.Source)); err != nil {
		return err
	}
	if err := checkNames(rec, "numeric", len(s.Numeric), func(i int) string { return s.Numeric[i].Name }); err != nil {
		return err
	}
	if err := checkNames(rec, "categorical", len(s.Categorical), func(i int) string { return s.Categorical[i].Name }); err != nil {
		return err
	}
	for _, f := range s.Numeric {
		if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) || f.EventTime <= 0 {
			path := fieldPath("numeric", f.Name)
			return firstErr(checkFinite(rec, path, f.Value), checkTime(rec, path+".event_time", f.EventTime))
		}
	}
	for _, f := range s.Categorical {
		if !utf8.ValidString(f.Value) || f.EventTime <= 0 {
			path := fieldPath("categorical", f.Name)
			return firstErr(checkUTF8(rec, path, f.Value), checkTime(rec, path+".event_time", f.EventTime))
		}
	}
	return disjoint(rec, s.Numeric, s.Categorical, func(f NumericState) string { return f.Name }, func(f CategoricalState) string { return f.Name })
}
