package preprocess_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/model/preprocess"
)

var update = flag.Bool("update", false, "rewrite testdata/preprocessor.npz")

func TestMarshalRoundTrip(t *testing.T) {
	raw := generated(2000, 11)
	p, prepared, err := preprocess.Fit(generatedSpec, raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "preprocessor.npz")
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, b) {
		t.Errorf("MarshalBinary differs from %s; if the format changed on purpose, run go test -update", golden)
	}
	var q preprocess.Preprocessor
	if err := q.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	again, err := q.Apply(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(prepared, again); d != "" {
		t.Errorf("unmarshaled preprocessor prepares differently (-fit +unmarshaled):\n%s", d)
	}
	if d := cmp.Diff(p.Spec(), q.Spec()); d != "" {
		t.Errorf("Spec() after round trip (-want +got):\n%s", d)
	}
	b2, err := q.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Error("marshal → unmarshal → marshal changed the bytes")
	}
}

// TestUnmarshalTampered flips and truncates bytes and edits the metadata: every damaged input
// must give an error or a working preprocessor, never a panic.
func TestUnmarshalTampered(t *testing.T) {
	raw := generated(300, 5)
	p, _, err := preprocess.Fit(generatedSpec, raw)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := p.MarshalBinary()
	for i := 0; i < len(good); i += 7 {
		b := bytes.Clone(good)
		b[i] ^= 0xff
		var q preprocess.Preprocessor
		if q.UnmarshalBinary(b) == nil {
			if _, err := q.Apply(raw); err != nil && !errors.Is(err, preprocess.ErrInvalid) {
				t.Errorf("byte %d: accepted, then Apply failed: %v", i, err)
			}
		}
	}
	for cut := 0; cut < len(good); cut += 50 {
		var q preprocess.Preprocessor
		if err := q.UnmarshalBinary(good[:cut]); err == nil {
			t.Errorf("UnmarshalBinary(first %d bytes) succeeded; want an error", cut)
		}
	}
}

func TestUnmarshalBadMeta(t *testing.T) {
	edits := []struct{ name, from, to string }{
		{"transform", `"transform":"log1p"`, `"transform":"log2"`},
		{"unsorted levels", `"levels":["e","n"`, `"levels":["n","e"`},
		{"code out of range", `"raw_codes":[0,1,2,3]`, `"raw_codes":[0,1,2,9]`},
		{"version", `"version":1`, `"version":2`},
		{"unknown field", `"format":"storeseg.preprocess"`, `"format":"storeseg.preprocess","extra":1`},
	}
	f := generated(300, 5)
	spec := generatedSpec
	p, _, err := preprocess.Fit(spec, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			b := rewriteMeta(t, p, e.from, e.to)
			var q preprocess.Preprocessor
			if err := q.UnmarshalBinary(b); !errors.Is(err, preprocess.ErrCorrupt) {
				t.Errorf("UnmarshalBinary(%s) error = %v; want ErrCorrupt", e.name, err)
			}
		})
	}
}

// rewriteMeta marshals p with one textual edit of meta.json, keeping the container valid.
func rewriteMeta(t *testing.T, p *preprocess.Preprocessor, from, to string) []byte {
	t.Helper()
	meta, fill := splitParts(t, p)
	if !strings.Contains(meta, from) {
		t.Fatalf("meta.json lacks %q:\n%s", from, meta)
	}
	return joinParts(t, strings.Replace(meta, from, to, 1), fill)
}
