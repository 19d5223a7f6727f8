package model

import (
	"fmt"
	"math"

	"github.com/storeseg/storeseg/model/frame"
)

// Source says how a store got its segment.
type Source int

// Sources.
const (
	// SourceCore: the refit clustered the store into its segment.
	SourceCore Source = iota
	// SourceInferred: HDBSCAN called the store noise at refit time and the forest assigned it.
	SourceInferred
	// SourcePredicted: the store is new or changed since the refit; the forest predicted it.
	SourcePredicted
)

// String returns "core", "inferred" or "predicted".
func (s Source) String() string {
	switch s {
	case SourceCore:
		return "core"
	case SourceInferred:
		return "inferred"
	case SourcePredicted:
		return "predicted"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// Assignment is a store's segment under one model.
type Assignment struct {
	SegmentID   int
	SegmentName string
	// Confidence is the forest's probability of the segment, in [0, 1].
	Confidence float64
	// Cluster is HDBSCAN's label for the store: the refit label for a store scored as in
	// the refit, approximate_predict's label otherwise; −1 means noise.
	Cluster int
	// Novelty is set when the store fits no cluster's density (Cluster is −1).
	Novelty bool
	// OutlierScore is the GLOSH outlier score of hdbscan's approximate_predict_scores,
	// normally in [0, 1]. It is negative for a store denser than the densest training member
	// of the cluster its nearest neighbour left (hdbscan 0.8.44 gives the same negative
	// value); the stream clamps it into [0, 1] and counts that in
	// storeseg_stream_assignments_clamped_total.
	OutlierScore float64
	Source       Source
	// Unseen counts categorical levels the refit never saw.
	Unseen int
}

// Scorer scores stores with a bundle. It reuses its buffers, so scoring allocates nothing in
// steady state; it is not safe for concurrent use (use one Scorer per goroutine).
type Scorer struct {
	b     *Bundle
	row   frame.Row
	coord []float64
	proba []float64
}

// NewScorer returns a Scorer for the bundle.
func (b *Bundle) NewScorer() *Scorer {
	f := b.manifest.Features
	return &Scorer{
		b:     b,
		row:   frame.Row{Num: make([]float64, len(f.Numeric)), Cat: make([]int32, len(f.Categorical))},
		coord: make([]float64, b.famd.NComponents()),
		proba: make([]float64, len(b.forest.Classes())),
	}
}

// Score assigns a segment to one store. rec carries the raw features in the order of
// Features(): numeric values (NaN when missing) and level names ("" when missing).
//
// If the store was in the refit's snapshot and rec equals its features there (same
// RecordHash), Score returns the refit's own assignment, so a model swap reproduces the
// refit exactly; otherwise the forest predicts the segment from the store's FAMD coordinates
// and HDBSCAN's approximate_predict gives the cluster, novelty and outlier score.
//
// Invalid values return a *preprocess.ValueError and an unseen level under the FAMD
// "error" policy a *famd.UnseenLevelError; both mean the input is bad, not the model.
func (s *Scorer) Score(storeID string, rec frame.Record) (Assignment, error) {
	unseen, err := s.prepare(rec)
	if err != nil {
		return Assignment{}, err
	}
	if a, ok := s.b.refit.lookup(storeID, RecordHash(rec)); ok {
		a.Unseen = unseen
		return a, nil
	}
	a := s.predict()
	a.Unseen = unseen
	return a, nil
}

// Prepared returns the prepared row of the last successful Score (numeric values
// transformed and imputed, level codes), for drift monitoring. It is overwritten by the
// next Score.
func (s *Scorer) Prepared() frame.Row { return s.row }

// Coordinates returns the FAMD coordinates of the last successful Score. It is overwritten
// by the next Score.
func (s *Scorer) Coordinates() []float64 { return s.coord }

func (s *Scorer) prepare(rec frame.Record) (int, error) {
	f := s.b.manifest.Features
	if len(rec.Num) != len(f.Numeric) || len(rec.Cat) != len(f.Categorical) {
		return 0, fmt.Errorf("model: record has %d numeric and %d categorical values, want %d and %d",
			len(rec.Num), len(rec.Cat), len(f.Numeric), len(f.Categorical))
	}
	unseen, err := s.b.pre.ApplyRecordUnseen(&s.row, rec)
	if err != nil {
		return 0, err
	}
	if _, err := s.b.famd.TransformRow(s.coord, s.row.Num, s.row.Cat); err != nil {
		return 0, err
	}
	return unseen, nil
}

// predict scores the prepared coordinates with the forest and HDBSCAN's prediction data.
func (s *Scorer) predict() Assignment {
	s.b.forest.PredictProba(s.proba, s.coord)
	best := 0
	for c, p := range s.proba {
		if p > s.proba[best] {
			best = c
		}
	}
	seg := s.b.manifest.Segments[s.b.byCluster[s.b.classes[best]]]
	label, _, outlier := s.b.hdb.Predict(s.coord) // one neighbour query for both
	return Assignment{
		SegmentID:    seg.ID,
		SegmentName:  seg.Name,
		Confidence:   s.proba[best],
		Cluster:      label,
		Novelty:      label == -1,
		OutlierScore: outlier,
		Source:       SourcePredicted,
	}
}

// canonicalNaN is the bit pattern RecordHash uses for every missing numeric value.
const canonicalNaN = 0x7ff8000000000001

// RecordHash fingerprints a raw record: FNV-1a (64 bit) over each numeric value's IEEE bits
// (little-endian; every NaN hashed as one pattern, −0 as +0), then each level as its byte
// length (uvarint) and bytes. Stream and refit compute it the same way, so it tells whether
// a store's features changed since the refit's snapshot.
func RecordHash(rec frame.Record) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	byteHash := func(c byte) { h = (h ^ uint64(c)) * prime }
	for _, v := range rec.Num {
		bits := math.Float64bits(v)
		switch {
		case math.IsNaN(v):
			bits = canonicalNaN
		case v == 0:
			bits = 0
		}
		for i := 0; i < 8; i++ {
			byteHash(byte(bits >> (8 * i)))
		}
	}
	for _, c := range rec.Cat {
		n := uint64(len(c))
		for n >= 0x80 {
			byteHash(byte(n) | 0x80)
			n >>= 7
		}
		byteHash(byte(n))
		for i := 0; i < len(c); i++ {
			byteHash(c[i])
		}
	}
	return h
}
