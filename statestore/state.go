package statestore

import (
	"errors"
	"fmt"
	"math"
)

// NumFeature is one merged numeric feature of a [State].
type NumFeature struct {
	Name string
	// Value is the feature's value (finite); 0 when Missing is set.
	Value float64
	// Missing reports that the newest update said the feature is missing.
	Missing bool
	// EventTime is the event time of the update that set the feature, in milliseconds.
	EventTime int64
}

// CatFeature is one merged categorical feature of a [State].
type CatFeature struct {
	Name string
	// Value is the category; "" when Missing is set.
	Value string
	// Missing reports that the newest update said the feature is missing.
	Missing bool
	// EventTime is the event time of the update that set the feature, in milliseconds.
	EventTime int64
}

// State is the merged state of one store.
type State struct {
	StoreID string
	// Num and Cat are sorted by name, names unique within each.
	Num []NumFeature
	Cat []CatFeature
	// UpdatedAt is the newest event time among the updates applied since the store's last
	// deletion, in milliseconds.
	UpdatedAt int64
	// Source, Sequence and HasSequence come from the applied update with the greatest
	// (event time, source, sequence): lineage for debugging.
	Source      string
	Sequence    int64
	HasSequence bool
}

// NumValue is one numeric feature carried by an [Update].
type NumValue struct {
	Name string
	// Value must be finite; it is ignored when Missing is set.
	Value float64
	// Missing says the feature is now missing for the store.
	Missing bool
}

// CatValue is one categorical feature carried by an [Update].
type CatValue struct {
	Name string
	// Value is ignored when Missing is set.
	Value string
	// Missing says the feature is now missing for the store.
	Missing bool
}

// Update is a partial update of one store, or its deletion.
type Update struct {
	StoreID string
	// EventTime is when the update happened at its source, in milliseconds; positive.
	// For a deletion taken from a Kafka tombstone, use the record's timestamp.
	EventTime int64
	// Num and Cat list the features the update sets; the others are left alone. Names must
	// be non-empty and unique within each list; order does not matter.
	Num []NumValue
	Cat []CatValue
	// Delete removes the store as of EventTime: features set at or before EventTime are
	// dropped, and later-arriving updates at or before EventTime are ignored. Num and Cat
	// must be empty.
	Delete bool
	// Source, Sequence and HasSequence are lineage (see State).
	Source      string
	Sequence    int64
	HasSequence bool
}

// Offset is a Kafka position up to which updates have been applied.
type Offset struct {
	Topic     string
	Partition int32
	// Next is the offset of the next record to apply: the last applied offset + 1, as Kafka
	// commits it.
	Next int64
}

// Emission records the last output the stream produced for a store, so that a replayed
// update that is already applied re-emits its outputs unless they are known to be
// acknowledged.
type Emission struct {
	StoreID string
	// Revision is the [Result.Revision] of the state the output was computed from.
	Revision uint64
	// ModelVersion is the model that computed it.
	ModelVersion string
	// SegmentID is the segment emitted; -1 for a tombstone (the store was removed).
	SegmentID int32
	// Acked reports that the output was acknowledged by Kafka.
	Acked bool
}

// Result is the outcome of applying one update.
type Result struct {
	// State is the store's state after the update; zero when !Exists.
	State State
	// Exists reports that the store has state after the update.
	Exists bool
	// Changed reports that the update changed the state (including deleting it).
	Changed bool
	// Deleted reports that the update removed a store that existed.
	Deleted bool
	// Revision counts the changes of the store's state in this store (not merged data:
	// replicas may differ). It identifies the state an [Emission] was computed from.
	Revision uint64
	// Emission is the last emission recorded for the store, when HasEmission.
	Emission    Emission
	HasEmission bool
}

// Errors.
var (
	// ErrNotFound reports a store (or emission) the store does not hold.
	ErrNotFound = errors.New("statestore: not found")
	// ErrClosed reports a call on a closed Store.
	ErrClosed = errors.New("statestore: closed")
	// ErrInvalidUpdate reports an update that breaks the rules of [Update].
	ErrInvalidUpdate = errors.New("statestore: invalid update")
	// ErrCorrupt reports a stored value that does not decode.
	ErrCorrupt = errors.New("statestore: corrupt value")
	// ErrConflict reports an ApplyBatch that raced with another one touching the same
	// stores; nothing of it was written, and it can be retried.
	ErrConflict = errors.New("statestore: conflicting concurrent batch")
	// ErrEncryptionKey reports a database that cannot be opened with the given key.
	ErrEncryptionKey = errors.New("statestore: wrong or missing encryption key")
)

// ValidateUpdate checks u against the rules of [Update]. The error matches
// [ErrInvalidUpdate] and names the store and field.
func ValidateUpdate(u *Update) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: store %q: %s", ErrInvalidUpdate, u.StoreID, fmt.Sprintf(format, args...))
	}
	switch {
	case u.StoreID == "":
		return fmt.Errorf("%w: empty store id", ErrInvalidUpdate)
	case u.EventTime <= 0:
		return bad("event time %d must be positive", u.EventTime)
	case u.Delete && (len(u.Num) > 0 || len(u.Cat) > 0):
		return bad("a deletion carries no features")
	}
	for i, f := range u.Num {
		if f.Name == "" {
			return bad("numeric feature %d has no name", i)
		}
		if !f.Missing && (math.IsNaN(f.Value) || math.IsInf(f.Value, 0)) {
			return bad("numeric feature %q is %v, want a finite value", f.Name, f.Value)
		}
	}
	for i, f := range u.Cat {
		if f.Name == "" {
			return bad("categorical feature %d has no name", i)
		}
	}
	if name, dup := duplicate(u.Num, func(f NumValue) string { return f.Name }); dup {
		return bad("numeric feature %q given twice", name)
	}
	if name, dup := duplicate(u.Cat, func(f CatValue) string { return f.Name }); dup {
		return bad("categorical feature %q given twice", name)
	}
	return nil
}
