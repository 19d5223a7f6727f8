package model

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/storeseg/storeseg/model/drift"
	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/forest"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/model/preprocess"
	"github.com/storeseg/storeseg/model/segments"
)

// ErrEmptySnapshot reports a snapshot with no stores.
var ErrEmptySnapshot = errors.New("model: the snapshot has no stores")

// ErrAllNoise reports a clustering in which HDBSCAN found no cluster at all, so there is
// nothing to train the noise classifier on. Lower min_cluster_size or min_samples, or allow a
// single cluster.
var ErrAllNoise = errors.New("model: HDBSCAN found no cluster; every store is noise")

// FitConfig configures the whole refit pipeline. The zero value of each part is valid and
// means that part's defaults.
type FitConfig struct {
	Preprocess preprocess.Spec
	FAMD       famd.Config
	HDBSCAN    hdbscan.Config
	// MinClusterShare, when positive, raises HDBSCAN.MinClusterSize to round(share × stores),
	// so the smallest segment scales with the snapshot. In [0, 0.5].
	MinClusterShare float64
	Assign          forest.AssignConfig
	Match           segments.MatchConfig
	Profile         segments.ProfileConfig
	Drift           drift.Config
	Metrics         MetricsConfig
}

// FitInput is what one refit works on.
type FitInput struct {
	// Raw holds the snapshot's stores as read (missing values as NaN / frame.Missing), with
	// the columns named by Preprocess.
	Raw *frame.Frame
	// Previous is the model currently published, if any: its segment ids are carried over to
	// matching new clusters, and its NextSegmentID continues.
	Previous *Bundle
	// ConfigHash, CodeVersion and Snapshot go into the manifest.
	ConfigHash  string
	CodeVersion string
	Snapshot    SnapshotInfo
	// Progress, when set, is told when each stage starts and ends.
	Progress func(Event)
}

// Event reports the progress of Fit.
type Event struct {
	Stage string
	// Done is false when the stage starts, true when it ends (Took is then set).
	Done bool
	Took time.Duration
}

// StageTiming is how long one stage took.
type StageTiming struct {
	Stage string        `json:"stage"`
	Took  time.Duration `json:"took"`
}

// FitResult holds the bundle and everything the refit reports about it.
type FitResult struct {
	Bundle   *Bundle
	Prepared *frame.Frame
	FAMD     *famd.Result
	Clusters *hdbscan.Result
	Assign   *forest.Assignment
	// SegmentIDs, Sources and Confidences give each store's final segment (every store,
	// noise included), how it got it, and the forest's confidence.
	SegmentIDs  []int
	Sources     []Source
	Confidences []float64
	Matching    *segments.Matching
	Profiles    []segments.Profile
	Metrics     Metrics
	Stages      []StageTiming
	// PreviousNote says how the previous model was used, or why it was not.
	PreviousNote string
}

