package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	out, truth := filepath.Join(dir, "stores.parquet"), filepath.Join(dir, "truth.csv")
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"generate", "--stores", "500", "--seed", "9", "--out", out,
		"--truth", truth, "--outlier-share", "0.1", "--missing-share", "0.05"}, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(synth.Archetypes())+1 {
		t.Errorf("printed %d lines; want one per archetype and a total:\n%s", len(lines), stdout.String())
	}
	for i, a := range synth.Archetypes() {
		if !strings.HasPrefix(lines[i], a) {
			t.Errorf("line %d = %q; want it to start with %s", i, lines[i], a)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "wrote 500 stores to "+out) {
		t.Errorf("last line = %q; want the total", last)
	}
	f, err := table.Read(context.Background(), out, table.Schema{ID: synth.IDColumn, Numeric: synth.NumNames(), Categorical: synth.CatNames()})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := table.Read(context.Background(), truth, table.Schema{ID: synth.IDColumn, Categorical: []string{synth.ArchetypeColumn}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows() != 500 || tr.Rows() != 500 || f.IDs[499] != tr.IDs[499] {
		t.Errorf("read %d stores and %d truths; want 500 each, same ids", f.Rows(), tr.Rows())
	}
	g, _ := synth.New(synth.Config{Stores: 500, Seed: 9, OutlierShare: 0.1, MissingShare: 0.05})
	if s := g.Store(42); f.IDs[42] != s.ID || tr.Levels[0][tr.Cat[0][42]] != s.Archetype {
		t.Errorf("store 42 = %s/%s; want %s/%s", f.IDs[42], tr.Levels[0][tr.Cat[0][42]], s.ID, s.Archetype)
	}
}

func TestGenerateUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"generate"},
		{"generate", "--out", filepath.Join(dir, "x.xlsx")},
		{"generate", "--out", filepath.Join(dir, "x.avro")},
		{"generate", "--out", filepath.Join(dir, "x.csv"), "--stores", "0"},
		{"generate", "--out", filepath.Join(dir, "x.csv"), "--missing-share", "2"},
		{"generate", "--out", filepath.Join(dir, "x.csv"), "extra"},
		{"generate", "--bogus"},
	} {
		err := run(context.Background(), args, &bytes.Buffer{})
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("run(%q) error = %v; want a usage error (exit code 2)", args, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("usage errors left files: %v", entries)
	}
}

func TestGenerateCanceled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, []string{"generate", "--stores", "100", "--out", filepath.Join(dir, "s.csv")}, &bytes.Buffer{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("run(canceled) error = %v; want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a canceled run left files: %v", entries)
	}
}
