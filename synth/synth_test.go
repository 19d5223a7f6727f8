package synth_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

func generate(t *testing.T, cfg synth.Config, dir, data, truth string) (synth.Summary, string, string) {
	t.Helper()
	dp, tp := filepath.Join(dir, data), ""
	if truth != "" {
		tp = filepath.Join(dir, truth)
	}
	sum, err := synth.Generate(context.Background(), cfg, dp, tp)
	if err != nil {
		t.Fatal(err)
	}
	return sum, dp, tp
}

func schema() table.Schema {
	return table.Schema{ID: synth.IDColumn, Numeric: synth.NumNames(), Categorical: synth.CatNames()}
}

func TestDeterministic(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Stores = 1500
	for _, ext := range []string{".csv", ".parquet"} {
		_, a, at := generate(t, cfg, t.TempDir(), "s"+ext, "t"+ext)
		_, b, bt := generate(t, cfg, t.TempDir(), "s"+ext, "t"+ext)
		for _, p := range [][2]string{{a, b}, {at, bt}} {
			x, _ := os.ReadFile(p[0])
			y, _ := os.ReadFile(p[1])
			if len(x) == 0 || !bytes.Equal(x, y) {
				t.Errorf("%s: two runs with the same seed differ (%d and %d bytes)", ext, len(x), len(y))
			}
		}
	}
	cfg.Seed = 2
	_, c, _ := generate(t, cfg, t.TempDir(), "s.csv", "")
	_, a, _ := generate(t, synth.Config{Stores: 1500, Seed: 1, OutlierShare: 0.03, MissingShare: 0.02}, t.TempDir(), "s.csv", "")
	x, _ := os.ReadFile(a)
	y, _ := os.ReadFile(c)
	if bytes.Equal(x, y) {
		t.Error("seeds 1 and 2 gave the same table")
	}
}

// TestReadable reads the CSV and Parquet outputs back with table and checks they agree with
// each other and with Generator.Store.
func TestReadable(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Stores = 800
	dir := t.TempDir()
	_, csvPath, truthPath := generate(t, cfg, dir, "s.csv", "t.parquet")
	_, pqPath, _ := generate(t, cfg, dir, "s.parquet", "")
	fc, err := table.Read(context.Background(), csvPath, schema())
	if err != nil {
		t.Fatal(err)
	}
	fp, err := table.Read(context.Background(), pqPath, schema())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(fc, fp, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("CSV and Parquet read back differently (-csv +parquet):\n%s", d)
	}
	truth, err := table.Read(context.Background(), truthPath, table.Schema{ID: synth.IDColumn, Categorical: []string{synth.ArchetypeColumn}})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := synth.New(cfg)
	for _, i := range []int{0, 1, 399, 799} {
		s := g.Store(i)
		want := frame.Record{Num: s.Num, Cat: s.Cat}
		if d := cmp.Diff(want, fc.Row(i), cmpopts.EquateNaNs()); d != "" || fc.IDs[i] != s.ID {
			t.Errorf("row %d differs from Store(%d) (-store +file):\n%s", i, i, d)
		}
		if got := truth.Levels[0][truth.Cat[0][i]]; got != s.Archetype {
			t.Errorf("truth row %d = %q; want %q", i, got, s.Archetype)
		}
	}
}

func TestShares(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Stores = 20000
	g, err := synth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	missing, cells := 0, 0
	levels := map[string]bool{}
	var s synth.Store
	for i := range cfg.Stores {
		g.StoreTo(&s, i)
		counts[s.Archetype]++
		for _, v := range s.Num {
			if math.IsNaN(v) {
				missing++
			}
		}
		for q, v := range s.Cat {
			if v == "" {
				missing++
			} else {
				levels[synth.CatNames()[q]+"="+v] = true
			}
		}
		cells += len(s.Num) + len(s.Cat)
	}
	n := float64(cfg.Stores)
	if got := float64(counts[synth.Outlier]) / n; math.Abs(got-0.03) > 0.006 {
		t.Errorf("outlier share = %.4f; want 0.03 ± 0.006", got)
	}
	if got := float64(missing) / float64(cells); math.Abs(got-0.02) > 0.003 {
		t.Errorf("missing share = %.4f; want 0.02 ± 0.003", got)
	}
	if len(levels) < 55 || len(levels) > 60 {
		t.Errorf("%d distinct levels; want about 60", len(levels))
	}
	if len(counts) != len(synth.Archetypes()) {
		t.Errorf("archetypes generated: %v; want all of %v", counts, synth.Archetypes())
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []synth.Config{{}, {Stores: 1, OutlierShare: -0.1}, {Stores: 1, MissingShare: 0.6}, {Stores: 1, OutlierShare: math.NaN()}} {
		if _, err := synth.New(c); err == nil {
			t.Errorf("New(%+v) succeeded; want an error", c)
		}
	}
	if _, err := synth.New(synth.Config{Stores: 1}); err != nil {
		t.Errorf("New(1 store, no outliers, no missing) error = %v", err)
	}
}
