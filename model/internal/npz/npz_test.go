package npz

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "write testdata/go_written.npz for gen_numpy.py to check")

func sample(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	must(t, w.JSON("meta", map[string]string{"name": "x"}))
	must(t, w.Float64s("f8", []int{2, 3}, []float64{1.5, -2, math.Pi, 0, 1e-300, math.Inf(-1)}))
	must(t, w.Int32s("i4", nil, []int32{3, -1, math.MaxInt32}))
	must(t, w.Float32s("f4", nil, []float32{0.1, 2.5}))
	must(t, w.Int64s("i8", nil, []int64{-(1 << 62), 7}))
	must(t, w.Float64s("empty", []int{0, 3}, nil))
	must(t, w.Strings("ids", []string{"store-1", "", "é12"}))
	must(t, w.Close())
	return buf.Bytes()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	b := sample(t)
	if *update {
		must(t, os.WriteFile(filepath.Join("testdata", "go_written.npz"), b, 0o644))
	}
	if !bytes.Equal(b, sample(t)) {
		t.Fatal("two writes of the same arrays gave different bytes")
	}
	r, err := NewReader(b)
	must(t, err)
	checkArrays(t, r)
	var meta map[string]string
	must(t, r.JSON("meta", &meta))
	if meta["name"] != "x" {
		t.Errorf("meta = %v; want name x", meta)
	}
	want := []string{"meta.json", "f8.npy", "i4.npy", "f4.npy", "i8.npy", "empty.npy", "ids.npy"}
	if d := cmp.Diff(want, r.Names()); d != "" {
		t.Errorf("Names() mismatch (-want +got):\n%s", d)
	}
}

// TestNumPyGolden reads testdata/numpy.npz, written by NumPy through testdata/gen_numpy.py.
func TestNumPyGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "numpy.npz"))
	must(t, err)
	r, err := NewReader(b)
	must(t, err)
	checkArrays(t, r)
}

func checkArrays(t *testing.T, r *Reader) {
	t.Helper()
	f8, shape, err := r.Float64s("f8")
	must(t, err)
	if d := cmp.Diff([]int{2, 3}, shape); d != "" {
		t.Errorf("f8 shape (-want +got):\n%s", d)
	}
	if f8[2] != math.Pi || f8[4] != 1e-300 || !math.IsInf(f8[5], -1) {
		t.Errorf("f8 = %v", f8)
	}
	i4, _, err := r.Int32s("i4")
	must(t, err)
	if d := cmp.Diff([]int32{3, -1, math.MaxInt32}, i4); d != "" {
		t.Errorf("i4 (-want +got):\n%s", d)
	}
	f4, _, err := r.Float32s("f4")
	must(t, err)
	if d := cmp.Diff([]float32{0.1, 2.5}, f4); d != "" {
		t.Errorf("f4 (-want +got):\n%s", d)
	}
	i8, _, err := r.Int64s("i8")
	must(t, err)
	if d := cmp.Diff([]int64{-(1 << 62), 7}, i8); d != "" {
		t.Errorf("i8 (-want +got):\n%s", d)
	}
	ids, err := r.Strings("ids")
	must(t, err)
	if d := cmp.Diff([]string{"store-1", "", "é12"}, ids); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
	empty, shape, err := r.Float64s("empty")
	must(t, err)
	if len(empty) != 0 || len(shape) != 2 || shape[1] != 3 {
		t.Errorf("empty = %v shape %v", empty, shape)
	}
}

func TestCorruptInput(t *testing.T) {
	good := sample(t)
	r, err := NewReader(good)
	must(t, err)
	if _, _, err := r.Float64s("nope"); !errors.Is(err, ErrMissing) {
		t.Errorf("Float64s(nope) error = %v; want ErrMissing", err)
	}
	if err := NewWriter(new(bytes.Buffer)).Strings("bad", []string{"a\x00"}); err == nil {
		t.Error("Strings accepted a string ending in NUL")
	}
	if _, _, err := r.Int32s("f8"); err == nil {
		t.Error("Int32s(f8) read a float64 array as int32")
	}
	// Every truncation must fail cleanly (or, for a prefix that still parses, never panic).
	for n := 0; n < len(good); n += 7 {
		r, err := NewReader(good[:n])
		if err != nil {
			continue
		}
		for _, name := range []string{"f8", "i4"} {
			_, _, _ = r.Float64s(name)
		}
	}
	// Flip every byte in turn: readers must error or succeed, never panic.
	for i := range good {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0xff
		r, err := NewReader(bad)
		if err != nil {
			continue
		}
		_, _, _ = r.Float64s("f8")
		_, _, _ = r.Int32s("i4")
		var m map[string]string
		_ = r.JSON("meta", &m)
	}
}

func TestParseRejectsBadHeaders(t *testing.T) {
	for _, tc := range []struct{ name, header string }{
		{"huge shape", "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }"},
		{"negative", "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"},
		{"fortran", "{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }"},
		{"no descr", "{'fortran_order': False, 'shape': (1,), }"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte("\x93NUMPY\x01\x00\x00\x00")
			b[8] = byte(len(tc.header))
			b = append(b, tc.header...)
			b = append(b, make([]byte, 8)...)
			if _, _, _, err := parse(b); err == nil {
				t.Errorf("parse(%q) succeeded; want error", tc.header)
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	_ = w.Float64s("a", nil, []float64{1, 2})
	_ = w.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(b)
		if err != nil {
			return
		}
		_, _, _ = r.Float64s("a")
	})
}
