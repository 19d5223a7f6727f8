package tracking_test

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/tracking"
)

func openStore(t *testing.T) *tracking.FileStore {
	t.Helper()
	s, err := tracking.OpenFileStore(filepath.Join(t.TempDir(), "mlruns"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFileStoreLayout(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if got := readFile(t, filepath.Join(s.Root(), "0", "meta.yaml")); !strings.Contains(got, "name: Default\n") {
		t.Errorf("default experiment meta.yaml:\n%s", got)
	}
	id, err := s.EnsureExperiment(ctx, "storeseg: refits")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[1-9][0-9]{17}$`).MatchString(id) {
		t.Errorf("experiment id %q; want 18 digits like MLflow's", id)
	}
	if again, err := s.EnsureExperiment(ctx, "storeseg: refits"); again != id || err != nil {
		t.Errorf("EnsureExperiment again = %q, %v; want %q", again, err, id)
	}
	run, err := s.CreateRun(ctx, id, tracking.RunSpec{Name: "fit", StartTime: time.UnixMilli(1700000000000)})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(s.Root(), id, run.ID)
	ts := time.UnixMilli(1700000000500)
	err = s.LogBatch(ctx, run.ID, tracking.Batch{
		Params: []tracking.Param{{Key: "hdbscan/min_cluster_size", Value: "25"}},
		Metrics: []tracking.Metric{
			{Key: "dbcv", Value: 0.5, Timestamp: ts, Step: 0},
			{Key: "dbcv", Value: math.NaN(), Timestamp: ts, Step: 1},
			{Key: "dbcv", Value: math.Inf(-1), Timestamp: ts, Step: 2},
			{Key: "dbcv", Value: 1e16, Timestamp: ts, Step: 3},
		},
		Tags: []tracking.Tag{{Key: "note", Value: "multi\nline"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"params/hdbscan/min_cluster_size": "25",
		"metrics/dbcv":                    "1700000000500 0.5 0\n1700000000500 nan 1\n1700000000500 -inf 2\n1700000000500 1e+16 3\n",
		"tags/note":                       "multi\nline",
		"tags/mlflow.runName":             "fit",
	}
	for rel, want := range files {
		if got := readFile(t, filepath.Join(dir, filepath.FromSlash(rel))); got != want {
			t.Errorf("%s = %q; want %q", rel, got, want)
		}
	}
	if err := s.EndRun(ctx, run.ID, tracking.StatusFailed, time.UnixMilli(1700000009000)); err != nil {
		t.Fatal(err)
	}
	meta := readFile(t, filepath.Join(dir, "meta.yaml"))
	for _, line := range []string{"status: 4\n", "end_time: 1700000009000\n", "start_time: 1700000000000\n",
		"run_name: fit\n", "source_type: 4\n", "tags: []\n", "artifact_uri: file://" + filepath.ToSlash(dir) + "/artifacts\n"} {
		if !strings.Contains(meta, line) {
			t.Errorf("run meta.yaml lacks %q:\n%s", line, meta)
		}
	}
}

func TestFileStoreRunAndRegistry(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	id, _ := s.EnsureExperiment(ctx, "e")
	run, err := s.CreateRun(ctx, id, tracking.RunSpec{Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(run.Name, "run-") || run.Status != tracking.StatusRunning {
		t.Errorf("CreateRun() = %+v; want a generated name and RUNNING", run)
	}
	t0 := time.UnixMilli(1700000000000)
	if err := s.LogBatch(ctx, run.ID, tracking.Batch{Metrics: []tracking.Metric{
		{Key: "m", Value: 9, Timestamp: t0.Add(time.Second), Step: 1},
		{Key: "m", Value: 3, Timestamp: t0, Step: 2}, // highest step wins despite the older time
		{Key: "m", Value: 1, Timestamp: t0, Step: 2},
	}, Tags: []tracking.Tag{{Key: tracking.TagRunName, Value: "renamed"}}}); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "bundle")
	writeFile(t, filepath.Join(bundle, "manifest.json"), "{}")
	writeFile(t, filepath.Join(bundle, "parts", "famd_model.npz"), "PK")
	if err := s.LogArtifacts(ctx, run.ID, bundle, "model"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Info.Name != "renamed" || got.Metrics["m"] != (tracking.Metric{Key: "m", Value: 3, Timestamp: t0, Step: 2}) || got.Tags["k"] != "v" {
		t.Errorf("Run() = %+v", got)
	}
	art := filepath.Join(s.Root(), id, run.ID, "artifacts", "model", "parts", "famd_model.npz")
	if readFile(t, art) != "PK" {
		t.Errorf("artifact not copied to %s", art)
	}
	for want := 1; want <= 2; want++ {
		mv, err := s.RegisterModelVersion(ctx, "segm", run.ID, "model")
		if err != nil || mv.Version != itoa(want) || mv.Status != "READY" || !strings.HasSuffix(mv.Source, run.ID+"/artifacts/model") {
			t.Fatalf("RegisterModelVersion() #%d = %+v, %v", want, mv, err)
		}
	}
	if _, err := s.ModelVersionByAlias(ctx, "segm", "champion"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("alias before SetAlias: %v; want ErrNotFound", err)
	}
	if err := s.SetAlias(ctx, "segm", "champion", "2"); err != nil {
		t.Fatal(err)
	}
	champ, err := s.ModelVersionByAlias(ctx, "segm", "champion")
	if err != nil || champ.Version != "2" || champ.RunID != run.ID || !cmp.Equal(champ.Aliases, []string{"champion"}) {
		t.Errorf("ModelVersionByAlias() = %+v, %v", champ, err)
	}
	if got := readFile(t, filepath.Join(s.Root(), "models", "segm", "aliases", "champion")); got != "2" {
		t.Errorf("aliases/champion = %q; want 2", got)
	}
}

func TestFileStoreErrors(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	id, _ := s.EnsureExperiment(ctx, "e")
	run, _ := s.CreateRun(ctx, id, tracking.RunSpec{Name: "r"})
	if err := s.LogBatch(ctx, run.ID, tracking.Batch{Params: []tracking.Param{{Key: "p", Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"param change", s.LogBatch(ctx, run.ID, tracking.Batch{Params: []tracking.Param{{Key: "q", Value: "x"}, {Key: "p", Value: "2"}}}), tracking.ErrInvalidParameter},
		{"same param again", s.LogBatch(ctx, run.ID, tracking.Batch{Params: []tracking.Param{{Key: "p", Value: "1"}}}), nil},
		{"unknown run", s.LogBatch(ctx, "0123456789abcdef0123456789abcdef", tracking.Batch{}), tracking.ErrNotFound},
		{"traversal run id", s.LogBatch(ctx, "../0", tracking.Batch{}), tracking.ErrInvalid},
		{"unknown experiment", func() error { _, err := s.CreateRun(ctx, "42", tracking.RunSpec{}); return err }(), tracking.ErrNotFound},
		{"bad status", s.EndRun(ctx, run.ID, "DONE", time.Time{}), tracking.ErrInvalid},
		{"alias without model", s.SetAlias(ctx, "nope", "champion", "1"), tracking.ErrNotFound},
		{"version without model", func() error { _, err := s.ModelVersionByAlias(ctx, "nope", "champion"); return err }(), tracking.ErrNotFound},
		{"unknown run version", func() error {
			_, err := s.RegisterModelVersion(ctx, "m", "0123456789abcdef0123456789abcdef", "")
			return err
		}(), tracking.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil && tt.err != nil || tt.want != nil && !errors.Is(tt.err, tt.want) {
				t.Errorf("err = %v; want %v", tt.err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(s.Root(), id, run.ID, "params", "q")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a rejected batch wrote param q")
	}
	mv, _ := s.RegisterModelVersion(ctx, "m", run.ID, "")
	if err := s.SetAlias(ctx, "m", "champion", "7"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("alias to a missing version: %v; want ErrNotFound", err)
	}
	if mv.Source != run.ArtifactURI {
		t.Errorf("root registration source = %q; want the run's artifact URI %q", mv.Source, run.ArtifactURI)
	}
}

func TestOpenFileStoreOnFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mlruns")
	writeFile(t, p, "")
	if _, err := tracking.OpenFileStore(p); !errors.Is(err, tracking.ErrInvalid) {
		t.Errorf("OpenFileStore(a file) = %v; want ErrInvalid", err)
	}
}

// copyTree copies the committed fixture so that tests never write into testdata/.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFileStoreReadsMLflowStore reads testdata/mlruns-mlflow, written by MLflow 3.17.2's own
// client (testdata/gen_mlruns.py), and adds a version to its registered model. Values are
// exact.
func TestFileStoreReadsMLflowStore(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "mlruns")
	copyTree(t, filepath.Join("testdata", "mlruns-mlflow"), root)
	s, err := tracking.OpenFileStore(root)
	if err != nil {
		t.Fatal(err)
	}
	champ, err := s.ModelVersionByAlias(ctx, "storeseg-segmenter", "champion")
	if err != nil {
		t.Fatal(err)
	}
	if champ.Version != "1" || champ.Status != "READY" || !strings.HasSuffix(champ.Source, champ.RunID+"/artifacts/model") {
		t.Errorf("champion = %+v", champ)
	}
	run, err := s.Run(ctx, champ.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Info.Name != "refit-1" || run.Info.Status != tracking.StatusFinished || run.Info.EndTime != time.UnixMilli(1700000009000) {
		t.Errorf("run info = %+v", run.Info)
	}
	wantParams := map[string]string{"famd.n_components": "5", "hdbscan/min_cluster_size": "25"}
	if diff := cmp.Diff(wantParams, run.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	if got := run.Metrics["dbcv"]; got.Value != 0.125 || got.Step != 2 || got.Timestamp != time.UnixMilli(1700000000002) {
		t.Errorf("latest dbcv = %+v; want 0.125 at step 2", got)
	}
	if !math.IsNaN(run.Metrics["noise share"].Value) || run.Metrics["big"].Value != 1e16 {
		t.Errorf("metrics = %+v", run.Metrics)
	}
	if run.Tags["segment/0"] != "large · out-of-town" || run.Tags[tracking.TagSourceType] != "JOB" {
		t.Errorf("tags = %v", run.Tags)
	}
	expID, err := s.EnsureExperiment(ctx, "storeseg-fixture")
	if err != nil || expID != run.Info.ExperimentID {
		t.Errorf("EnsureExperiment(existing) = %q, %v; want %q", expID, err, run.Info.ExperimentID)
	}
	mv, err := s.RegisterModelVersion(ctx, "storeseg-segmenter", champ.RunID, "model")
	if err != nil || mv.Version != "2" {
		t.Fatalf("RegisterModelVersion on MLflow's model = %+v, %v; want version 2", mv, err)
	}
	if err := s.SetAlias(ctx, "storeseg-segmenter", "champion", "2"); err != nil {
		t.Fatal(err)
	}
	if c2, err := s.ModelVersionByAlias(ctx, "storeseg-segmenter", "champion"); err != nil || c2.Version != "2" {
		t.Errorf("champion after SetAlias = %+v, %v; want version 2", c2, err)
	}
}
