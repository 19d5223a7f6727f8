package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/storeseg/storeseg/model/drift"
	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/forest"
	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/model/preprocess"
	"github.com/storeseg/storeseg/model/segments"
)

// BundleFormat is the bundle format version this code writes and reads.
const BundleFormat = 1

// ErrInconsistent reports a bundle whose parts are individually valid but do not fit
// together (feature lists, dimensions, classes and segment map disagree), or whose built-in
// smoke predictions do not reproduce.
var ErrInconsistent = errors.New("model: inconsistent bundle")

// Part names. The four model parts keep the artifact names of the original Python service.
const (
	PartPreprocessor = "behavioral_scaler"
	PartFAMD         = "famd_model"
	PartHDBSCAN      = "hdbscan_model"
	PartForest       = "noise_classifier_model"
	PartSegments     = "segment_map"
	PartProfiles     = "profiles"
	PartTransitions  = "transitions"
	PartDrift        = "drift_reference"
	PartAssignments  = "assignments"
	PartSmoke        = "smoke"
)

// FeatureSpec names the store id column and the features a bundle scores, in the order a
// frame.Record carries them.
type FeatureSpec struct {
	ID          string   `json:"id"`
	Numeric     []string `json:"numeric"`
	Categorical []string `json:"categorical"`
}

// SegmentInfo describes one segment of a bundle.
type SegmentInfo struct {
	ID int `json:"id"`
	// Cluster is the HDBSCAN cluster label (and forest class) the segment was made from.
	Cluster int    `json:"cluster"`
	Name    string `json:"name"`
	// Size is the number of stores the refit assigned to the segment.
	Size int `json:"size"`
}

// SnapshotInfo says where a bundle's training stores came from.
type SnapshotInfo struct {
	Source string `json:"source"`
	Rows   int    `json:"rows"`
}

// Manifest is a bundle's table of contents and identity. It is the bundle's first entry,
// manifest.json.
type Manifest struct {
	Format int `json:"format"`
	// ModelVersion identifies the model: "m" and the first 16 hex digits of a sha256 over
	// the parts' checksums, so identical models have identical versions. A bundle holds no
	// timestamp, so the same snapshot and config give the same bytes; the publication record
	// (schemas.ModelPublished) says when a model was published.
	ModelVersion string        `json:"model_version"`
	CodeVersion  string        `json:"code_version"`
	ConfigHash   string        `json:"config_hash"`
	Snapshot     SnapshotInfo  `json:"snapshot"`
	Features     FeatureSpec   `json:"features"`
	Components   int           `json:"components"`
	Segments     []SegmentInfo `json:"segments"`
	// NextSegmentID is the first segment id no model has used yet; the next refit
	// continues from it so ids are never reused.
	NextSegmentID int `json:"next_segment_id"`
	// Metrics holds the refit's quality metrics (see Metrics).
	Metrics map[string]float64 `json:"metrics"`
	Parts   []PartInfo         `json:"parts"`
}

// Bundle is a versioned, self-checking segmentation model: the fitted preprocessor, FAMD,
// HDBSCAN prediction data and noise classifier, the map from clusters to stable segments,
// segment profiles, drift references and the refit's own assignment of every training store.
// A Bundle is immutable and safe for concurrent use; scoring goes through a Scorer.
type Bundle struct {
	manifest    Manifest
	pre         *preprocess.Preprocessor
	famd        *famd.Model
	hdb         *hdbscan.Predictor
	forest      *forest.Classifier
	profiles    []segments.Profile
	transitions []segments.Transition
	driftRef    *drift.Reference
	refit       *refitAssignments
	smoke       []smokeCase

	// byCluster maps a cluster label (forest class) to its index in manifest.Segments, and
	// classes caches the forest's classes.
	byCluster map[int]int
	classes   []int
}

// Manifest returns a copy of the manifest.
func (b *Bundle) Manifest() Manifest {
	m := b.manifest
	m.Segments = slices.Clone(m.Segments)
	m.Parts = slices.Clone(m.Parts)
	return m
}

// Version returns the model version.
func (b *Bundle) Version() string { return b.manifest.ModelVersion }

// Features returns the feature spec.
func (b *Bundle) Features() FeatureSpec { return b.manifest.Features }

// Segments returns the segments.
func (b *Bundle) Segments() []SegmentInfo { return slices.Clone(b.manifest.Segments) }

// Profiles returns the segment profiles.
func (b *Bundle) Profiles() []segments.Profile { return b.profiles }

// Transitions returns how the segments relate to the previous model's.
func (b *Bundle) Transitions() []segments.Transition { return b.transitions }

// DriftReference returns the training distributions drift is measured against.
func (b *Bundle) DriftReference() *drift.Reference { return b.driftRef }

// FAMD returns the fitted FAMD model.
func (b *Bundle) FAMD() *famd.Model { return b.famd }

