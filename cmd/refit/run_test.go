package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
	"github.com/storeseg/storeseg/tracking"
)

// generated writes n synthetic stores and their truth into dir.
func generated(t *testing.T, dir string, n int) (stores, truth string) {
	t.Helper()
	stores, truth = filepath.Join(dir, "stores.csv"), filepath.Join(dir, "truth.csv")
	if _, err := synth.Generate(context.Background(), synth.Config{Stores: n, Seed: 21, OutlierShare: 0.03, MissingShare: 0.02}, stores, truth); err != nil {
		t.Fatal(err)
	}
	return stores, truth
}

// clustered reads final_clustered_stores.parquet.
func clustered(t *testing.T, path string, k int) *frame.Frame {
	t.Helper()
	num := []string{"cluster", "probability", "outlier_score", "segment_id", "confidence"}
	num = append(num, componentNames(k)...)
	f, err := table.Read(context.Background(), path, table.Schema{ID: "store_id", Numeric: num,
		Categorical: []string{"segment_name", "assignment_source", "model_version", "format"}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// adjustedRand is the adjusted Rand index of two labelings (Hubert & Arabie 1985).
func adjustedRand(a, b []int) float64 {
	type pair struct{ x, y int }
	ct, ra, rb := map[pair]int{}, map[int]int{}, map[int]int{}
	for i := range a {
		ct[pair{a[i], b[i]}]++
		ra[a[i]]++
		rb[b[i]]++
	}
	c2 := func(k int) float64 { return float64(k) * float64(k-1) / 2 }
	var s, sa, sb float64
	for _, v := range ct {
		s += c2(v)
	}
	for _, v := range ra {
		sa += c2(v)
	}
	for _, v := range rb {
		sb += c2(v)
	}
	exp := sa * sb / c2(len(a))
	return (s - exp) / ((sa+sb)/2 - exp)
}

func TestRunEndToEnd(t *testing.T) {
	dir := t.TempDir()
	stores, truthPath := generated(t, dir, 3000)
	out, mlruns := filepath.Join(dir, "out"), filepath.Join(dir, "mlruns")
	var stdout bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"run", "--input", stores, "--out", out, "--tracking-uri", mlruns}, &stdout); err != nil {
		t.Fatalf("refit run: %v\n%s", err, stdout.String())
	}
	data, err := os.ReadFile(filepath.Join(out, bundleFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := model.Load(data)
	if err != nil {
		t.Fatalf("the written bundle does not load: %v", err)
	}
	f := clustered(t, filepath.Join(out, clusteredFile), b.Manifest().Components)
	truth, err := table.Read(ctx, truthPath, table.Schema{ID: "store_id", Categorical: []string{"archetype"}})
	if err != nil {
		t.Fatal(err)
	}
	seg := f.Num[3]
	var got, want []int
	for i := range f.IDs {
		if math.IsNaN(seg[i]) || f.Cat[0][i] == frame.Missing || f.Levels[2][f.Cat[2][i]] != b.Version() {
			t.Fatalf("store %s has no segment, name or model version", f.IDs[i])
		}
		if arch := truth.Levels[0][truth.Cat[0][i]]; arch != synth.Outlier {
			got, want = append(got, int(seg[i])), append(want, int(truth.Cat[0][i]))
		}
	}
	// The archetypes are recovered: ARI of the final segments against the true archetypes
	// (outliers left out) above 0.7 (measured 0.81 for 2,000–100,000 generated stores).
	if ari := adjustedRand(got, want); ari < 0.7 {
		t.Errorf("adjusted Rand index against the true archetypes = %.3f; want > 0.7", ari)
	}
	// The MLflow run holds the metrics and the registered champion.
	fs, err := tracking.OpenFileStore(mlruns)
	if err != nil {
		t.Fatal(err)
	}
	mv, err := fs.ModelVersionByAlias(ctx, "storeseg", "champion")
	if err != nil {
		t.Fatal(err)
	}
	r, err := fs.Run(ctx, mv.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Metrics["dbcv"].Value != b.Manifest().Metrics["dbcv"] || r.Params["famd.n_components"] != "4" || r.Tags["storeseg.model_version"] != b.Version() {
		t.Errorf("MLflow run = metrics %v params famd.n_components=%q tags %v; want the bundle's", r.Metrics, r.Params["famd.n_components"], r.Tags)
	}
	for _, p := range []string{"report/report.md", "report/famd_plane.png", championFile, metricsFile, transitionsFN} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Error(err)
		}
	}

	// A second refit on slightly changed data keeps most segment ids.
	changed := filepath.Join(dir, "changed.csv")
	nudge(t, stores, changed)
	stdout.Reset()
	if err := run(ctx, []string{"run", "--input", changed, "--out", out, "--tracking-uri", mlruns}, &stdout); err != nil {
		t.Fatalf("second refit: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "matched to previous model "+b.Version()) {
		t.Errorf("second refit did not use the champion:\n%s", stdout.String())
	}
	f2 := clustered(t, filepath.Join(out, clusteredFile), b.Manifest().Components)
	same := 0
	for i := range f.IDs {
		if f.Num[3][i] == f2.Num[3][i] {
			same++
		}
	}
	if share := float64(same) / float64(len(f.IDs)); share < 0.9 {
		t.Errorf("%.1f%% of stores kept their segment id after a 1%% change; want ≥ 90%%", 100*share)
	}
}

// nudge copies a store table, scaling every numeric value by up to −1%.
func nudge(t *testing.T, in, out string) {
	t.Helper()
	cfg := config.Default()
	f, err := table.Read(context.Background(), in, cfg.Schema())
	if err != nil {
		t.Fatal(err)
	}
	cols := []table.Column{{Name: f.IDName, Type: table.String}}
	for _, n := range f.NumNames {
		cols = append(cols, table.Column{Name: n, Type: table.Float64})
	}
	for _, n := range f.CatNames {
		cols = append(cols, table.Column{Name: n, Type: table.String})
	}
	w, err := table.Create(out, table.CSV, cols)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range f.IDs {
		w.String(0, id)
		for j, col := range f.Num {
			w.Float64(1+j, col[i]*(1-0.01*math.Abs(math.Sin(float64(i+j)))))
		}
		for q, col := range f.Cat {
			if c := col[i]; c != frame.Missing {
				w.String(1+len(f.Num)+q, f.Levels[q][c])
			}
		}
		if err := w.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRunIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	stores, _ := generated(t, dir, 1500)
	var outs [2][2][]byte
	for k := range outs {
		out := filepath.Join(dir, "out", string(rune('a'+k)))
		if err := run(context.Background(), []string{"run", "--input", stores, "--out", out, "--no-tracking"}, new(bytes.Buffer)); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{bundleFile, clusteredFile} {
			b, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			outs[k][i] = b
		}
	}
	if !bytes.Equal(outs[0][0], outs[1][0]) || !bytes.Equal(outs[0][1], outs[1][1]) {
		t.Error("two refits of the same snapshot and config wrote different bundles or parquets")
	}
}

// writeConfig writes the default config changed by edit.
func writeConfig(t *testing.T, dir string, edit func(*config.Config)) string {
	t.Helper()
	c := config.Default()
	edit(c)
	b, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(p); err != nil {
		t.Fatalf("test config does not load: %v", err)
	}
	return p
}

func TestRunFailures(t *testing.T) {
	t.Setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
	dir := t.TempDir()
	stores, _ := generated(t, dir, 600)
	header := filepath.Join(dir, "empty.csv")
	b, _ := os.ReadFile(stores)
	if err := os.WriteFile(header, b[:bytes.IndexByte(b, '\n')+1], 0o644); err != nil {
		t.Fatal(err)
	}
	few := filepath.Join(dir, "few.csv")
	lines := bytes.SplitAfterN(b, []byte("\n"), 5)
	if err := os.WriteFile(few, bytes.Join(lines[:4], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		cfg      func(*config.Config)
		code     int
		want     string
		artifact bool // the artifacts must be on disk anyway
	}{
		{name: "empty snapshot", args: []string{"--input", header}, code: 1, want: "no stores"},
		{name: "fewer stores than min_cluster_size", args: []string{"--input", few}, code: 1, want: "fewer points than MinClusterSize"},
		{name: "missing column", args: []string{"--input", stores}, code: 2, want: "not_a_column",
			cfg: func(c *config.Config) { c.Numeric = append(c.Numeric, config.Numeric{Name: "not_a_column"}) }},
		{name: "everything noise", args: []string{"--input", stores}, code: 1, want: "every store is noise",
			cfg: func(c *config.Config) { c.HDBSCAN.MinClusterShare, c.HDBSCAN.MinSamples = 0.5, 200 }},
		{name: "gate", args: []string{"--input", stores}, code: exitGate, want: "quality gate", artifact: true,
			cfg: func(c *config.Config) { c.Gate.MinClusters = 50 }},
		{name: "unreachable MLflow", args: []string{"--input", stores, "--tracking-uri", "http://127.0.0.1:1"}, code: exitTracking,
			want: "MLflow", artifact: true},
		{name: "unreachable Kafka (publish)", args: []string{"--input", stores, "--brokers", "127.0.0.1:1", "--kafka-timeout", "2s", "--no-tracking"},
			code: exitPublish, want: "publishing", artifact: true},
		{name: "unreachable Kafka (snapshot)", args: []string{"--from-topic", "store-state", "--brokers", "127.0.0.1:1", "--kafka-timeout", "2s"},
			code: 1, want: "reading the snapshot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := t.TempDir()
			out := filepath.Join(sub, "out")
			args := append([]string{"run", "--out", out, "--previous", "none"}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "tracking") {
				args = append(args, "--tracking-uri", filepath.Join(sub, "mlruns"))
			}
			if tc.cfg != nil {
				args = append(args, "--config", writeConfig(t, sub, tc.cfg))
			}
			err := run(context.Background(), args, new(bytes.Buffer))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("refit run error = %v; want one mentioning %q", err, tc.want)
			}
			code := 1
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			}
			if code != tc.code {
				t.Errorf("exit code %d; want %d (%v)", code, tc.code, err)
			}
			_, statErr := os.Stat(filepath.Join(out, bundleFile))
			if tc.artifact && statErr != nil {
				t.Errorf("artifacts lost: %v", statErr)
			}
			if _, err := os.Stat(filepath.Join(out, championFile)); tc.name == "gate" && err == nil {
				t.Error("a model that failed its gate became the local champion")
			}
		})
	}
}

// TestRunAboveExactMetrics covers snapshots larger than metrics.exact_max: DBCV is not
// computed (null in metrics.json), the silhouette is sampled.
func TestRunAboveExactMetrics(t *testing.T) {
	dir := t.TempDir()
	stores, _ := generated(t, dir, 1500)
	out := filepath.Join(dir, "out")
	cfg := writeConfig(t, dir, func(c *config.Config) { c.Metrics.ExactMax = 400 })
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"run", "--input", stores, "--out", out, "--config", cfg, "--no-tracking"}, &stdout); err != nil {
		t.Fatalf("refit run: %v\n%s", err, stdout.String())
	}
	b, err := os.ReadFile(filepath.Join(out, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Metrics map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Metrics["dbcv"] != nil || doc.Metrics["silhouette_stores"] != 400.0 {
		t.Errorf("metrics.json = %v; want dbcv null and a 400-store silhouette sample", doc.Metrics)
	}
}
