package hdbscan_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/model/internal/npz"
)

var update = flag.Bool("update", false, "rewrite testdata/predictor.golden.npz")

// goldenPredictor fits the small fixture the serialized-form golden file is made from.
func goldenPredictor(t testing.TB) *hdbscan.Predictor {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 11))
	x := withDuplicates(rng, archetypes(rng, 300, 3, 3), 4)
	res, err := hdbscan.Cluster(context.Background(), x, hdbscan.Config{MinClusterSize: 12, MinSamples: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.NClusters < 2 {
		t.Fatalf("fixture has %d clusters", res.NClusters)
	}
	return res.PredictionData()
}

// TestMarshalGolden pins the serialized bytes, so format drift between the writer (refit) and
// readers (the consumer, Python tools) fails here. Run with -update after a deliberate change.
func TestMarshalGolden(t *testing.T) {
	b, err := goldenPredictor(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	const path = "testdata/predictor.golden.npz"
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("MarshalBinary differs from %s (%d bytes, want %d); run go test -update after a deliberate format change", path, len(b), len(want))
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	p := goldenPredictor(t)
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var q hdbscan.Predictor
	if err := q.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, err := q.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Error("re-encoding a decoded Predictor changed its bytes")
	}
	if q.Dims() != p.Dims() || q.NClusters() != p.NClusters() {
		t.Fatalf("decoded Dims %d NClusters %d; want %d %d", q.Dims(), q.NClusters(), p.Dims(), p.NClusters())
	}
	rng := rand.New(rand.NewPCG(12, 12))
	for range 500 {
		pt := []float64{rng.Float64()*30 - 15, rng.Float64()*30 - 15, rng.Float64()*30 - 15}
		l1, p1 := p.ApproximatePredict(pt)
		l2, p2 := q.ApproximatePredict(pt)
		s1, s2 := p.OutlierScore(pt), q.OutlierScore(pt)
		if l1 != l2 || p1 != p2 || s1 != s2 {
			t.Fatalf("point %v: original (%d, %v, %v), decoded (%d, %v, %v)", pt, l1, p1, s1, l2, p2, s2)
		}
	}
}

// TestUnmarshalDamaged feeds truncated and bit-flipped encodings: each must be rejected or,
// where a flip leaves a consistent model, decode into a Predictor that works; never panic.
func TestUnmarshalDamaged(t *testing.T) {
	b, err := goldenPredictor(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	step := 7
	if testing.Short() {
		step = 37
	}
	for n := 0; n < len(b); n++ {
		if n%step != 0 && n > 256 && n < len(b)-256 {
			continue // every cut near the ends (headers, directory), every step-th between
		}
		var q hdbscan.Predictor
		if err := q.UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", n, len(b))
		}
	}
	rng := rand.New(rand.NewPCG(13, 13))
	flips := 1500
	if testing.Short() {
		flips = 300
	}
	for range flips {
		c := bytes.Clone(b)
		c[rng.IntN(len(c))] ^= byte(1 << rng.IntN(8))
		var q hdbscan.Predictor
		if err := q.UnmarshalBinary(c); err == nil {
			pt := make([]float64, q.Dims())
			q.ApproximatePredict(pt)
			q.OutlierScore(pt)
		}
	}
}

// TestUnmarshalInconsistent rewrites single arrays of a valid encoding with values that are
// well-formed NumPy but describe no valid model.
func TestUnmarshalInconsistent(t *testing.T) {
	b, err := goldenPredictor(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		array string
		edit  func(v []int64)
	}{
		{"child cycle", "condensed_child", func(v []int64) {
			for i := range v {
				if v[i] > v[0] { // first cluster child: point it at a smaller id
					v[i] = v[0] - 1
					return
				}
			}
		}},
		{"point twice", "condensed_child", func(v []int64) { v[len(v)-1] = v[len(v)-2] }},
		{"parent out of range", "condensed_parent", func(v []int64) { v[3] = 1 << 40 }},
		{"label out of range", "cluster_label", func(v []int64) { v[len(v)-1] = 99 }},
		{"size zero", "condensed_size", func(v []int64) { v[5] = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rewriteInt64s(t, b, tc.array, tc.edit)
			var q hdbscan.Predictor
			if err := q.UnmarshalBinary(c); !errors.Is(err, hdbscan.ErrFormat) {
				t.Fatalf("UnmarshalBinary = %v; want ErrFormat", err)
			}
		})
	}
}

// rewriteInt64s re-encodes the container with one int64 array edited, keeping every other
// entry as it was.
func rewriteInt64s(t *testing.T, b []byte, name string, edit func([]int64)) []byte {
	t.Helper()
	r, err := npz.NewReader(b)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	var meta map[string]any
	for _, entry := range r.Names() {
		switch {
		case entry == "meta.json":
			if err := r.JSON("meta", &meta); err != nil {
				t.Fatal(err)
			}
			if err := w.JSON("meta", meta); err != nil {
				t.Fatal(err)
			}
		case len(entry) > 4:
			base := entry[:len(entry)-4]
			if v, shape, err := r.Int64s(base); err == nil {
				if base == name {
					edit(v)
				}
				if err := w.Int64s(base, shape, v); err != nil {
					t.Fatal(err)
				}
				continue
			}
			v, shape, err := r.Float64s(base)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Float64s(base, shape, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzPredictorUnmarshal(f *testing.F) {
	b, err := goldenPredictor(f).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		var q hdbscan.Predictor
		if err := q.UnmarshalBinary(data); err == nil {
			pt := make([]float64, q.Dims())
			q.ApproximatePredict(pt)
			q.OutlierScore(pt)
		}
	})
}