// Marshal encodes the bundle. The same bundle always gives the same bytes.
func (b *Bundle) Marshal() ([]byte, error) {
	parts, err := b.parts()
	if err != nil {
		return nil, err
	}
	m := b.manifest
	var buf bytes.Buffer
	if err := writeContainer(&buf, &m, parts); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parts encodes every part in manifest order.
func (b *Bundle) parts() ([]part, error) {
	type enc struct {
		name, ext string
		fn        func() ([]byte, error)
	}
	jsonOf := func(v any) func() ([]byte, error) {
		return func() ([]byte, error) { return json.MarshalIndent(v, "", " ") }
	}
	encs := []enc{
		{PartPreprocessor, ".npz", b.pre.MarshalBinary},
		{PartFAMD, ".npz", b.famd.MarshalBinary},
		{PartHDBSCAN, ".npz", b.hdb.MarshalBinary},
		{PartForest, ".npz", b.forest.MarshalBinary},
		{PartSegments, ".json", jsonOf(b.manifest.Segments)},
		{PartProfiles, ".json", jsonOf(b.profiles)},
		{PartTransitions, ".json", jsonOf(b.transitions)},
		{PartDrift, ".json", jsonOf(b.driftRef)},
		{PartAssignments, ".npz", b.refit.marshal},
		{PartSmoke, ".json", jsonOf(b.smoke)},
	}
	out := make([]part, 0, len(encs))
	for _, e := range encs {
		data, err := e.fn()
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", e.name, err)
		}
		out = append(out, part{name: e.name, file: e.name + e.ext, data: data})
	}
	return out, nil
}

// Load decodes and verifies a bundle: every part's checksum, every part's own validation,
// the parts' consistency with each other, and the bundle's smoke cases (training stores
// whose predictions were recorded at refit time must reproduce exactly). Errors wrap
// ErrCorrupt, ErrFormat or ErrInconsistent.
func Load(data []byte) (*Bundle, error) {
	m, parts, err := readContainer(data)
	if err != nil {
		return nil, err
	}
	b := &Bundle{manifest: *m}
	if err := b.decodeParts(parts); err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	return b, nil
}

func (b *Bundle) decodeParts(parts map[string][]byte) error {
	b.pre, b.famd, b.hdb, b.forest = new(preprocess.Preprocessor), new(famd.Model), new(hdbscan.Predictor), new(forest.Classifier)
	b.refit = new(refitAssignments)
	var segs []SegmentInfo
	decs := []struct {
		name string
		fn   func([]byte) error
	}{
		{PartPreprocessor, b.pre.UnmarshalBinary},
		{PartFAMD, b.famd.UnmarshalBinary},
		{PartHDBSCAN, b.hdb.UnmarshalBinary},
		{PartForest, b.forest.UnmarshalBinary},
		{PartSegments, jsonInto(&segs)},
		{PartProfiles, jsonInto(&b.profiles)},
		{PartTransitions, jsonInto(&b.transitions)},
		{PartDrift, jsonInto(&b.driftRef)},
		{PartAssignments, b.refit.unmarshal},
		{PartSmoke, jsonInto(&b.smoke)},
	}
	for _, d := range decs {
		data, ok := parts[d.name]
		if !ok {
			return fmt.Errorf("%w: part %s missing", ErrCorrupt, d.name)
		}
		if err := d.fn(data); err != nil {
			return fmt.Errorf("%w: part %s: %w", ErrCorrupt, d.name, err)
		}
	}
	if !slices.Equal(segs, b.manifest.Segments) {
		return fmt.Errorf("%w: segment map differs from the manifest", ErrCorrupt)
	}
	if b.driftRef == nil {
		return fmt.Errorf("%w: part %s is empty", ErrCorrupt, PartDrift)
	}
	return nil
}

func jsonInto(v any) func([]byte) error {
	return func(data []byte) error {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
}

// check verifies that the parts agree with each other and with the manifest, then runs the
// smoke cases.
func (b *Bundle) check() error {
	f := b.manifest.Features
	if !slices.Equal(f.Numeric, b.pre.NumNames()) || !slices.Equal(f.Categorical, b.pre.CatNames()) {
		return errors.New("manifest features differ from the preprocessor's")
	}
	if !slices.Equal(f.Numeric, b.famd.NumNames()) || !slices.Equal(f.Categorical, b.famd.CatNames()) {
		return errors.New("preprocessor and FAMD features differ")
	}
	for q := range f.Categorical {
		if !slices.Equal(b.pre.Levels()[q], b.famd.Levels(q)) {
			return fmt.Errorf("preprocessor and FAMD levels of %q differ", f.Categorical[q])
		}
	}
	k := b.famd.NComponents()
	if k != b.manifest.Components || b.hdb.Dims() != k || b.forest.NumFeatures() != k {
		return fmt.Errorf("dimensions differ: manifest %d, FAMD %d, HDBSCAN %d, forest %d",
			b.manifest.Components, k, b.hdb.Dims(), b.forest.NumFeatures())
	}
	b.byCluster = make(map[int]int, len(b.manifest.Segments))
	seen := map[int]bool{}
	for i, s := range b.manifest.Segments {
		if s.ID < 0 || s.ID >= b.manifest.NextSegmentID || seen[s.ID] {
			return fmt.Errorf("segment id %d repeated or outside [0, next id %d)", s.ID, b.manifest.NextSegmentID)
		}
		seen[s.ID] = true
		if _, dup := b.byCluster[s.Cluster]; dup {
			return fmt.Errorf("cluster %d maps to two segments", s.Cluster)
		}
		b.byCluster[s.Cluster] = i
	}
	b.classes = b.forest.Classes()
	for _, c := range b.classes {
		if _, ok := b.byCluster[c]; !ok {
			return fmt.Errorf("forest class %d has no segment", c)
		}
	}
	if b.hdb.NClusters() != len(b.manifest.Segments) {
		return fmt.Errorf("HDBSCAN has %d clusters for %d segments", b.hdb.NClusters(), len(b.manifest.Segments))
	}
	if err := b.driftRef.Validate(); err != nil {
		return err
	}
	if err := b.refit.check(b); err != nil {
		return err
	}
	return b.runSmoke()
}
