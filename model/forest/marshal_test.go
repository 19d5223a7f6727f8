package forest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/forest"
	"github.com/storeseg/storeseg/model/internal/npz"
)

var update = flag.Bool("update", false, "rewrite testdata/forest_golden.npz and forest_golden_proba.json")

// goldenForest trains the forest whose bytes are pinned in testdata/forest_golden.npz.
func goldenForest(t testing.TB) (*forest.Classifier, split) {
	t.Helper()
	s := loadSplit(t, "iris")
	cfg := forest.DefaultConfig()
	cfg.NEstimators, cfg.Seed, cfg.OOB = 5, 1, true
	return train(t, s.xTrain, s.yTrain, cfg), s
}

func probaOf(c *forest.Classifier, x *mat.Dense) [][]float64 {
	n, _ := x.Dims()
	out := make([][]float64, n)
	for i := range n {
		out[i] = make([]float64, len(c.Classes()))
		c.PredictProba(out[i], x.RawRowView(i))
	}
	return out
}

// TestGolden pins the serialized bytes: a change to the format or to training (the same
// seed must keep giving the same forest) fails here. testdata/check_golden.py reads the
// same file with NumPy and reproduces forest_golden_proba.json.
func TestGolden(t *testing.T) {
	c, s := goldenForest(t)
	got, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "forest_golden.npz")
	if *update {
		proba, err := json.MarshalIndent(map[string]any{"x": rowsOfDense(s.xTest), "proba": probaOf(c, s.xTest)}, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "forest_golden_proba.json"), proba, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalBinary() differs from %s (%d vs %d bytes); run go test -update if the change is intended", path, len(got), len(want))
	}
}

func rowsOfDense(x *mat.Dense) [][]float64 {
	n, _ := x.Dims()
	out := make([][]float64, n)
	for i := range n {
		out[i] = x.RawRowView(i)
	}
	return out
}

func TestMarshalRoundTrip(t *testing.T) {
	c, s := goldenForest(t)
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var d forest.Classifier
	if err := d.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	want, got := probaOf(c, s.xTest), probaOf(&d, s.xTest)
	for i := range want {
		if !floatsEqual(got[i], want[i]) {
			t.Errorf("row %d: proba after round trip %v; want %v", i, got[i], want[i])
		}
	}
	if d.Size() != c.Size() || d.NumTrees() != c.NumTrees() || d.NumFeatures() != c.NumFeatures() {
		t.Errorf("round trip: size %d, %d trees, %d features; want %d, %d, %d",
			d.Size(), d.NumTrees(), d.NumFeatures(), c.Size(), c.NumTrees(), c.NumFeatures())
	}
	gs, gok := d.OOBScore()
	ws, wok := c.OOBScore()
	if gs != ws || gok != wok || !floatsEqual(d.FeatureImportances(), c.FeatureImportances()) {
		t.Errorf("round trip lost the OOB score or importances")
	}
	again, err := d.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Error("re-marshaling the decoded forest changed the bytes")
	}
	var zero forest.Classifier
	if _, err := zero.MarshalBinary(); err == nil {
		t.Error("MarshalBinary of an untrained classifier succeeded")
	}
}

// TestUnmarshalTruncated: every prefix of a valid forest is an error.
func TestUnmarshalTruncated(t *testing.T) {
	c, _ := goldenForest(t)
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	step := max(1, len(b)/1500)
	for n := 0; n < len(b); n += step {
		var d forest.Classifier
		if err := d.UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("UnmarshalBinary(first %d of %d bytes) succeeded", n, len(b))
		}
	}
}

// TestUnmarshalFlippedBytes: a flipped byte never panics and never silently changes the
// model: either decoding fails (zip checksums, validation) or the byte was one the reader
// ignores (such as a local header's timestamp) and the predictions are unchanged.
func TestUnmarshalFlippedBytes(t *testing.T) {
	c, s := goldenForest(t)
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := probaOf(c, s.xTest)
	step := max(1, len(b)/1500)
	for i := 0; i < len(b); i += step {
		m := bytes.Clone(b)
		m[i] ^= 0x5a
		var d forest.Classifier
		if err := d.UnmarshalBinary(m); err != nil {
			continue
		}
		got := probaOf(&d, s.xTest)
		for r := range want {
			if !floatsEqual(got[r], want[r]) {
				t.Fatalf("byte %d flipped: decoded without error but row %d predicts %v; want %v", i, r, got[r], want[r])
			}
		}
	}
}

// container is a decoded forest container that tests edit and re-encode.
type container struct {
	header                           map[string]any
	classes, offsets, voff           []int64
	feature, left, right, valueClass []int32
	threshold                        []float32
	valueProb, importances           []float64
}

func decode(t *testing.T, b []byte) *container {
	t.Helper()
	r, err := npz.NewReader(b)
	if err != nil {
		t.Fatal(err)
	}
	var c container
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.JSON("forest", &c.header))
	c.classes, _, err = r.Int64s("classes")
	must(err)
	c.offsets, _, err = r.Int64s("tree_offsets")
	must(err)
	c.voff, _, err = r.Int64s("value_offsets")
	must(err)
	c.feature, _, err = r.Int32s("feature")
	must(err)
	c.left, _, err = r.Int32s("left")
	must(err)
	c.right, _, err = r.Int32s("right")
	must(err)
	c.valueClass, _, err = r.Int32s("value_class")
	must(err)
	c.threshold, _, err = r.Float32s("threshold")
	must(err)
	c.valueProb, _, err = r.Float64s("value_prob")
	must(err)
	c.importances, _, err = r.Float64s("importances")
	must(err)
	return &c
}

