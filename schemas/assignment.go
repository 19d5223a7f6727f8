package schemas

import "fmt"

// AssignmentSource says how a segment was obtained (Avro enum AssignmentSource).
type AssignmentSource uint8

// The assignment sources, in the enum's symbol order.
const (
	// SourceCore is a confident HDBSCAN cluster member at fit time.
	SourceCore AssignmentSource = iota
	// SourceInferred is a fit-time noise store assigned by the forest.
	SourceInferred
	// SourcePredicted is a new or changed store scored by the forest in the stream.
	SourcePredicted
	numSources
)

var sourceSymbols = [numSources]string{"core", "inferred", "predicted"}

// String returns the Avro symbol: "core", "inferred" or "predicted".
func (s AssignmentSource) String() string {
	if s < numSources {
		return sourceSymbols[s]
	}
	return fmt.Sprintf("AssignmentSource(%d)", uint8(s))
}

// SegmentAssignment is the segment one model version assigns to a store (schema
// SegmentAssignment v1), the value of the compacted store-segments topic.
type SegmentAssignment struct {
	// StoreID is the store's identifier; non-empty, at most 1024 bytes.
	StoreID string
	// SegmentID is the stable segment id; never negative.
	SegmentID int32
	// SegmentName is the segment's human-readable name.
	SegmentName string
	// Confidence is in [0, 1].
	Confidence float64
	// Source says how the segment was obtained.
	Source AssignmentSource
	// Novelty is set when the store is far from every cluster.
	Novelty bool
	// OutlierScore is in [0, 1].
	OutlierScore float64
	// Cluster is the HDBSCAN approximate_predict label, -1 for noise.
	Cluster int32
	// ModelVersion is the bundle version that produced the assignment; non-empty.
	ModelVersion string
	// FeatureEventTime is the scored state's UpdatedAt, in milliseconds; positive.
	FeatureEventTime int64
	// AssignedAt is the wall-clock time of scoring, in milliseconds; positive.
	AssignedAt int64
	// PreviousSegmentID is the store's segment before this one, when HasPreviousSegment.
	PreviousSegmentID  int32
	HasPreviousSegment bool
}

// AvroName returns "SegmentAssignment".
func (*SegmentAssignment) AvroName() string { return "SegmentAssignment" }

func (a *SegmentAssignment) appendAvro(dst []byte) []byte {
	dst = appendString(dst, a.StoreID)
	dst = appendInt(dst, a.SegmentID)
	dst = appendString(dst, a.SegmentName)
	dst = appendDouble(dst, a.Confidence)
	dst = appendLong(dst, int64(a.Source))
	dst = appendBool(dst, a.Novelty)
	dst = appendDouble(dst, a.OutlierScore)
	dst = appendInt(dst, a.Cluster)
	dst = appendString(dst, a.ModelVersion)
	dst = appendLong(dst, a.FeatureEventTime)
	dst = appendLong(dst, a.AssignedAt)
	return appendOptLong(dst, int64(a.PreviousSegmentID), a.HasPreviousSegment)
}

func (a *SegmentAssignment) decodeAvro(r *reader) {
	var p stringPool
	*a = SegmentAssignment{
		StoreID:      r.pooledStr(&p),
		SegmentID:    r.int(),
		SegmentName:  r.pooledStr(&p),
		Confidence:   r.double(),
		Source:       AssignmentSource(r.union(int(numSources))),
		Novelty:      r.boolean(),
		OutlierScore: r.double(),
		Cluster:      r.int(),
		ModelVersion: r.pooledStr(&p),
	}
	a.FeatureEventTime = r.long()
	a.AssignedAt = r.long()
	if r.union(2) == 1 {
		a.PreviousSegmentID, a.HasPreviousSegment = r.int(), true
	}
}

func (a *SegmentAssignment) validate() error {
	const rec = "SegmentAssignment"
	err := firstErr(
		checkID(rec, "store_id", a.StoreID),
		checkUTF8(rec, "segment_name", a.SegmentName),
		checkUnit(rec, "confidence", a.Confidence),
		checkUnit(rec, "outlier_score", a.OutlierScore),
		checkID(rec, "model_version", a.ModelVersion),
		checkTime(rec, "feature_event_time", a.FeatureEventTime),
		checkTime(rec, "assigned_at", a.AssignedAt),
	)
	switch {
	case err != nil:
		return err
	case a.SegmentID < 0:
		return &FieldError{Record: rec, Field: "segment_id", Reason: fmt.Sprintf("must not be negative, got %d", a.SegmentID)}
	case a.Source >= numSources:
		return &FieldError{Record: rec, Field: "source", Reason: fmt.Sprintf("unknown source %d", a.Source)}
	case a.Cluster < -1:
		return &FieldError{Record: rec, Field: "cluster", Reason: fmt.Sprintf("must be -1 (noise) or a cluster label, got %d", a.Cluster)}
	case a.HasPreviousSegment && a.PreviousSegmentID < 0:
		return &FieldError{Record: rec, Field: "previous_segment_id", Reason: fmt.Sprintf("must not be negative, got %d", a.PreviousSegmentID)}
	}
	return nil
}
