package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeNpy writes a .npy 1.0 file the way numpy.save does.
func writeNpy(t *testing.T, path, descr string, shape []int, words []uint64) {
	t.Helper()
	dims := make([]string, len(shape))
	for i, s := range shape {
		dims[i] = fmt.Sprint(s)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	h += strings.Repeat(" ", 63-(10+len(h))%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	_ = binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	_ = binary.Write(&b, binary.LittleEndian, words)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	const n = 60
	xs, ys := make([]uint64, 0, 2*n), make([]uint64, 0, n)
	for i := range n {
		c := i % 2
		xs = append(xs, math.Float64bits(float64(c*10+i%7)), math.Float64bits(float64(i%5)))
		ys = append(ys, uint64(c))
	}
	writeNpy(t, filepath.Join(dir, "x.npy"), "<f8", []int{n, 2}, xs)
	writeNpy(t, filepath.Join(dir, "y.npy"), "<i8", []int{n}, ys)
	var out bytes.Buffer
	p := func(name string) string { return filepath.Join(dir, name) }
	args := []string{"-x", p("x.npy"), "-y", p("y.npy"), "-xtest", p("x.npy"), "-ytest", p("y.npy"),
		"-trees", "10", "-oob", "-predict-one", "100", "-workers", "2"}
	if err := run(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if r.NTrain != n || r.NFeatures != 2 || r.NClasses != 2 || r.TestAccuracy == nil || *r.TestAccuracy != 1 ||
		r.OOBScore == nil || r.PredictOneAlloc != 0 || r.Nodes == 0 {
		t.Errorf("result %+v; want 60 samples, 2 features and classes, accuracy 1, an OOB score, 0 allocs", r)
	}
	for _, bad := range [][]string{
		{"-x", p("x.npy")},
		{"-x", p("missing.npy"), "-y", p("y.npy")},
		{"-x", p("y.npy"), "-y", p("y.npy")},
		{"-x", p("x.npy"), "-y", p("x.npy")},
		{"-x", p("x.npy"), "-y", p("y.npy"), "-max-features", "cube"},
	} {
		if err := run(context.Background(), bad, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%q) succeeded; want an error", bad)
		}
	}
}