func (c *container) encode(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	_ = w.JSON("forest", c.header)
	_ = w.Int64s("classes", nil, c.classes)
	_ = w.Int64s("tree_offsets", nil, c.offsets)
	_ = w.Int32s("feature", nil, c.feature)
	_ = w.Float32s("threshold", nil, c.threshold)
	_ = w.Int32s("left", nil, c.left)
	_ = w.Int32s("right", nil, c.right)
	_ = w.Int64s("value_offsets", nil, c.voff)
	_ = w.Int32s("value_class", nil, c.valueClass)
	_ = w.Float64s("value_prob", nil, c.valueProb)
	_ = w.Float64s("importances", nil, c.importances)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// firstSplit returns the index of the first internal node and of the first leaf.
func (c *container) firstSplit() (internal, leaf int) {
	internal, leaf = -1, -1
	for i, f := range c.feature {
		if f >= 0 && internal < 0 {
			internal = i
		}
		if f < 0 && leaf < 0 {
			leaf = i
		}
	}
	return internal, leaf
}

// TestUnmarshalTampered re-encodes well-formed containers holding inconsistent forests:
// each must fail with ErrFormat, naming what is wrong, without panicking.
func TestUnmarshalTampered(t *testing.T) {
	c, _ := goldenForest(t)
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		tamper func(c *container, in, leaf int)
	}{
		{"self loop", func(c *container, in, _ int) { c.left[in] = int32(in) }},
		{"child before parent", func(c *container, in, _ int) { c.right[in+1+1] = 0 }},
		{"child out of tree", func(c *container, in, _ int) { c.right[in] = int32(c.offsets[1] + 5) }},
		{"negative child", func(c *container, in, _ int) { c.left[in] = -7 }},
		{"shared child", func(c *container, in, _ int) { c.right[in] = c.left[in] }},
		{"two parents", func(c *container, in, _ int) {
			for j := in + 1; j < int(c.offsets[1]); j++ {
				if c.feature[j] >= 0 { // a later internal node: steal its left child
					c.right[in] = c.left[j]
					return
				}
			}
			t.Fatal("tree 0 has a single split")
		}},
		{"feature out of range", func(c *container, in, _ int) { c.feature[in] = 4 }},
		{"negative feature", func(c *container, in, _ int) { c.feature[in] = -2 }},
		{"NaN threshold", func(c *container, in, _ int) { c.threshold[in] = float32(math.NaN()) }},
		{"leaf with child", func(c *container, _, leaf int) { c.left[leaf] = 1 }},
		{"class index out of range", func(c *container, _, _ int) { c.valueClass[0] = 3 }},
		{"probability above 1", func(c *container, _, _ int) { c.valueProb[0] = 1.5 }},
		{"probability NaN", func(c *container, _, _ int) { c.valueProb[0] = math.NaN() }},
		{"value offsets decrease", func(c *container, _, leaf int) { c.voff[leaf+1] = c.voff[leaf] - 1 }},
		{"leaf without classes", func(c *container, _, leaf int) { c.voff[leaf+1] = c.voff[leaf] }},
		{"tree offsets", func(c *container, _, _ int) { c.offsets[1] = c.offsets[2] }},
		{"classes unsorted", func(c *container, _, _ int) { c.classes[0], c.classes[1] = c.classes[1], c.classes[0] }},
		{"node count", func(c *container, _, _ int) { c.header["n_nodes"] = 3 }},
		{"feature count", func(c *container, _, _ int) { c.header["n_features"] = 2 }},
		{"short threshold", func(c *container, _, _ int) { c.threshold = c.threshold[:len(c.threshold)-1] }},
		{"format", func(c *container, _, _ int) { c.header["format"] = "sklearn.forest" }},
		{"version", func(c *container, _, _ int) { c.header["version"] = 2 }},
		{"oob score", func(c *container, _, _ int) { c.header["oob_score"] = 1.5 }},
		{"importance", func(c *container, _, _ int) { c.importances[0] = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := decode(t, b)
			in, leaf := c.firstSplit()
			tt.tamper(c, in, leaf)
			var d forest.Classifier
			err := d.UnmarshalBinary(c.encode(t))
			if !errors.Is(err, forest.ErrFormat) {
				t.Errorf("UnmarshalBinary() error = %v; want ErrFormat", err)
			}
		})
	}
	// The untampered re-encoding decodes: the table tests the validation, not the encoder.
	var d forest.Classifier
	if err := d.UnmarshalBinary(decode(t, b).encode(t)); err != nil {
		t.Fatalf("re-encoded forest: %v", err)
	}
}

// FuzzUnmarshalBinary checks that arbitrary bytes never panic and that whatever decodes
// can predict.
func FuzzUnmarshalBinary(f *testing.F) {
	c, _ := goldenForest(f)
	b, err := c.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Fuzz(func(_ *testing.T, data []byte) {
		var d forest.Classifier
		if err := d.UnmarshalBinary(data); err != nil {
			return
		}
		p := make([]float64, len(d.Classes()))
		d.PredictProba(p, make([]float64, d.NumFeatures()))
	})
}
