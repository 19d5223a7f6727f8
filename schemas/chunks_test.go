package schemas_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/storeseg/storeseg/schemas"
)

type kv struct {
	key   string
	value []byte
}

// publish splits bundle and frames the records in publication order: chunks, manifest.
func publish(t *testing.T, version string, bundle []byte, chunkSize int) []kv {
	t.Helper()
	m, chunks, err := schemas.SplitBundle(schemas.ModelPublished{ModelName: "seg", ModelVersion: version,
		CreatedAt: 1767225600000, BundleFormat: "storeseg-bundle/v1"}, bundle, chunkSize)
	if err != nil {
		t.Fatalf("SplitBundle error: %v", err)
	}
	var out []kv
	for i := range chunks {
		v, err := schemas.AppendSingleObject(nil, &chunks[i])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, kv{chunks[i].Key(), v})
	}
	v, err := schemas.AppendSingleObject(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, kv{m.Key(), v})
}

func newAssembler(t *testing.T, cfg schemas.AssemblerConfig) *schemas.Assembler {
	t.Helper()
	a, err := schemas.NewAssembler(cfg, schemas.NewDecoder(nil))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func randomBundle(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestAssembleAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 100, 1000, 1001, 4096} {
		bundle := randomBundle(r, size)
		records := publish(t, "v1", bundle, 100)
		if size > 100 && len(records) != (size+99)/100+1 {
			t.Fatalf("size %d: %d records; want %d chunks and a manifest", size, len(records), (size+99)/100)
		}
		for perm := range 10 {
			r.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
			a := newAssembler(t, schemas.AssemblerConfig{})
			var got *schemas.Bundle
			for i, rec := range records {
				b, err := a.Add(context.Background(), rec.key, rec.value)
				if err != nil {
					t.Fatalf("size %d perm %d: Add(%s) error: %v", size, perm, rec.key, err)
				}
				if b != nil && i != len(records)-1 {
					t.Fatalf("size %d perm %d: bundle complete after %d of %d records", size, perm, i+1, len(records))
				}
				got = b
			}
			if got == nil || !bytes.Equal(got.Data, bundle) || got.Manifest.ModelVersion != "v1" {
				t.Fatalf("size %d perm %d: assembled %v; want the bundle", size, perm, got)
			}
			if n, held := a.Pending(); n != 0 || held != 0 {
				t.Errorf("size %d perm %d: Pending() = %d, %d after completion; want 0, 0", size, perm, n, held)
			}
		}
	}
}

func TestAssembleRejectsTampering(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	bundle := randomBundle(r, 350)
	records := publish(t, "v2", bundle, 100)

	// A chunk whose bytes do not match its own digest.
	bad := append([]byte(nil), records[0].value...)
	bad[len(bad)-1] ^= 1
	a := newAssembler(t, schemas.AssemblerConfig{})
	if _, err := a.Add(context.Background(), records[0].key, bad); !errors.Is(err, schemas.ErrInvalid) {
		t.Errorf("Add(corrupt chunk) error = %v; want ErrInvalid", err)
	}
	// A chunk under the wrong key.
	if _, err := a.Add(context.Background(), "seg/v2/3", records[0].value); !errors.Is(err, schemas.ErrInvalid) {
		t.Errorf("Add(chunk under another key) error = %v; want ErrInvalid", err)
	}
	// A self-consistent chunk of other content than the manifest promised.
	other := publish(t, "v2", randomBundle(r, 350), 100)
	if _, err := a.Add(context.Background(), records[len(records)-1].key, records[len(records)-1].value); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Add(context.Background(), other[1].key, other[1].value); !errors.Is(err, schemas.ErrInvalid) {
		t.Errorf("Add(chunk from another bundle) error = %v; want ErrInvalid", err)
	}
	for _, key := range []string{"seg", "seg/manifest/x", "se g/manifest", "seg/v1/-1", "seg/v1/01", "/manifest"} {
		if _, err := a.Add(context.Background(), key, records[0].value); !errors.Is(err, schemas.ErrInvalid) {
			t.Errorf("Add(key %q) error = %v; want ErrInvalid", key, err)
		}
	}
	if _, err := schemas.NewAssembler(schemas.AssemblerConfig{MaxBundleSize: 100, MaxPendingBytes: 50}, nil); err == nil {
		t.Error("NewAssembler(pending below bundle size) succeeded; want an error")
	}
	small := newAssembler(t, schemas.AssemblerConfig{MaxBundleSize: 100})
	if _, err := small.Add(context.Background(), records[len(records)-1].key, records[len(records)-1].value); !errors.Is(err, schemas.ErrInvalid) {
		t.Errorf("Add(manifest over MaxBundleSize) error = %v; want ErrInvalid", err)
	}
}

