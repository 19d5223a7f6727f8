package famd_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/internal/npz"
)

// part is a decoded serialized model that a test can edit and re-encode.
type part struct {
	meta   map[string]any
	floats map[string][]float64
	shapes map[string][]int
	counts []int64
}

func decodePart(t *testing.T, b []byte) *part {
	t.Helper()
	r, err := npz.NewReader(b)
	if err != nil {
		t.Fatal(err)
	}
	p := &part{floats: map[string][]float64{}, shapes: map[string][]int{}}
	if err := r.JSON("meta", &p.meta); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"center", "scale", "eigenvalues", "loadings"} {
		if p.floats[name], p.shapes[name], err = r.Float64s(name); err != nil {
			t.Fatal(err)
		}
	}
	if p.counts, _, err = r.Int64s("level_counts"); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *part) encode(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	if err := w.JSON("meta", p.meta); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"center", "scale"} {
		if err := w.Float64s(name, p.shapes[name], p.floats[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Int64s("level_counts", nil, p.counts); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"eigenvalues", "loadings"} {
		if err := w.Float64s(name, p.shapes[name], p.floats[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Well-formed containers with inconsistent contents are rejected with ErrFormat.
func TestUnmarshalInconsistent(t *testing.T) {
	g, f := loadGolden(t, "stores")
	b, err := fitGolden(t, g, f).Model.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var unmodified famd.Model
	if err := unmodified.UnmarshalBinary(decodePart(t, b).encode(t)); err != nil {
		t.Fatalf("re-encoded unmodified model: %v", err)
	}
	for _, tc := range []struct {
		name   string
		modify func(p *part)
		want   string
	}{
		{"version", func(p *part) { p.meta["version"] = 2 }, "format version 2"},
		{"format", func(p *part) { p.meta["format"] = "other" }, `format "other"`},
		{"policy", func(p *part) { p.meta["unseen"] = "ignore" }, `unseen policy "ignore"`},
		{"components", func(p *part) { p.meta["components"] = 0 }, "0 components"},
		{"inertia", func(p *part) { p.meta["inertia"] = -1 }, "total inertia -1"},
		{"rows", func(p *part) { p.meta["rows"] = 1 }, "1 fit rows"},
		{"center NaN", func(p *part) { p.floats["center"][2] = math.NaN() }, "center[2] is NaN"},
		{"center length", func(p *part) {
			p.floats["center"] = p.floats["center"][:4]
			p.shapes["center"] = []int{4}
		}, "center has shape [4]"},
		{"scale zero", func(p *part) { p.floats["scale"][1] = 0 }, `scale of "sqm" is 0`},
		{"counts", func(p *part) { p.counts[0]++ }, `"region" counts 501 rows`},
		{"negative count", func(p *part) { p.counts[0], p.counts[1] = -1, p.counts[1]+p.counts[0]+1 }, "level count of -1"},
		{"ascending", func(p *part) { e := p.floats["eigenvalues"]; e[0], e[1] = e[1], e[0] }, "descending"},
		{"too many eigenvalues", func(p *part) {
			p.floats["eigenvalues"] = append(p.floats["eigenvalues"], make([]float64, 500)...)
			p.shapes["eigenvalues"] = []int{len(p.floats["eigenvalues"])}
		}, "eigenvalues for"},
		{"loadings shape", func(p *part) { p.shapes["loadings"] = []int{p.shapes["loadings"][1], p.shapes["loadings"][0]} }, "loadings have shape"},
		{"loadings scaled", func(p *part) { p.floats["loadings"][0] *= 1.001 }, "inner product"},
		{"eigenvalues above inertia", func(p *part) { p.meta["inertia"] = 3.0 }, "more than the inertia"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := decodePart(t, b)
			tc.modify(p)
			var m famd.Model
			err := m.UnmarshalBinary(p.encode(t))
			if !errors.Is(err, famd.ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("UnmarshalBinary error = %v; want ErrFormat containing %q", err, tc.want)
			}
		})
	}
}
