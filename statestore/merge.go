package statestore

import (
	"cmp"
	"math"
	"slices"
)

// Record is what the store keeps per store id: the state, the deletion marker that keeps
// older updates out after a deletion, and the change counter. Merge is a pure function of
// a Record and an Update, shared by [Store] and the statestoretest fake.
type Record struct {
	State State
	// DeletedAt is the event time of the newest deletion applied, 0 if none.
	DeletedAt int64
	// Revision counts changes (see Result.Revision).
	Revision uint64
}

// Exists reports whether the record holds a live store (not only a deletion marker).
func (r *Record) Exists() bool { return r.State.UpdatedAt > 0 }

// Merge applies u to rec and returns the new record and the result (without emission).
// u must be valid (see ValidateUpdate). rec is not modified; the new record shares no
// slices with it.
//
// The rules make the outcome independent of arrival order, so replays and out-of-order
// delivery converge (the merge is a join: commutative, associative and idempotent):
//   - A feature takes the value of the update with the newest event time. On equal event
//     times the greater value wins: Missing < any value; numbers by IEEE total order
//     (-0 < +0); categories by byte order.
//   - A deletion at time t drops every feature set at or before t, and every later
//     update at or before t is ignored; deletions keep the newest t. The store ceases to
//     exist when no applied update is newer than its newest deletion.
//   - Lineage (UpdatedAt, Source, Sequence) comes from the applied update with the
//     greatest (event time, source, sequence).
func Merge(rec Record, u *Update) (Record, Result) {
	existed := rec.Exists()
	if u.Delete {
		return mergeDelete(rec, u, existed)
	}
	if u.EventTime <= rec.DeletedAt {
		return rec, result(rec, false, false)
	}
	next := rec
	next.State.StoreID = u.StoreID
	num, numChanged := mergeNum(rec.State.Num, u.Num, u.EventTime)
	cat, catChanged := mergeCat(rec.State.Cat, u.Cat, u.EventTime)
	next.State.Num, next.State.Cat = num, cat
	lineChanged := newerLineage(u, &rec.State)
	if lineChanged {
		next.State.UpdatedAt, next.State.Source = u.EventTime, u.Source
		next.State.Sequence, next.State.HasSequence = u.Sequence, u.HasSequence
	}
	changed := numChanged || catChanged || lineChanged
	if changed {
		next.Revision++
	}
	return next, result(next, changed, false)
}

func mergeDelete(rec Record, u *Update, existed bool) (Record, Result) {
	if u.EventTime <= rec.DeletedAt {
		return rec, result(rec, false, false)
	}
	next := rec
	next.DeletedAt = u.EventTime
	t := u.EventTime
	next.State.Num = slices.DeleteFunc(slices.Clone(rec.State.Num), func(f NumFeature) bool { return f.EventTime <= t })
	next.State.Cat = slices.DeleteFunc(slices.Clone(rec.State.Cat), func(f CatFeature) bool { return f.EventTime <= t })
	if rec.State.UpdatedAt <= t {
		// Every applied update is at or before t: nothing survives.
		next.State = State{StoreID: u.StoreID}
	}
	changed := len(next.State.Num) != len(rec.State.Num) || len(next.State.Cat) != len(rec.State.Cat) ||
		next.State.UpdatedAt != rec.State.UpdatedAt
	if changed {
		next.Revision++
	}
	return next, result(next, changed, existed && !next.Exists())
}

func result(rec Record, changed, deleted bool) Result {
	res := Result{Exists: rec.Exists(), Changed: changed, Deleted: deleted, Revision: rec.Revision}
	if res.Exists {
		res.State = rec.State
	}
	return res
}

// newerLineage reports whether u's (event time, source, sequence) is greater than s's.
func newerLineage(u *Update, s *State) bool {
	if c := cmp.Compare(u.EventTime, s.UpdatedAt); c != 0 {
		return c > 0
	}
	if c := cmp.Compare(u.Source, s.Source); c != 0 {
		return c > 0
	}
	if u.HasSequence != s.HasSequence {
		return u.HasSequence
	}
	return u.Sequence > s.Sequence
}