// Fit runs the pipeline: preprocess → FAMD → HDBSCAN on the principal coordinates → a random
// forest trained on HDBSCAN's core points assigns every noise store → stable segment ids
// matched to the previous model → profiles, quality metrics, drift references → a verified
// bundle. It is deterministic: the same input and config give the same bundle bytes.
func Fit(ctx context.Context, in FitInput, cfg FitConfig) (*FitResult, error) {
	if in.Raw == nil || in.Raw.Rows() == 0 {
		return nil, ErrEmptySnapshot
	}
	if !(cfg.MinClusterShare >= 0 && cfg.MinClusterShare <= 0.5) {
		return nil, fmt.Errorf("model: min cluster share %v outside [0, 0.5]", cfg.MinClusterShare)
	}
	raw, err := Project(in.Raw, cfg.Preprocess)
	if err != nil {
		return nil, err
	}
	in.Raw = raw
	r := &FitResult{}
	run := func(name string, fn func() error) error {
		if in.Progress != nil {
			in.Progress(Event{Stage: name})
		}
		start := time.Now()
		err := fn()
		took := time.Since(start)
		r.Stages = append(r.Stages, StageTiming{Stage: name, Took: took})
		if in.Progress != nil {
			in.Progress(Event{Stage: name, Done: true, Took: took})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return ctx.Err()
	}
	var pre *preprocess.Preprocessor
	steps := []struct {
		name string
		fn   func() error
	}{
		{"preprocess", func() (err error) { pre, r.Prepared, err = preprocess.Fit(cfg.Preprocess, in.Raw); return err }},
		{"famd", func() (err error) { r.FAMD, err = famd.Fit(ctx, r.Prepared, cfg.FAMD); return err }},
		{"hdbscan", func() error { return r.cluster(ctx, clusterConfig(cfg, in.Raw.Rows())) }},
		{"forest", func() (err error) {
			r.Assign, err = forest.AssignNoise(ctx, r.FAMD.Coord, r.Clusters.Labels, r.Clusters.Probabilities, cfg.Assign)
			return err
		}},
		{"segments", func() error { return r.segment(ctx, in, cfg) }},
		{"metrics", func() (err error) { r.Metrics, err = computeMetrics(ctx, r, cfg.Metrics); return err }},
		{"bundle", func() error { return r.bundle(in, cfg, pre) }},
	}
	for _, s := range steps {
		if err := run(s.name, s.fn); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Project returns the frame's columns the spec names, in the spec's order (sharing their
// data), so that records, their hashes and the bundle's feature spec agree whatever else the
// snapshot holds. Fit applies it to its input; a column the spec names but the frame lacks
// is an error naming it.
func Project(f *frame.Frame, spec preprocess.Spec) (*frame.Frame, error) {
	out := &frame.Frame{IDName: f.IDName, IDs: f.IDs}
	for _, s := range spec.Numeric {
		j := slices.Index(f.NumNames, s.Name)
		if j < 0 {
			return nil, fmt.Errorf("model: the snapshot has no numeric column %q", s.Name)
		}
		out.NumNames, out.Num = append(out.NumNames, s.Name), append(out.Num, f.Num[j])
	}
	for _, s := range spec.Categorical {
		q := slices.Index(f.CatNames, s.Name)
		if q < 0 {
			return nil, fmt.Errorf("model: the snapshot has no categorical column %q", s.Name)
		}
		out.CatNames, out.Levels, out.Cat = append(out.CatNames, s.Name), append(out.Levels, f.Levels[q]), append(out.Cat, f.Cat[q])
	}
	return out, nil
}

// clusterConfig applies MinClusterShare for a snapshot of n stores.
func clusterConfig(cfg FitConfig, n int) hdbscan.Config {
	h := cfg.HDBSCAN
	if cfg.MinClusterShare > 0 {
		h.MinClusterSize = max(h.MinClusterSize, int(math.Round(cfg.MinClusterShare*float64(n))), 2)
	}
	return h
}

func (r *FitResult) cluster(ctx context.Context, cfg hdbscan.Config) error {
	res, err := hdbscan.Cluster(ctx, r.FAMD.Coord, cfg)
	if err != nil {
		return err
	}
	if res.NClusters == 0 {
		return ErrAllNoise
	}
	r.Clusters = res
	return nil
}

// segment matches the clusters to the previous model's segments, and profiles and names them.
func (r *FitResult) segment(ctx context.Context, in FitInput, cfg FitConfig) error {
	n, k := in.Raw.Rows(), r.Clusters.NClusters
	prev := make([]int, n)
	for i := range prev {
		prev[i] = segments.None
	}
	nextID := 1
	if in.Previous != nil {
		nextID = in.Previous.manifest.NextSegmentID
		r.PreviousNote = r.previousSegments(ctx, in.Raw, in.Previous, prev)
	} else {
		r.PreviousNote = "no previous model: every segment is new"
	}
	m, err := segments.Match(prev, r.Assign.Segment, k, nextID, cfg.Match)
	if err != nil {
		return err
	}
	r.Matching = m
	r.SegmentIDs = make([]int, n)
	r.Sources = make([]Source, n)
	r.Confidences = r.Assign.Confidence
	for i, c := range r.Assign.Segment {
		r.SegmentIDs[i] = m.IDs[c]
		r.Sources[i] = SourceCore
		if r.Assign.Source[i] == forest.Inferred {
			r.Sources[i] = SourceInferred
		}
	}
	r.Profiles, err = segments.Profiles(r.Prepared, in.Raw, r.SegmentIDs, cfg.Profile)
	return err
}

// previousSegments scores every store with the previous model into prev and says how it
// went. A previous model that cannot score this snapshot (other features) is not used.
func (r *FitResult) previousSegments(ctx context.Context, raw *frame.Frame, prevModel *Bundle, prev []int) string {
	spec := prevModel.Features()
	numIdx, catIdx, ok := columnIndex(raw, spec)
	if !ok {
		return fmt.Sprintf("previous model %s has other features; every segment is new", prevModel.Version())
	}
	s := prevModel.NewScorer()
	rec := frame.Record{Num: make([]float64, len(numIdx)), Cat: make([]string, len(catIdx))}
	failed := 0
	for i := range prev {
		if i%4096 == 0 && ctx.Err() != nil {
			return "cancelled"
		}
		for j, c := range numIdx {
			rec.Num[j] = raw.Num[c][i]
		}
		for q, c := range catIdx {
			rec.Cat[q] = ""
			if code := raw.Cat[c][i]; code != frame.Missing {
				rec.Cat[q] = raw.Levels[c][code]
			}
		}
		a, err := s.Score(raw.IDs[i], rec)
		if err != nil {
			failed++
			continue
		}
		prev[i] = a.SegmentID
	}
	return fmt.Sprintf("segment ids matched to previous model %s (%d of %d stores scored)", prevModel.Version(), len(prev)-failed, len(prev))
}

// columnIndex finds the spec's columns in the frame.
func columnIndex(f *frame.Frame, spec FeatureSpec) (num, cat []int, ok bool) {
	for _, name := range spec.Numeric {
		j := slices.Index(f.NumNames, name)
		if j < 0 {
			return nil, nil, false
		}
		num = append(num, j)
	}
	for _, name := range spec.Categorical {
		q := slices.Index(f.CatNames, name)
		if q < 0 {
			return nil, nil, false
		}
		cat = append(cat, q)
	}
	return num, cat, true
}

// bundle assembles, encodes and reloads the bundle, so what Fit returns is exactly what a
// consumer will load.
func (r *FitResult) bundle(in FitInput, cfg FitConfig, pre *preprocess.Preprocessor) error {
	n := in.Raw.Rows()
	b := &Bundle{pre: pre, famd: r.FAMD.Model, hdb: r.Clusters.PredictionData(), forest: r.Assign.Classifier,
		profiles: r.Profiles, transitions: r.Matching.Transitions}
	b.manifest = Manifest{
		Format: BundleFormat, CodeVersion: in.CodeVersion, ConfigHash: in.ConfigHash,
		Snapshot: in.Snapshot, Components: r.FAMD.Model.NComponents(), NextSegmentID: r.Matching.NextID,
		Features: FeatureSpec{ID: in.Raw.IDName, Numeric: pre.NumNames(), Categorical: pre.CatNames()},
		Metrics:  r.Metrics.Map(),
	}
	names := map[int]string{}
	for _, p := range r.Profiles {
		names[p.ID] = p.Name
	}
	segIndex := make([]int, n)
	sizes := make([]int, r.Clusters.NClusters)
	for _, c := range r.Assign.Segment {
		sizes[c]++
	}
	for c, id := range r.Matching.IDs {
		b.manifest.Segments = append(b.manifest.Segments, SegmentInfo{ID: id, Cluster: c, Name: names[id], Size: sizes[c]})
	}
	for i, c := range r.Assign.Segment {
		segIndex[i] = c // Segments is in cluster order
	}
	var err error
	if b.driftRef, err = drift.NewReference(r.Prepared, r.SegmentIDs, cfg.Drift); err != nil {
		return err
	}
	hashes := make([]uint64, n)
	for i := range hashes {
		hashes[i] = RecordHash(in.Raw.Row(i))
	}
	b.refit = newRefitAssignments(in.Raw.IDs, segIndex, r.Clusters.Labels, r.Sources, r.Confidences, r.Clusters.OutlierScores, hashes)
	if err := b.bind(); err != nil {
		return err
	}
	b.smoke = pickSmoke(b, in.Raw)
	return r.seal(b)
}

// bind prepares an assembled bundle for scoring (as Load's check does).
func (b *Bundle) bind() error {
	b.byCluster = make(map[int]int, len(b.manifest.Segments))
	for i, s := range b.manifest.Segments {
		b.byCluster[s.Cluster] = i
	}
	b.classes = b.forest.Classes()
	return b.refit.check(b)
}

// pickSmoke picks up to two training stores per segment whose forest prediction wins by a
// clear margin, and records their predictions.
func pickSmoke(b *Bundle, raw *frame.Frame) []smokeCase {
	const perSegment, margin = 2, 0.2
	s := b.NewScorer()
	taken := map[int]int{}
	var out []smokeCase
	for i := 0; i < raw.Rows() && len(out) < perSegment*len(b.manifest.Segments); i++ {
		rec := raw.Row(i)
		if _, err := s.prepare(rec); err != nil {
			continue
		}
		a := s.predict()
		if taken[a.SegmentID] >= perSegment || !clearWinner(s.proba, margin) {
			continue
		}
		taken[a.SegmentID]++
		out = append(out, newSmokeCase(raw.IDs[i], rec, a))
	}
	for i := 0; i < raw.Rows() && len(out) == 0; i++ { // no clear winner anywhere: take any store
		rec := raw.Row(i)
		if _, err := s.prepare(rec); err == nil {
			out = append(out, newSmokeCase(raw.IDs[i], rec, s.predict()))
		}
	}
	return out
}

func clearWinner(p []float64, margin float64) bool {
	first, second := 0.0, 0.0
	for _, v := range p {
		if v > first {
			first, second = v, first
		} else if v > second {
			second = v
		}
	}
	return first-second >= margin
}

// seal names the model after its content, encodes it and loads it back.
func (r *FitResult) seal(b *Bundle) error {
	parts, err := b.parts()
	if err != nil {
		return err
	}
	h := sha256.New()
	for _, p := range parts {
		sum := sha256.Sum256(p.data)
		h.Write(sum[:])
	}
	b.manifest.ModelVersion = "m" + hex.EncodeToString(h.Sum(nil))[:16]
	data, err := b.Marshal()
	if err != nil {
		return err
	}
	loaded, err := Load(data)
	if err != nil {
		return fmt.Errorf("the new bundle does not load: %w", err)
	}
	r.Bundle = loaded
	return nil
}
