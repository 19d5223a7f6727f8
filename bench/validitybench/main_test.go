package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeData(t *testing.T, x []float64, labels []int64) (string, string) {
	t.Helper()
	dir := t.TempDir()
	xb := make([]byte, 8*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint64(xb[8*i:], math.Float64bits(v))
	}
	lb := make([]byte, 8*len(labels))
	for i, v := range labels {
		binary.LittleEndian.PutUint64(lb[8*i:], uint64(v))
	}
	xp, lp := filepath.Join(dir, "x.f64"), filepath.Join(dir, "y.i64")
	if err := os.WriteFile(xp, xb, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lp, lb, 0o600); err != nil {
		t.Fatal(err)
	}
	return xp, lp
}

func TestRun(t *testing.T) {
	// The DBCV example of model/validity: 8/9 per cluster, 6/7 of the points in clusters.
	xp, lp := writeData(t, []float64{0, 1, 2, 12, 13, 14, 100}, []int64{0, 0, 0, 1, 1, 1, -1})
	for _, tt := range []struct {
		metric string
		want   float64
	}{
		{"dbcv", 6.0 / 7 * 8 / 9},
		{"silhouette", 0}, // checked for range only below
	} {
		var out bytes.Buffer
		args := []string{"-metric", tt.metric, "-x", xp, "-labels", lp, "-n", "7", "-d", "1", "-workers", "2"}
		if err := run(context.Background(), args, &out); err != nil {
			t.Fatalf("run %s: %v", tt.metric, err)
		}
		var res result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("decoding %q: %v", out.String(), err)
		}
		if res.Metric != tt.metric || res.N != 7 || res.PeakRSSBytes <= 0 || res.Seconds < 0 {
			t.Errorf("result = %+v", res)
		}
		if tt.metric == "dbcv" && math.Abs(res.Value-tt.want) > 1e-15 {
			t.Errorf("dbcv = %v; want %v", res.Value, tt.want)
		}
		if tt.metric == "silhouette" && !(res.Value > 0.5 && res.Value <= 1) {
			t.Errorf("silhouette = %v; want a clear clustering score", res.Value)
		}
	}
}

func TestRunErrors(t *testing.T) {
	xp, lp := writeData(t, []float64{0, 1, 2}, []int64{0, 0, 1})
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-x", xp, "-labels", lp, "-n", "4", "-d", "1"}, "files hold 24 and 24 bytes"},
		{[]string{"-x", xp, "-labels", lp, "-n", "3"}, "required"},
		{[]string{"-metric", "nope", "-x", xp, "-labels", lp, "-n", "3", "-d", "1"}, "unknown metric"},
		{[]string{"-x", xp, "-labels", lp, "-n", "3", "-d", "1"}, "single point"},
	} {
		err := run(context.Background(), tt.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%q) error = %v; want it to mention %q", tt.args, err, tt.want)
		}
	}
}
