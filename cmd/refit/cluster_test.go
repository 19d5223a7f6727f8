package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storeseg/storeseg/table"
)

func TestClusterCommand(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	in := filepath.Join(dir, "stores.csv")
	if err := run(ctx, []string{"generate", "--stores", "1200", "--out", in}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"famd", "--input", in, "--out", dir}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	out := filepath.Join(dir, "cl")
	err := run(ctx, []string{"cluster", "--input", filepath.Join(dir, "coordinates.csv"), "--out", out,
		"--min-cluster-size", "20", "--min-samples", "10"}, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := table.ReadMatrix(ctx, filepath.Join(out, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if r, c := labels.X.Dims(); r != 1200 || c != 3 {
		t.Fatalf("labels.csv is %d×%d; want 1200×3 (label, probability, outlier_score)", r, c)
	}
	var sum clusterSummary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	total := sum.Noise
	for _, s := range sum.Sizes {
		total += s
	}
	if sum.Clusters < 2 || total != 1200 || sum.DBCV == nil || !strings.Contains(stdout.String(), "DBCV") {
		t.Errorf("summary %+v; want ≥ 2 clusters, sizes and noise adding up to 1200, a DBCV\n%s", sum, stdout.String())
	}
	for i := range 1200 {
		if l := int(labels.X.At(i, 0)); l < -1 || l >= sum.Clusters {
			t.Fatalf("row %d label %d outside [-1, %d)", i, l, sum.Clusters)
		}
	}
}

func TestClusterCommandErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("id,x\na,1\nb,oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"cluster", "--input", bad},
		{"cluster", "--input", bad, "--out", dir, "--method", "kmeans"},
		{"cluster", "--input", bad, "--out", dir, "--min-cluster-size", "1"},
		{"cluster", "--input", bad, "--out", dir},
	} {
		if err := run(context.Background(), args, new(bytes.Buffer)); err == nil {
			t.Errorf("run(%q) succeeded; want an error", args)
		}
	}
}