func TestAssembleSupersedeAndEvict(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	v1 := publish(t, "v1", randomBundle(r, 300), 100)
	v2 := publish(t, "v2", randomBundle(r, 300), 100)
	a := newAssembler(t, schemas.AssemblerConfig{MaxBundleSize: 300, MaxPendingBytes: 300})
	ctx := context.Background()
	// v1's manifest and one chunk, then v2 complete: v1 is superseded.
	for _, rec := range []kv{v1[3], v1[0]} {
		if _, err := a.Add(ctx, rec.key, rec.value); err != nil {
			t.Fatal(err)
		}
	}
	var got *schemas.Bundle
	for _, rec := range v2 {
		b, err := a.Add(ctx, rec.key, rec.value)
		if err != nil {
			t.Fatal(err)
		}
		got = b
	}
	if got == nil || got.Manifest.ModelVersion != "v2" {
		t.Fatalf("got %v; want v2", got)
	}
	if n, held := a.Pending(); n != 0 || held != 0 {
		t.Errorf("Pending() = %d, %d; want v1 dropped when v2's manifest arrived", n, held)
	}
	// Chunks of versions with no manifest stay within MaxPendingBytes.
	for _, rec := range append(v1[:3:3], v2[:3]...) {
		if _, err := a.Add(ctx, rec.key, rec.value); err != nil {
			t.Fatal(err)
		}
		if _, held := a.Pending(); held > 300 {
			t.Fatalf("held %d bytes; want at most 300", held)
		}
	}
	// Tombstones drop chunks; a manifest tombstone is ignored.
	for _, key := range []string{v2[0].key, v2[1].key, v2[2].key, v1[0].key, v1[1].key, v1[2].key, "seg/manifest"} {
		if _, err := a.Add(ctx, key, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n, held := a.Pending(); n != 0 || held != 0 {
		t.Errorf("Pending() = %d, %d after tombstones; want 0, 0", n, held)
	}
}

func TestAssembleRepeatedManifest(t *testing.T) {
	records := publish(t, "v1", randomBundle(rand.New(rand.NewPCG(7, 8)), 250), 100)
	manifest := records[len(records)-1]
	a := newAssembler(t, schemas.AssemblerConfig{})
	// chunk 0, manifest, chunk 1, manifest again (a producer retry), chunk 2.
	var got *schemas.Bundle
	for _, rec := range []kv{records[0], manifest, records[1], manifest, records[2]} {
		b, err := a.Add(context.Background(), rec.key, rec.value)
		if err != nil {
			t.Fatal(err)
		}
		got = b
	}
	if got == nil {
		t.Fatal("a repeated manifest lost the chunks gathered before it")
	}
}

func TestSplitBundleInline(t *testing.T) {
	m, chunks, err := schemas.SplitBundle(schemas.ModelPublished{ModelName: "seg", ModelVersion: "v1", CreatedAt: 1, BundleFormat: "f"}, []byte("small"), 0)
	if err != nil || len(chunks) != 0 || string(m.Bundle) != "small" || m.ChunkSize != 0 {
		t.Fatalf("SplitBundle(small) = %+v, %d chunks, %v; want inline", m, len(chunks), err)
	}
	if _, _, err := schemas.SplitBundle(schemas.ModelPublished{ModelName: "seg", ModelVersion: "v1", CreatedAt: 1, BundleFormat: "f"}, nil, 0); err == nil {
		t.Error("SplitBundle(empty) succeeded; want an error")
	}
}
