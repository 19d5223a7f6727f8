//go:build integration

package tracking_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/tracking"
)

// These tests need the services of scripts/test-services (`make test-integration` starts
// them): MLFLOW_TRACKING_URI for the server, MLFLOW_PYTHON (its venv's python, MLflow
// 3.17.2) to read everything back with MLflow's own client through testdata/readback.py.

func trackingURI(t *testing.T) string {
	t.Helper()
	uri := os.Getenv("MLFLOW_TRACKING_URI")
	if uri == "" {
		t.Skip("MLFLOW_TRACKING_URI is not set: run `make test-integration` (or eval \"$(scripts/test-services up)\")")
	}
	return uri
}

func mlflowPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("MLFLOW_PYTHON")
	if py == "" {
		t.Skip("MLFLOW_PYTHON is not set: run `make test-integration` (or eval \"$(scripts/test-services up)\")")
	}
	return py
}

func suffix(t *testing.T) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// fixture is what exercise logged, to compare with the readback.
type fixture struct {
	experiment, model, runID string
	params, tags             map[string]string
	start, end               time.Time
	files                    map[string]string // artifact path → sha256
	bundleFiles              map[string]string // registered directory's files → sha256
}

// writeArtifacts builds a bundle directory with a nested part directory and a 3 MiB file
// (streamed upload), plus a single report file.
func writeArtifacts(t *testing.T) (bundle, report string, f fixture) {
	t.Helper()
	dir := t.TempDir()
	bundle = filepath.Join(dir, "bundle")
	big := make([]byte, 3<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	contents := map[string][]byte{
		"manifest.json":                  []byte(`{"version":1}`),
		"parts/famd_model.npz":           []byte("PK\x03\x04 famd"),
		"parts/nested/hdbscan_model.npz": big,
		"with space & ü.txt":             []byte("names are escaped"),
	}
	f.files, f.bundleFiles = map[string]string{}, map[string]string{}
	for rel, b := range contents {
		p := filepath.Join(bundle, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		f.files["model/"+rel] = hex.EncodeToString(sum[:])
		f.bundleFiles[rel] = hex.EncodeToString(sum[:])
	}
	report = filepath.Join(dir, "report.md")
	if err := os.WriteFile(report, []byte("# refit report\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("# refit report\n"))
	f.files["reports/report.md"] = hex.EncodeToString(sum[:])
	return bundle, report, f
}

// exercise logs a complete refit-like run through tr and registers it as champion.
func exercise(t *testing.T, tr tracking.Tracker) fixture {
	t.Helper()
	ctx := context.Background()
	bundle, report, f := writeArtifacts(t)
	f.experiment = "storeseg-it-" + suffix(t)
	f.model = "storeseg-it-" + suffix(t)
	expID, err := tr.EnsureExperiment(ctx, f.experiment)
	if err != nil {
		t.Fatalf("EnsureExperiment: %v", err)
	}
	if again, err := tr.EnsureExperiment(ctx, f.experiment); err != nil || again != expID {
		t.Fatalf("EnsureExperiment again = %q, %v; want %q", again, err, expID)
	}
	f.start = time.UnixMilli(time.Now().Add(-time.Minute).UnixMilli())
	run, err := tr.CreateRun(ctx, expID, tracking.RunSpec{Name: "refit-it", StartTime: f.start,
		Tags: map[string]string{"storeseg.stage": "integration", tracking.TagSourceType: "JOB"}})
	if err != nil {
		t.Fatalf("CreateRun: %v", err)
	}
	f.runID = run.ID
	var b tracking.Batch
	f.params = map[string]string{}
	for i := range 150 { // two requests' worth of params
		k, v := fmt.Sprintf("famd.param_%03d", i), strconv.Itoa(i*i)
		b.Params = append(b.Params, tracking.Param{Key: k, Value: v})
		f.params[k] = v
	}
	f.tags = map[string]string{"storeseg.stage": "integration", tracking.TagSourceType: "JOB", tracking.TagRunName: "refit-it"}
	for i := range 120 {
		k := fmt.Sprintf("segment/%d:name", i)
		b.Tags = append(b.Tags, tracking.Tag{Key: k, Value: "seg " + strconv.Itoa(i)})
		f.tags[k] = "seg " + strconv.Itoa(i)
	}
	base := time.UnixMilli(f.start.UnixMilli() + 1000)
	for step := range int64(1500) { // two requests' worth of metrics
		b.Metrics = append(b.Metrics, tracking.Metric{Key: "tune/dbcv", Value: float64(step) / 1000,
			Timestamp: base.Add(time.Duration(step) * time.Millisecond), Step: step})
	}
	b.Metrics = append(b.Metrics,
		tracking.Metric{Key: "silhouette", Value: 0.25, Timestamp: base, Step: 0},
		tracking.Metric{Key: "noise_share", Value: math.NaN(), Timestamp: base, Step: 0})
	if err := tr.LogBatch(ctx, run.ID, b); err != nil {
		t.Fatalf("LogBatch: %v", err)
	}
	if err := tr.LogArtifacts(ctx, run.ID, bundle, "model"); err != nil {
		t.Fatalf("LogArtifacts(dir): %v", err)
	}
	if err := tr.LogArtifacts(ctx, run.ID, report, "reports"); err != nil {
		t.Fatalf("LogArtifacts(file): %v", err)
	}
	f.end = time.UnixMilli(time.Now().UnixMilli())
	if err := tr.EndRun(ctx, run.ID, tracking.StatusFinished, f.end); err != nil {
		t.Fatalf("EndRun: %v", err)
	}
	registerChampion(t, tr, f)
	return f
}

func registerChampion(t *testing.T, tr tracking.Tracker, f fixture) {
	t.Helper()
	ctx := context.Background()
	if _, err := tr.ModelVersionByAlias(ctx, f.model, "champion"); !errors.Is(err, tracking.ErrNotFound) {
		t.Fatalf("ModelVersionByAlias before registration: err = %v; want ErrNotFound", err)
	}
	mv, err := tr.RegisterModelVersion(ctx, f.model, f.runID, "model")
	if err != nil {
		t.Fatalf("RegisterModelVersion: %v", err)
	}
	if mv.Version != "1" {
		t.Fatalf("first version = %q; want 1", mv.Version)
	}
	if _, err := tr.ModelVersionByAlias(ctx, f.model, "champion"); !errors.Is(err, tracking.ErrNotFound) {
		t.Fatalf("ModelVersionByAlias before SetAlias: err = %v; want ErrNotFound", err)
	}
	if err := tr.SetAlias(ctx, f.model, "champion", mv.Version); err != nil {
		t.Fatalf("SetAlias: %v", err)
	}
	champ, err := tr.ModelVersionByAlias(ctx, f.model, "champion")
	if err != nil {
		t.Fatalf("ModelVersionByAlias: %v", err)
	}
	if champ.Version != "1" || champ.RunID != f.runID || champ.Source != mv.Source {
		t.Fatalf("champion = %+v; want version 1 of run %s, source %s", champ, f.runID, mv.Source)
	}
	run, err := tr.Run(ctx, champ.RunID)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := run.Metrics["tune/dbcv"]; got.Step != 1499 || got.Value != 1.499 {
		t.Errorf("champion's latest tune/dbcv = %+v; want step 1499, value 1.499", got)
	}
	if got := run.Metrics["noise_share"].Value; !math.IsNaN(got) {
		t.Errorf("noise_share = %v; want NaN", got)
	}
	if diff := cmp.Diff(f.params, run.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
}

// readback is the JSON printed by testdata/readback.py.
type readback struct {
	MLflowVersion string `json:"mlflow_version"`
	Experiment    struct {
		Name           string `json:"name"`
		LifecycleStage string `json:"lifecycle_stage"`
	} `json:"experiment"`
	Run struct {
		RunID         string             `json:"run_id"`
		RunName       string             `json:"run_name"`
		Status        string             `json:"status"`
		StartTime     int64              `json:"start_time"`
		EndTime       int64              `json:"end_time"`
		Params        map[string]string  `json:"params"`
		Tags          map[string]string  `json:"tags"`
		Metrics       map[string]any     `json:"metrics"`
		MetricHistory map[string][][]any `json:"metric_history"`
	} `json:"run"`
	RunFiles     map[string]string `json:"run_files_sha256"`
	ModelVersion struct {
		Version string   `json:"version"`
		RunID   string   `json:"run_id"`
		Status  string   `json:"status"`
		Aliases []string `json:"aliases"`
	} `json:"model_version"`
	ModelFiles map[string]string `json:"model_files_sha256"`
}

func runReadback(t *testing.T, uri string, env []string, f fixture) readback {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mlflowPython(t), filepath.Join("testdata", "readback.py"),
		"--tracking-uri", uri, "--run-id", f.runID, "--model", f.model, "--alias", "champion")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("readback.py: %v\n%s", err, stderr.String())
	}
	var rb readback
	if err := json.Unmarshal(out, &rb); err != nil {
		t.Fatalf("decoding readback.py output: %v\n%s", err, out)
	}
	return rb
}

// checkReadback compares what MLflow's Python client read with what exercise logged.
func checkReadback(t *testing.T, rb readback, f fixture) {
	t.Helper()
	if rb.Experiment.Name != f.experiment || rb.Experiment.LifecycleStage != "active" {
		t.Errorf("experiment = %+v; want active %q", rb.Experiment, f.experiment)
	}
	r := rb.Run
	if r.RunID != f.runID || r.RunName != "refit-it" || r.Status != "FINISHED" {
		t.Errorf("run = %s %q %s; want %s \"refit-it\" FINISHED", r.RunID, r.RunName, r.Status, f.runID)
	}
	if r.StartTime != f.start.UnixMilli() || r.EndTime != f.end.UnixMilli() {
		t.Errorf("run times = %d..%d; want %d..%d", r.StartTime, r.EndTime, f.start.UnixMilli(), f.end.UnixMilli())
	}
	if diff := cmp.Diff(f.params, r.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	for k, v := range f.tags {
		if r.Tags[k] != v {
			t.Errorf("tag %q = %q; want %q", k, r.Tags[k], v)
		}
	}
	wantMetrics := map[string]any{"tune/dbcv": 1.499, "silhouette": 0.25, "noise_share": "NaN"}
	if diff := cmp.Diff(wantMetrics, r.Metrics); diff != "" {
		t.Errorf("latest metrics (-want +got):\n%s", diff)
	}
	if h := r.MetricHistory["tune/dbcv"]; len(h) != 1500 {
		t.Errorf("tune/dbcv history has %d points; want 1500", len(h))
	} else if h[7][0] != 7.0 || h[7][2] != 0.007 {
		t.Errorf("tune/dbcv history[7] = %v; want step 7, value 0.007", h[7])
	}
	if diff := cmp.Diff(f.files, rb.RunFiles); diff != "" {
		t.Errorf("run artifacts downloaded by MLflow (-want +got):\n%s", diff)
	}
	mv := rb.ModelVersion
	if mv.Version != "1" || mv.RunID != f.runID || mv.Status != "READY" || !cmp.Equal(mv.Aliases, []string{"champion"}) {
		t.Errorf("model version = %+v; want READY version 1 of run %s with alias champion", mv, f.runID)
	}
	if diff := cmp.Diff(f.bundleFiles, rb.ModelFiles); diff != "" {
		t.Errorf("files of models:/%s@champion (-want +got):\n%s", f.model, diff)
	}
}

func TestClientAgainstMLflowServer(t *testing.T) {
	uri := trackingURI(t)
	c, err := tracking.NewClient(tracking.DefaultConfig(uri), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := exercise(t, c)
	rb := runReadback(t, uri, nil, f)
	checkReadback(t, rb, f)

	// Server-side validation surfaces as a typed error: params are immutable.
	err = c.LogBatch(context.Background(), f.runID, tracking.Batch{Params: []tracking.Param{{Key: "famd.param_001", Value: "changed"}}})
	if !errors.Is(err, tracking.ErrInvalidParameter) {
		t.Errorf("changing a param: err = %v; want ErrInvalidParameter", err)
	}
}

func TestFileStoreReadByMLflow(t *testing.T) {
	mlflowPython(t) // skip early without the venv
	s, err := tracking.OpenFileStore(filepath.Join(t.TempDir(), "mlruns"))
	if err != nil {
		t.Fatal(err)
	}
	f := exercise(t, s)
	rb := runReadback(t, s.URI(), []string{"MLFLOW_ALLOW_FILE_STORE=true"}, f)
	checkReadback(t, rb, f)
}
