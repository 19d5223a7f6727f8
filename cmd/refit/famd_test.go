package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storeseg/storeseg/table"
)

func TestFAMDCommand(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "stores.csv"), filepath.Join(dir, "famd")
	ctx := context.Background()
	if err := run(ctx, []string{"generate", "--stores", "800", "--out", in}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	if err := run(ctx, []string{"famd", "--input", in, "--out", out, "--n-components", "4"}, &stdout); err != nil {
		t.Fatal(err)
	}
	if s := stdout.String(); !strings.Contains(s, "FAMD of 800 stores") || !strings.Contains(s, "4 components kept") {
		t.Errorf("summary lacks the store and component counts:\n%s", s)
	}
	coord, err := table.ReadMatrix(ctx, filepath.Join(out, "coordinates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if r, c := coord.X.Dims(); r != 800 || c != 4 || coord.Names[0] != "famd_1" || coord.IDName != "store_id" {
		t.Fatalf("coordinates.csv is %d×%d with columns %v, id %q; want 800×4 famd_1…", r, c, coord.Names, coord.IDName)
	}
	ev, err := table.ReadMatrix(ctx, filepath.Join(out, "eigenvalues.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Principal coordinates: component c has variance λ_c (row weights 1/n).
	for c := range 4 {
		var mean, ss float64
		for i := range 800 {
			mean += coord.X.At(i, c) / 800
		}
		for i := range 800 {
			d := coord.X.At(i, c) - mean
			ss += d * d / 800
		}
		if lambda := ev.X.At(c, 0); math.Abs(ss-lambda) > 1e-9*lambda {
			t.Errorf("component %d variance = %v; want eigenvalue %v", c+1, ss, lambda)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "variables.csv")); err != nil {
		t.Error(err)
	}
}

func TestFAMDCommandErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "stores.csv")
	if err := os.WriteFile(in, []byte("store_id,x\nA,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badCfg, []byte("id: store_id\nnumeric:\n  - {name: x, tranform: log1p}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"famd", "--out", dir}, "-input and -out are required"},
		{"missing column", []string{"famd", "--input", in, "--out", dir}, "revenue_12m"},
		{"config typo", []string{"famd", "--input", in, "--config", badCfg, "--out", dir}, "tranform"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, new(bytes.Buffer))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%v) error = %v; want one mentioning %q", tc.args, err, tc.want)
			}
			var ee *exitError
			if tc.name != "missing column" && !errors.As(err, &ee) {
				t.Errorf("run(%v) error %v is not a usage error", tc.args, err)
			}
		})
	}
}
