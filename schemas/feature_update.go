package schemas

import (
	"cmp"
	"math"
	"slices"
	"unicode/utf8"
)

// NumericValue is one numeric feature of a [StoreFeatureUpdate].
type NumericValue struct {
	Name string
	// Value is the feature's value; it must be finite. It is 0 when Null is set.
	Value float64
	// Null reports that the feature is now missing for the store (Avro null).
	Null bool
}

// CategoricalValue is one categorical feature of a [StoreFeatureUpdate].
type CategoricalValue struct {
	Name string
	// Value is the category; it is "" when Null is set.
	Value string
	// Null reports that the feature is now missing for the store (Avro null).
	Null bool
}

// StoreFeatureUpdate is a partial update of one store's features (schema
// StoreFeatureUpdate, newest version v2). Only the features it lists change.
type StoreFeatureUpdate struct {
	// StoreID is the store's identifier; non-empty, at most 1024 bytes.
	StoreID string
	// EventTime is when the values were observed, in milliseconds since the Unix epoch
	// (Avro timestamp-millis); it must be positive.
	EventTime int64
	// Numeric lists the numeric features carried; names are non-empty and unique, and
	// not also used in Categorical. Decode returns them sorted by name; Encode writes them
	// in slice order (an Avro map has no order).
	Numeric []NumericValue
	// Categorical lists the categorical features carried, with the same rules as Numeric.
	Categorical []CategoricalValue
	// Source names the producing system; "" encodes as null.
	Source string
	// Sequence is the per-source sequence number, when HasSequence is set.
	Sequence    int64
	HasSequence bool
	// TraceID is the distributed-tracing id (added in v2); "" encodes as null.
	TraceID string
}

// AvroName returns "StoreFeatureUpdate".
func (*StoreFeatureUpdate) AvroName() string { return "StoreFeatureUpdate" }

func (u *StoreFeatureUpdate) appendAvro(dst []byte) []byte {
	dst = appendString(dst, u.StoreID)
	dst = appendLong(dst, u.EventTime)
	if len(u.Numeric) > 0 {
		dst = appendLong(dst, int64(len(u.Numeric)))
		for _, f := range u.Numeric {
			dst = appendString(dst, f.Name)
			if f.Null {
				dst = append(dst, 0)
			} else {
				dst = appendDouble(append(dst, 2), f.Value)
			}
		}
	}
	dst = append(dst, 0)
	if len(u.Categorical) > 0 {
		dst = appendLong(dst, int64(len(u.Categorical)))
		for _, f := range u.Categorical {
			dst = appendOptString(appendString(dst, f.Name), f.Value, !f.Null)
		}
	}
	dst = append(dst, 0)
	dst = appendOptString(dst, u.Source, u.Source != "")
	dst = appendOptLong(dst, u.Sequence, u.HasSequence)
	return appendOptString(dst, u.TraceID, u.TraceID != "")
}

func (u *StoreFeatureUpdate) decodeAvro(r *reader) {
	var p stringPool
	*u = StoreFeatureUpdate{StoreID: r.pooledStr(&p), EventTime: r.long()}
	for n := r.blockCount(); n > 0; n = r.blockCount() {
		u.Numeric = slices.Grow(u.Numeric, n)
		for range n {
			f := NumericValue{Name: r.pooledStr(&p)}
			if r.union(2) == 1 {
				f.Value = r.double()
			} else {
				f.Null = true
			}
			u.Numeric = append(u.Numeric, f)
		}
	}
	for n := r.blockCount(); n > 0; n = r.blockCount() {
		u.Categorical = slices.Grow(u.Categorical, n)
		for range n {
			f := CategoricalValue{Name: r.pooledStr(&p)}
			if r.union(2) == 1 {
				f.Value = r.pooledStr(&p)
			} else {
				f.Null = true
			}
			u.Categorical = append(u.Categorical, f)
		}
	}
	if r.union(2) == 1 {
		u.Source = r.pooledStr(&p)
	}
	if r.union(2) == 1 {
		u.Sequence, u.HasSequence = r.long(), true
	}
	if r.union(2) == 1 {
		u.TraceID = r.pooledStr(&p)
	}
	sortByName(u.Numeric, func(f NumericValue) string { return f.Name })
	sortByName(u.Categorical, func(f CategoricalValue) string { return f.Name })
}

// sortByName sorts s by name unless it already is.
func sortByName[T any](s []T, name func(T) string) {
	cmpName := func(a, b T) int { return cmp.Compare(name(a), name(b)) }
	if !slices.IsSortedFunc(s, cmpName) {
		slices.SortFunc(s, cmpName)
	}
}

func (u *StoreFeatureUpdate) validate() error {
	const rec = "StoreFeatureUpdate"
	if err := checkID(rec, "store_id", u.StoreID); err != nil {
		return err
	}
	if err := checkTime(rec, "event_time", u.EventTime); err != nil {
		return err
	}
	if err := checkNames(rec, "numeric", len(u.Numeric), func(i int) string { return u.Numeric[i].Name }); err != nil {
		return err
	}
	if err := checkNames(rec, "categorical", len(u.Categorical), func(i int) string { return u.Categorical[i].Name }); err != nil {
		return err
	}
	for _, f := range u.Numeric {
		if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
			return checkFinite(rec, fieldPath("numeric", f.Name), f.Value)
		}
	}
	for _, f := range u.Categorical {
		if !utf8.ValidString(f.Value) {
			return checkUTF8(rec, fieldPath("categorical", f.Name), f.Value)
		}
	}
	if err := checkDisjoint(rec, u); err != nil {
		return err
	}
	return firstErr(checkUTF8(rec, "source", u.Source), checkUTF8(rec, "trace_id", u.TraceID))
}

// checkDisjoint rejects a feature name used as both numeric and categorical.
func checkDisjoint(rec string, u *StoreFeatureUpdate) error {
	return disjoint(rec, u.Numeric, u.Categorical, func(f NumericValue) string { return f.Name }, func(f CategoricalValue) string { return f.Name })
}

// disjoint rejects a name found in both lists; it allocates only when a list is unsorted.
func disjoint[N, C any](rec string, num []N, cat []C, numName func(N) string, catName func(C) string) error {
	if len(num) == 0 || len(cat) == 0 {
		return nil
	}
	byNum := func(a, b N) int { return cmp.Compare(numName(a), numName(b)) }
	byCat := func(a, b C) int { return cmp.Compare(catName(a), catName(b)) }
	if !slices.IsSortedFunc(num, byNum) {
		num = slices.SortedFunc(slices.Values(num), byNum)
	}
	if !slices.IsSortedFunc(cat, byCat) {
		cat = slices.SortedFunc(slices.Values(cat), byCat)
	}
	for i, j := 0, 0; i < len(num) && j < len(cat); {
		switch c := cmp.Compare(numName(num[i]), catName(cat[j])); {
		case c < 0:
			i++
		case c > 0:
			j++
		default:
			return &FieldError{Record: rec, Field: fieldPath("categorical", catName(cat[j])), Reason: "also a numeric feature"}
		}
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
