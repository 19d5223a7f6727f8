package model

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/internal/npz"
)

// refitAssignments is the refit's own assignment of every training store, sorted by store id,
// with the fingerprint of the features it was computed from.
type refitAssignments struct {
	ids        []string
	segment    []int32 // index into manifest.Segments
	cluster    []int32 // HDBSCAN label at refit time, −1 noise
	source     []int32 // SourceCore or SourceInferred
	confidence []float64
	outlier    []float64
	hash       []int64 // RecordHash of the raw features, as int64 bits

	segments []SegmentInfo // bound by check
}

func (r *refitAssignments) len() int { return len(r.ids) }

// lookup returns the refit's assignment of storeID if its features still hash to h.
func (r *refitAssignments) lookup(storeID string, h uint64) (Assignment, bool) {
	i, ok := slices.BinarySearch(r.ids, storeID)
	if !ok || uint64(r.hash[i]) != h {
		return Assignment{}, false
	}
	return r.at(i), true
}

// at builds the assignment of row i from the bundle's segments (bound by check).
func (r *refitAssignments) at(i int) Assignment {
	seg := r.segments[r.segment[i]]
	return Assignment{
		SegmentID:    seg.ID,
		SegmentName:  seg.Name,
		Confidence:   r.confidence[i],
		Cluster:      int(r.cluster[i]),
		Novelty:      r.cluster[i] == -1,
		OutlierScore: r.outlier[i],
		Source:       Source(r.source[i]),
	}
}

func (r *refitAssignments) marshal() ([]byte, error) {
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	if err := w.Strings("store_id", r.ids); err != nil {
		return nil, err
	}
	_ = w.Int32s("segment_index", nil, r.segment)
	_ = w.Int32s("cluster", nil, r.cluster)
	_ = w.Int32s("source", nil, r.source)
	_ = w.Float64s("confidence", nil, r.confidence)
	_ = w.Float64s("outlier_score", nil, r.outlier)
	_ = w.Int64s("feature_hash", nil, r.hash)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (r *refitAssignments) unmarshal(data []byte) error {
	rd, err := npz.NewReader(data)
	if err != nil {
		return err
	}
	if r.ids, err = rd.Strings("store_id"); err != nil {
		return err
	}
	for _, a := range []struct {
		name string
		dst  *[]int32
	}{{"segment_index", &r.segment}, {"cluster", &r.cluster}, {"source", &r.source}} {
		if *a.dst, _, err = rd.Int32s(a.name); err != nil {
			return err
		}
	}
	if r.confidence, _, err = rd.Float64s("confidence"); err != nil {
		return err
	}
	if r.outlier, _, err = rd.Float64s("outlier_score"); err != nil {
		return err
	}
	r.hash, _, err = rd.Int64s("feature_hash")
	return err
}

// check validates the table against the bundle and binds it to the bundle's segments.
func (r *refitAssignments) check(b *Bundle) error {
	n := len(r.ids)
	if len(r.segment) != n || len(r.cluster) != n || len(r.source) != n || len(r.confidence) != n ||
		len(r.outlier) != n || len(r.hash) != n {
		return errors.New("refit assignment columns differ in length")
	}
	for i := range n {
		if i > 0 && r.ids[i] <= r.ids[i-1] {
			return fmt.Errorf("refit assignments not sorted by unique store id at row %d", i)
		}
		if r.segment[i] < 0 || int(r.segment[i]) >= len(b.manifest.Segments) {
			return fmt.Errorf("refit assignment %d: segment index %d out of range", i, r.segment[i])
		}
		if r.source[i] != int32(SourceCore) && r.source[i] != int32(SourceInferred) {
			return fmt.Errorf("refit assignment %d: source %d", i, r.source[i])
		}
		if c := r.confidence[i]; !(c >= 0 && c <= 1) {
			return fmt.Errorf("refit assignment %d: confidence %v outside [0, 1]", i, c)
		}
		if o := r.outlier[i]; math.IsNaN(o) {
			return fmt.Errorf("refit assignment %d: outlier score is NaN", i)
		}
	}
	r.segments = b.manifest.Segments
	return nil
}

// newRefitAssignments builds the table from per-store results (in frame order).
func newRefitAssignments(ids []string, segIndex, cluster []int, source []Source, conf, outlier []float64, hashes []uint64) *refitAssignments {
	n := len(ids)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return strings.Compare(ids[order[a]], ids[order[b]]) < 0 })
	r := &refitAssignments{
		ids: make([]string, n), segment: make([]int32, n), cluster: make([]int32, n), source: make([]int32, n),
		confidence: make([]float64, n), outlier: make([]float64, n), hash: make([]int64, n),
	}
	for k, i := range order {
		r.ids[k], r.segment[k], r.cluster[k], r.source[k] = ids[i], int32(segIndex[i]), int32(cluster[i]), int32(source[i])
		r.confidence[k], r.outlier[k], r.hash[k] = conf[i], outlier[i], int64(hashes[i])
	}
	return r
}

// smokeCase is a training store whose prediction was recorded at refit time. Load predicts
// it again and requires the same segment and cluster, and confidence and outlier score within
// smokeTolerance (the tolerance leaves room for fused multiply-adds on other CPUs).
type smokeCase struct {
	StoreID    string     `json:"store_id"`
	Num        []*float64 `json:"numeric"` // null = missing
	Cat        []string   `json:"categorical"`
	SegmentID  int        `json:"segment_id"`
	Cluster    int        `json:"cluster"`
	Confidence float64    `json:"confidence"`
	Outlier    float64    `json:"outlier_score"`
}

const smokeTolerance = 1e-9

func (c smokeCase) record() frame.Record {
	rec := frame.Record{Num: make([]float64, len(c.Num)), Cat: c.Cat}
	for j, v := range c.Num {
		rec.Num[j] = math.NaN()
		if v != nil {
			rec.Num[j] = *v
		}
	}
	return rec
}

func newSmokeCase(id string, rec frame.Record, a Assignment) smokeCase {
	c := smokeCase{StoreID: id, Num: make([]*float64, len(rec.Num)), Cat: slices.Clone(rec.Cat),
		SegmentID: a.SegmentID, Cluster: a.Cluster, Confidence: a.Confidence, Outlier: a.OutlierScore}
	for j, v := range rec.Num {
		if !math.IsNaN(v) {
			c.Num[j] = &v
		}
	}
	return c
}

// runSmoke predicts every smoke case and compares with what the refit recorded.
func (b *Bundle) runSmoke() error {
	if len(b.smoke) == 0 {
		return errors.New("bundle has no smoke cases")
	}
	s := b.NewScorer()
	for _, c := range b.smoke {
		rec := c.record()
		if _, err := s.prepare(rec); err != nil {
			return fmt.Errorf("smoke case %s: %w", c.StoreID, err)
		}
		got := s.predict()
		if got.SegmentID != c.SegmentID || got.Cluster != c.Cluster ||
			math.Abs(got.Confidence-c.Confidence) > smokeTolerance || math.Abs(got.OutlierScore-c.Outlier) > smokeTolerance {
			return fmt.Errorf("smoke case %s: predicted segment %d cluster %d confidence %v outlier %v; refit recorded %d, %d, %v, %v",
				c.StoreID, got.SegmentID, got.Cluster, got.Confidence, got.OutlierScore, c.SegmentID, c.Cluster, c.Confidence, c.Outlier)
		}
	}
	return nil
}
