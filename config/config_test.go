package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model/preprocess"
	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

const example = `
id: store_id
numeric:
  - name: revenue_12m
    transform: log1p
    impute: median
    min: 0
  - name: sales_area_m2
categorical:
  - name: format
    missing: category
    min_frequency: 0.01
  - name: region
    missing: mode
famd:
  n_components: 5
  unseen: zero
`

func TestParse(t *testing.T) {
	c, err := config.Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	zero, half := 0.0, 0.5
	want := &config.Config{
		Version: 1, ID: "store_id",
		Numeric: []config.Numeric{
			{Name: "revenue_12m", Transform: "log1p", Impute: "median", Min: &zero},
			{Name: "sales_area_m2", Transform: "none", Impute: "median"},
		},
		Categorical: []config.Categorical{
			{Name: "format", Missing: "category", MinFrequency: 0.01},
			{Name: "region", Missing: "mode"},
		},
		FAMD:    config.FAMD{NComponents: 5, Unseen: "zero"},
		HDBSCAN: config.HDBSCAN{MinClusterSize: 5, Alpha: 1, Method: "eom"},
		Forest: config.Forest{CoreThreshold: &half, NEstimators: 100, MaxFeatures: "sqrt", MinSamplesSplit: 2,
			MinSamplesLeaf: 1, ClassWeight: "none"},
		Segments: config.Segments{MinJaccard: 0.3, FlowShare: 0.2, NameTraits: 3, MinEffect: 0.5},
		Metrics:  config.Metrics{ExactMax: 20000},
		Drift:    config.Drift{Bins: 10},
	}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", d)
	}
	wantSchema := table.Schema{ID: "store_id", Numeric: []string{"revenue_12m", "sales_area_m2"},
		Categorical: []string{"format", "region"}}
	if d := cmp.Diff(wantSchema, c.Schema()); d != "" {
		t.Errorf("Schema mismatch (-want +got):\n%s", d)
	}
	wantSpec := preprocess.Spec{
		Numeric: []preprocess.NumericSpec{
			{Name: "revenue_12m", Transform: preprocess.Log1p, Impute: preprocess.Median, Min: &zero},
			{Name: "sales_area_m2"},
		},
		Categorical: []preprocess.CategoricalSpec{
			{Name: "format", MinFrequency: 0.01},
			{Name: "region", Missing: preprocess.Mode},
		},
	}
	if d := cmp.Diff(wantSpec, c.PreprocessSpec()); d != "" {
		t.Errorf("PreprocessSpec mismatch (-want +got):\n%s", d)
	}
	if err := c.PreprocessSpec().Validate(); err != nil {
		t.Error(err)
	}
}

