package model_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/forest"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

// stores generates n synthetic stores (seeded) and reads them back as the refit would.
func stores(t testing.TB, n int, seed uint64) *frame.Frame {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stores.parquet")
	if _, err := synth.Generate(context.Background(), synth.Config{Stores: n, Seed: seed, OutlierShare: 0.03, MissingShare: 0.02}, path, ""); err != nil {
		t.Fatal(err)
	}
	f, err := table.Read(context.Background(), path, config.Default().Schema())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func fitConfig() model.FitConfig {
	cfg := config.Default()
	return model.FitConfig{
		Preprocess: cfg.PreprocessSpec(),
		FAMD:       cfg.FAMDConfig(),
		HDBSCAN:    hdbscan.Config{MinClusterSize: 25, MinSamples: 10},
		Assign:     forest.AssignConfig{CoreThreshold: 0.5, Forest: forest.Config{NEstimators: 30, Seed: 7}},
	}
}

var (
	fitOnce sync.Once
	fitRes  *model.FitResult
	fitRaw  *frame.Frame
	fitErr  error
)

// fitted returns one shared refit of 1500 generated stores.
func fitted(t *testing.T) (*model.FitResult, *frame.Frame) {
	t.Helper()
	fitOnce.Do(func() {
		fitRaw = stores(t, 1500, 11)
		fitRes, fitErr = model.Fit(context.Background(), model.FitInput{Raw: fitRaw, ConfigHash: "test"}, fitConfig())
	})
	if fitErr != nil {
		t.Fatal(fitErr)
	}
	return fitRes, fitRaw
}

func TestFitProducesAConsistentBundle(t *testing.T) {
	r, raw := fitted(t)
	m := r.Bundle.Manifest()
	if m.Metrics["clusters"] < 2 || len(m.Segments) != r.Clusters.NClusters {
		t.Fatalf("manifest has %d segments for %d clusters (metrics %v)", len(m.Segments), r.Clusters.NClusters, m.Metrics)
	}
	if len(m.ModelVersion) != 17 || m.ModelVersion[0] != 'm' {
		t.Errorf("model version %q; want m + 16 hex digits", m.ModelVersion)
	}
	for _, name := range []string{"dbcv", "silhouette", "noise_share", "oob_accuracy", "relative_validity"} {
		if _, ok := m.Metrics[name]; !ok {
			t.Errorf("manifest metrics lack %s: %v", name, m.Metrics)
		}
	}
	// Every store is assigned, and a stream Scorer reproduces the refit for unchanged stores.
	s := r.Bundle.NewScorer()
	for i := 0; i < raw.Rows(); i++ {
		a, err := s.Score(raw.IDs[i], raw.Row(i))
		if err != nil {
			t.Fatalf("Score(%s): %v", raw.IDs[i], err)
		}
		if a.SegmentID != r.SegmentIDs[i] || a.Source != r.Sources[i] || a.Confidence != r.Confidences[i] {
			t.Fatalf("store %s scored %+v; refit gave segment %d source %v confidence %v",
				raw.IDs[i], a, r.SegmentIDs[i], r.Sources[i], r.Confidences[i])
		}
		if (r.Clusters.Labels[i] < 0) != (a.Source == model.SourceInferred) {
			t.Fatalf("store %s: HDBSCAN label %d but source %v", raw.IDs[i], r.Clusters.Labels[i], a.Source)
		}
	}
}

func TestScoreChangedStoreIsPredicted(t *testing.T) {
	r, raw := fitted(t)
	s := r.Bundle.NewScorer()
	rec := raw.Row(3)
	rec.Num[0] *= 1.5
	a, err := s.Score(raw.IDs[3], rec)
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != model.SourcePredicted || a.SegmentName == "" || a.Confidence <= 0 || a.Confidence > 1 {
		t.Errorf("changed store scored %+v; want a predicted segment", a)
	}
	// A new store with everything missing still scores (imputation, missing levels).
	empty := frame.Record{Num: make([]float64, len(rec.Num)), Cat: make([]string, len(rec.Cat))}
	for j := range empty.Num {
		empty.Num[j] = math.NaN()
	}
	if _, err := s.Score("new-store", empty); err != nil {
		t.Errorf("Score(all missing) = %v; want imputed prediction", err)
	}
	bad := raw.Row(3)
	bad.Num[0] = -5 // revenue has min 0
	if _, err := s.Score("x", bad); err == nil {
		t.Error("Score accepted a revenue below its configured minimum")
	}
	allocs := testing.AllocsPerRun(100, func() { _, _ = s.Score(raw.IDs[3], rec) })
	if allocs != 0 && !raceEnabled {
		t.Errorf("Score allocates %v times per call; want 0", allocs)
	}
}

func TestFitIsDeterministic(t *testing.T) {
	r, raw := fitted(t)
	again, err := model.Fit(context.Background(), model.FitInput{Raw: raw, ConfigHash: "test"}, fitConfig())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.Bundle.Marshal()
	b, _ := again.Bundle.Marshal()
	if !bytes.Equal(a, b) {
		t.Error("two fits of the same data gave different bundle bytes")
	}
}

func TestLoadRejectsTampering(t *testing.T) {
	r, _ := fitted(t)
	data, err := r.Bundle.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := model.Load(data[:len(data)/2]); !errors.Is(err, model.ErrCorrupt) {
		t.Errorf("Load(truncated) = %v; want ErrCorrupt", err)
	}
	// Flip a byte every 997 bytes: every flip must fail to load or load the identical model.
	for i := 0; i < len(data); i += 997 {
		bad := bytes.Clone(data)
		bad[i] ^= 0x5a
		b, err := model.Load(bad)
		if err == nil && b.Version() != r.Bundle.Version() {
			t.Fatalf("byte %d flipped: loaded a different model %s", i, b.Version())
		}
	}
}

func TestSecondRefitKeepsSegmentIDs(t *testing.T) {
	r, raw := fitted(t)
	// Nudge every store a little: a refit on slightly changed data.
	changed := *raw
	changed.Num = make([][]float64, len(raw.Num))
	for j, col := range raw.Num {
		changed.Num[j] = make([]float64, len(col))
		for i, v := range col {
			changed.Num[j][i] = v * (1 - 0.01*math.Abs(math.Sin(float64(i+j))))
		}
	}
	next, err := model.Fit(context.Background(), model.FitInput{Raw: &changed, Previous: r.Bundle}, fitConfig())
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	for i := range r.SegmentIDs {
		if r.SegmentIDs[i] == next.SegmentIDs[i] {
			same++
		}
	}
	if share := float64(same) / float64(len(r.SegmentIDs)); share < 0.9 {
		t.Errorf("only %.1f%% of stores kept their segment id after a 1%% change (%s)", 100*share, next.PreviousNote)
	}
	if next.Bundle.Manifest().NextSegmentID < r.Bundle.Manifest().NextSegmentID {
		t.Error("next segment id went backwards")
	}
}

func TestFitErrors(t *testing.T) {
	raw := stores(t, 60, 3)
	cfg := fitConfig()
	if _, err := model.Fit(context.Background(), model.FitInput{Raw: &frame.Frame{}}, cfg); !errors.Is(err, model.ErrEmptySnapshot) {
		t.Errorf("empty snapshot: %v; want ErrEmptySnapshot", err)
	}
	cfg.HDBSCAN.MinClusterSize = 100
	if _, err := model.Fit(context.Background(), model.FitInput{Raw: raw}, cfg); !errors.Is(err, hdbscan.ErrTooFewPoints) {
		t.Errorf("fewer stores than min_cluster_size: %v; want hdbscan.ErrTooFewPoints", err)
	}
	cfg.HDBSCAN.MinClusterSize = 40
	if _, err := model.Fit(context.Background(), model.FitInput{Raw: raw}, cfg); !errors.Is(err, model.ErrAllNoise) {
		t.Errorf("everything noise: %v; want ErrAllNoise", err)
	}
}

func TestGate(t *testing.T) {
	min := 0.3
	g := model.Gate{MinDBCV: &min, MaxNoiseShare: 0.2, MinClusters: 3, MaxDBCVDrop: 0.05}
	m := model.Metrics{DBCV: 0.25, NoiseShare: 0.3, Clusters: 2, RelativeValidity: 0.5}
	if why := g.Check(m, map[string]float64{"dbcv": 0.4}); len(why) != 4 {
		t.Errorf("Check = %q; want four failures", why)
	}
	m = model.Metrics{DBCV: 0.5, NoiseShare: 0.1, Clusters: 5}
	if why := g.Check(m, map[string]float64{"dbcv": 0.52}); len(why) != 0 {
		t.Errorf("Check = %q; want a pass", why)
	}
	if why := (model.Gate{}).Check(model.Metrics{DBCV: math.NaN()}, nil); len(why) != 0 {
		t.Errorf("zero Gate failed a model: %q", why)
	}
}

func TestMetricsJSONWithNaN(t *testing.T) {
	m := model.Metrics{Stores: 30000, Clusters: 4, DBCV: math.NaN(), Silhouette: 0.5, OOBAccuracy: math.NaN()}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("Marshal(metrics with NaN DBCV) = %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["dbcv"] != nil || back["silhouette"] != 0.5 || back["stores"] != 30000.0 {
		t.Errorf("metrics JSON = %s; want dbcv null, silhouette 0.5, stores 30000", b)
	}
	if _, ok := m.Map()["dbcv"]; ok {
		t.Error("Map kept a NaN DBCV")
	}
}

// TestFitIgnoresExtraColumns fits a frame holding a column the config does not use (city)
// and in another column order: the bundle's records must be the configured features only.
func TestFitIgnoresExtraColumns(t *testing.T) {
	g, err := synth.New(synth.Config{Stores: 600, Seed: 5, OutlierShare: 0.03, MissingShare: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	f := &frame.Frame{IDName: synth.IDColumn}
	names := synth.CatNames()
	f.CatNames = make([]string, len(names))
	for q := range names {
		f.CatNames[q] = names[len(names)-1-q] // reversed: city first
	}
	f.NumNames = synth.NumNames()
	f.Num = make([][]float64, len(f.NumNames))
	f.Cat = make([][]int32, len(f.CatNames))
	f.Levels = make([][]string, len(f.CatNames))
	codes := make([]map[string]int32, len(f.CatNames))
	for q := range codes {
		codes[q] = map[string]int32{}
	}
	for i := range 600 {
		s := g.Store(i)
		f.IDs = append(f.IDs, s.ID)
		for j, v := range s.Num {
			f.Num[j] = append(f.Num[j], v)
		}
		for q := range f.CatNames {
			v, c := s.Cat[len(names)-1-q], frame.Missing
			if v != "" {
				var ok bool
				if c, ok = codes[q][v]; !ok {
					c = int32(len(f.Levels[q]))
					codes[q][v] = c
					f.Levels[q] = append(f.Levels[q], v)
				}
			}
			f.Cat[q] = append(f.Cat[q], c)
		}
	}
	cfg := fitConfig()
	cfg.HDBSCAN.MinClusterSize = 15
	r, err := model.Fit(context.Background(), model.FitInput{Raw: f}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	spec := r.Bundle.Features()
	if slices.Contains(spec.Categorical, "city") || spec.Categorical[0] != "format" {
		t.Fatalf("bundle features %v; want the config's, in its order", spec.Categorical)
	}
	// A store scored with exactly its configured features gets the refit's assignment.
	s := g.Store(7)
	rec := frame.Record{Num: s.Num, Cat: s.Cat[:len(spec.Categorical)]}
	a, err := r.Bundle.NewScorer().Score(s.ID, rec)
	if err != nil || a.Source == model.SourcePredicted {
		t.Errorf("Score(unchanged store) = %+v, %v; want the refit's own assignment", a, err)
	}
}