// numWins reports whether the candidate (value, missing) at time t beats f.
func numWins(t int64, v float64, missing bool, f *NumFeature) bool {
	if t != f.EventTime {
		return t > f.EventTime
	}
	if missing != f.Missing {
		return f.Missing
	}
	return !missing && totalOrder(v) > totalOrder(f.Value)
}

// totalOrder maps a float64 to an int64 that orders like IEEE 754 totalOrder.
func totalOrder(v float64) int64 {
	b := int64(math.Float64bits(v))
	return b ^ int64(uint64(b>>63)>>1)
}

func catWins(t int64, v string, missing bool, f *CatFeature) bool {
	if t != f.EventTime {
		return t > f.EventTime
	}
	if missing != f.Missing {
		return f.Missing
	}
	return !missing && v > f.Value
}

// mergeNum returns cur with upd applied at time t, as a new slice when anything changed.
func mergeNum(cur []NumFeature, upd []NumValue, t int64) ([]NumFeature, bool) {
	if len(upd) == 0 {
		return cur, false
	}
	upd = sortedBy(upd, func(v NumValue) string { return v.Name })
	out := make([]NumFeature, 0, len(cur)+len(upd))
	changed := false
	i := 0
	for _, v := range upd {
		for i < len(cur) && cur[i].Name < v.Name {
			out = append(out, cur[i])
			i++
		}
		nf := NumFeature{Name: v.Name, Missing: v.Missing, EventTime: t}
		if !v.Missing {
			nf.Value = v.Value
		}
		switch {
		case i < len(cur) && cur[i].Name == v.Name:
			if numWins(t, nf.Value, nf.Missing, &cur[i]) { // a win is never equal to cur[i]
				out, changed = append(out, nf), true
			} else {
				out = append(out, cur[i])
			}
			i++
		default:
			out, changed = append(out, nf), true
		}
	}
	out = append(out, cur[i:]...)
	if !changed {
		return cur, false
	}
	return out, true
}

// mergeCat is mergeNum for categorical features.
func mergeCat(cur []CatFeature, upd []CatValue, t int64) ([]CatFeature, bool) {
	if len(upd) == 0 {
		return cur, false
	}
	upd = sortedBy(upd, func(v CatValue) string { return v.Name })
	out := make([]CatFeature, 0, len(cur)+len(upd))
	changed := false
	i := 0
	for _, v := range upd {
		for i < len(cur) && cur[i].Name < v.Name {
			out = append(out, cur[i])
			i++
		}
		nf := CatFeature{Name: v.Name, Missing: v.Missing, EventTime: t}
		if !v.Missing {
			nf.Value = v.Value
		}
		switch {
		case i < len(cur) && cur[i].Name == v.Name:
			if catWins(t, nf.Value, nf.Missing, &cur[i]) {
				out, changed = append(out, nf), true
			} else {
				out = append(out, cur[i])
			}
			i++
		default:
			out, changed = append(out, nf), true
		}
	}
	out = append(out, cur[i:]...)
	if !changed {
		return cur, false
	}
	return out, true
}

// sortedBy returns s sorted by name, copying it only when it is not sorted already.
func sortedBy[T any](s []T, name func(T) string) []T {
	byName := func(a, b T) int { return cmp.Compare(name(a), name(b)) }
	if slices.IsSortedFunc(s, byName) {
		return s
	}
	return slices.SortedFunc(slices.Values(s), byName)
}

// duplicate returns a name that occurs twice in s.
func duplicate[T any](s []T, name func(T) string) (string, bool) {
	s = sortedBy(s, name)
	for i := 1; i < len(s); i++ {
		if name(s[i]) == name(s[i-1]) {
			return name(s[i]), true
		}
	}
	return "", false
}