func TestHash(t *testing.T) {
	a, err := config.Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	// The same config with defaults spelled out, flow style, other key order and comments.
	same := `# comment
famd: {unseen: zero, n_components: 5}
version: 1
categorical:
  - {name: format, min_frequency: 0.01}
  - {missing: mode, name: region, min_frequency: 0}
id: store_id
numeric:
  - {name: revenue_12m, transform: log1p, min: 0.0}
  - {name: sales_area_m2, transform: none, impute: median}
`
	b, err := config.Parse([]byte(same))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Errorf("equal configs hash differently: %s vs %s", a.Hash(), b.Hash())
	}
	c, _ := config.Parse([]byte(strings.Replace(example, "n_components: 5", "n_components: 6", 1)))
	if c.Hash() == a.Hash() {
		t.Error("different configs hash equal")
	}
	if len(a.Hash()) != 64 {
		t.Errorf("Hash() = %q; want 64 hex digits", a.Hash())
	}
	// The normalised YAML parses back to the same config.
	y, err := a.YAML()
	if err != nil {
		t.Fatal(err)
	}
	r, err := config.Parse(y)
	if err != nil {
		t.Fatalf("Parse(YAML()) error: %v\n%s", err, y)
	}
	if r.Hash() != a.Hash() {
		t.Errorf("YAML round trip changed the hash:\n%s", y)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // substrings, one per expected problem
	}{
		{"typo", "id: s\nnumeric:\n  - name: x\n    tranform: log1p\n",
			[]string{"line 4: tranform: unknown key (valid keys here: name, transform, impute, min, max)"}},
		{"unknown top-level", "id: s\nnumeric: [{name: x}]\nclustering: {}\n", []string{"line 3: clustering: unknown key"}},
		{"bad model settings", "id: s\nnumeric: [{name: x}]\nhdbscan: {min_cluster_size: 1, method: dbscan}\nforest: {max_features: most, core_threshold: 2}\ngate: {max_noise_share: 3}\n",
			[]string{"hdbscan.min_cluster_size: 1 must be at least 2", "hdbscan.method", "forest.max_features", "forest.core_threshold", "gate.max_noise_share"}},
		{"duplicate key", "id: s\nid: t\nnumeric: [{name: x}]\n", []string{`mapping key "id" already defined at line 1`}},
		{"wrong type", "id: s\nnumeric: [{name: x, min: lots}]\n", []string{"line 2: cannot unmarshal !!str `lots` into float64"}},
		{"bad enum", "id: s\nnumeric:\n  - name: x\n    transform: log2\n",
			[]string{`line 4: numeric[0].transform: unknown value "log2" (want one of ["none" "log1p"])`}},
		{"several", "id: s\nnumeric:\n  - {name: x, impute: max}\ncategorical:\n  - {name: c, missing: drop, min_frequency: 1.5}\n",
			[]string{"line 3: numeric[0].impute", "line 5: categorical[0].missing", "line 5: categorical[0].min_frequency: 1.5 is outside [0, 1)"}},
		{"duplicate feature", "id: s\nnumeric: [{name: x}]\ncategorical: [{name: x}]\n",
			[]string{`line 3: categorical[0].name: feature "x" is already listed under numeric`}},
		{"id as feature", "id: s\nnumeric: [{name: s}]\n", []string{`numeric[0].name: "s" is the id column`}},
		{"no features", "id: s\n", []string{"no features"}},
		{"no id", "numeric: [{name: x}]\n", []string{"id: the store id column must be named"}},
		{"unnamed", "id: s\nnumeric: [{transform: log1p}]\n", []string{"numeric[0].name: the feature needs a name"}},
		{"min above max", "id: s\nnumeric: [{name: x, min: 2, max: 1}]\n", []string{"numeric[0].max: max 1 is below min 2"}},
		{"log1p min", "id: s\nnumeric: [{name: x, transform: log1p, min: -1}]\n", []string{"log1p needs values above -1"}},
		{"both famd", "id: s\nnumeric: [{name: x}]\nfamd: {n_components: 3, min_cumulative_inertia: 80}\n",
			[]string{"line 3: famd.min_cumulative_inertia: set n_components or min_cumulative_inertia, not both"}},
		{"inertia range", "id: s\nnumeric: [{name: x}]\nfamd: {min_cumulative_inertia: 180}\n", []string{"180 is outside (0, 100]"}},
		{"components", "id: s\nnumeric: [{name: x}]\nfamd: {n_components: -2}\n", []string{"-2 must be at least 1"}},
		{"unseen", "id: s\nnumeric: [{name: x}]\nfamd: {unseen: ignore}\n", []string{"famd.unseen: unknown value"}},
		{"version", "version: 2\nid: s\nnumeric: [{name: x}]\n", []string{"line 1: version: unsupported version 2"}},
		{"empty", "", []string{"the config is empty"}},
		{"not a mapping", "- a\n- b\n", []string{"must be a mapping"}},
		{"syntax", "id: [s\n", []string{"config: "}},
		{"two documents", "id: s\nnumeric: [{name: x}]\n---\nid: t\n", []string{"only one YAML document"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml))
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("Parse() error = %v; want config.ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse() error =\n%v\nwant it to contain %q", err, w)
				}
			}
			if n := strings.Count(err.Error(), "config: "); n != len(tt.want) {
				t.Errorf("Parse() reported %d problems; want %d:\n%v", n, len(tt.want), err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seg.yaml")
	if err := os.WriteFile(path, []byte("id: s\nnumeric: [{name: x, impute: maybe}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	if err == nil || !strings.Contains(err.Error(), "config: seg.yaml: line 2: numeric[0].impute") {
		t.Errorf("Load() error = %v; want it to name the file, line and key", err)
	}
	if _, err := config.Load(filepath.Join(dir, "absent.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(absent) error = %v; want os.ErrNotExist", err)
	}
}

// TestDefaultMatchesGenerator checks that the embedded default config describes the columns
// the synthetic generator writes (all but city, which the default leaves out on purpose: its
// 35 levels would each take a FAMD dimension of their own) and that it prepares a generated
// table.
func TestDefaultMatchesGenerator(t *testing.T) {
	c := config.Default()
	cats := slices.DeleteFunc(synth.CatNames(), func(n string) bool { return n == "city" })
	want := table.Schema{ID: synth.IDColumn, Numeric: synth.NumNames(), Categorical: cats}
	if d := cmp.Diff(want, c.Schema()); d != "" {
		t.Errorf("default schema differs from the generator's columns (-generator +default):\n%s", d)
	}
	g, err := synth.New(synth.Config{Stores: 2000, Seed: 4, OutlierShare: 0.03, MissingShare: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	f := generatedFrame(g, 2000)
	if _, _, err := preprocess.Fit(c.PreprocessSpec(), f); err != nil {
		t.Errorf("fitting the default config on generated stores: %v", err)
	}
}
