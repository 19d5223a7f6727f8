package schemas_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/linkedin/goavro/v2"

	"github.com/storeseg/storeseg/schemas"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var bundleBytes = bytes.Repeat([]byte("bundle"), 50)

// samples holds one record of each type, used by the golden and cross-library tests.
func samples() map[string]schemas.Record {
	chunk := []byte("0123456789")
	return map[string]schemas.Record{
		"StoreFeatureUpdate": &schemas.StoreFeatureUpdate{StoreID: "store-0042", EventTime: 1767225600123,
			Numeric:     []schemas.NumericValue{{Name: "area_m2", Value: 812}, {Name: "gone", Null: true}, {Name: "sales", Value: -1234.5e-7}},
			Categorical: []schemas.CategoricalValue{{Name: "city", Value: "Zürich"}, {Name: "closed", Null: true}},
			Source:      "erp", Sequence: 1 << 40, HasSequence: true, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"},
		"StoreState": &schemas.StoreState{StoreID: "store-0042", UpdatedAt: 1767225600123,
			Numeric:     []schemas.NumericState{{Name: "area_m2", Value: 812, EventTime: 1767225600000}, {Name: "gone", Null: true, EventTime: 1767225600123}},
			Categorical: []schemas.CategoricalState{{Name: "city", Value: "Zürich", EventTime: 1767225600001}},
			Source:      "erp"},
		"SegmentAssignment": &schemas.SegmentAssignment{StoreID: "store-0042", SegmentID: 3, SegmentName: "urban convenience",
			Confidence: 0.875, Source: schemas.SourceInferred, Novelty: true, OutlierScore: 0.25, Cluster: -1,
			ModelVersion: "20260101-abc", FeatureEventTime: 1767225600123, AssignedAt: 1767225601000, PreviousSegmentID: 1, HasPreviousSegment: true},
		"ModelPublished": &schemas.ModelPublished{ModelName: "segmentation", ModelVersion: "v7", CreatedAt: 1767225600000,
			BundleFormat: "storeseg-bundle/v1", BundleSize: int64(len(bundleBytes)), BundleSHA256: sha256.Sum256(bundleBytes),
			Bundle: bundleBytes, RunID: "run-1", Metadata: map[string]string{"dbcv": "0.41", "stores": "1115"}},
		"ModelChunk": &schemas.ModelChunk{ModelName: "segmentation", ModelVersion: "v7", Index: 2, Count: 3,
			SHA256: sha256.Sum256(chunk), Data: chunk},
	}
}

var cmpOpts = []cmp.Option{cmpopts.EquateEmpty(), cmp.Comparer(sameBits)}

// TestGolden pins the single-object bytes of each sample, so that any change of the wire
// format fails here. Run with -update after an intended change (and a new schema version).
func TestGolden(t *testing.T) {
	dec := schemas.NewDecoder(nil)
	for name, rec := range samples() {
		t.Run(name, func(t *testing.T) {
			got, err := schemas.AppendSingleObject(nil, rec)
			if err != nil {
				t.Fatalf("AppendSingleObject error: %v", err)
			}
			path := filepath.Join("testdata", "golden", name+".soe")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (run go test -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoding of %s changed:\n got %x\nwant %x", name, got, want)
			}
			back := newRecord(name)
			if err := dec.Decode(context.Background(), want, back); err != nil {
				t.Fatalf("Decode(golden) error: %v", err)
			}
			if diff := cmp.Diff(rec, back, cmpOpts...); diff != "" {
				t.Errorf("Decode(golden) (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGoavroAgrees checks our hand-written codecs against goavro, an independent
// implementation driven by the same .avsc text: goavro must decode what we encode to the
// same bytes when re-encoded, and we must decode what goavro encodes.
func TestGoavroAgrees(t *testing.T) {
	for name, rec := range samples() {
		t.Run(name, func(t *testing.T) {
			codec, err := goavro.NewCodec(schemas.SchemaOf(rec).Text)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := schemas.AppendBinary(nil, rec)
			if err != nil {
				t.Fatal(err)
			}
			native, rest, err := codec.NativeFromBinary(ours)
			if err != nil || len(rest) != 0 {
				t.Fatalf("goavro cannot read our bytes: %v (%d bytes left)", err, len(rest))
			}
			theirs, err := codec.BinaryFromNative(nil, native)
			if err != nil {
				t.Fatal(err)
			}
			back := newRecord(name)
			if err := schemas.DecodeBinary(theirs, back); err != nil {
				t.Fatalf("DecodeBinary(goavro bytes) error: %v", err)
			}
			if diff := cmp.Diff(rec, back, cmpOpts...); diff != "" {
				t.Errorf("goavro round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendLeavesDstOnError(t *testing.T) {
	dst := []byte("prefix")
	bad := &schemas.StoreFeatureUpdate{StoreID: "", EventTime: 1}
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return schemas.AppendBinary(dst, bad) },
		func() ([]byte, error) { return schemas.AppendSingleObject(dst, bad) },
		func() ([]byte, error) { return schemas.AppendConfluent(dst, 3, bad) },
	} {
		got, err := f()
		if err == nil || string(got) != "prefix" {
			t.Errorf("append of an invalid record = %q, %v; want dst unchanged and an error", got, err)
		}
	}
	if _, err := schemas.AppendConfluent(nil, -1, samples()["ModelChunk"]); err == nil {
		t.Error("AppendConfluent(id -1) succeeded; want an error")
	}
}

func TestDecodeDoesNotRetainInput(t *testing.T) {
	for name, rec := range samples() {
		msg, err := schemas.AppendSingleObject(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		got := newRecord(name)
		if err := schemas.NewDecoder(nil).Decode(context.Background(), msg, got); err != nil {
			t.Fatal(err)
		}
		for i := range msg {
			msg[i] = 0xAA
		}
		if diff := cmp.Diff(rec, got, cmpOpts...); diff != "" {
			t.Errorf("%s changed when the input was overwritten (-want +got):\n%s", name, diff)
		}
	}
}

func TestValidation(t *testing.T) {
	valid := func() *schemas.StoreFeatureUpdate {
		return &schemas.StoreFeatureUpdate{StoreID: "s", EventTime: 1,
			Numeric: []schemas.NumericValue{{Name: "a", Value: 1}}, Categorical: []schemas.CategoricalValue{{Name: "b", Value: "x"}}}
	}
	assign := func() *schemas.SegmentAssignment {
		a := *samples()["SegmentAssignment"].(*schemas.SegmentAssignment)
		return &a
	}
	tests := []struct {
		name  string
		rec   schemas.Record
		field string
	}{
		{"empty store id", func() schemas.Record { u := valid(); u.StoreID = ""; return u }(), "store_id"},
		{"long store id", func() schemas.Record { u := valid(); u.StoreID = string(make([]byte, 1025)); return u }(), "store_id"},
		{"zero event time", func() schemas.Record { u := valid(); u.EventTime = 0; return u }(), "event_time"},
		{"NaN", func() schemas.Record { u := valid(); u.Numeric[0].Value = math.NaN(); return u }(), `numeric["a"]`},
		{"Inf", func() schemas.Record { u := valid(); u.Numeric[0].Value = math.Inf(1); return u }(), `numeric["a"]`},
		{"duplicate feature", func() schemas.Record {
			u := valid()
			u.Numeric = append(u.Numeric, schemas.NumericValue{Name: "c"}, schemas.NumericValue{Name: "a"})
			return u
		}(), `numeric["a"]`},
		{"numeric and categorical", func() schemas.Record { u := valid(); u.Categorical[0].Name = "a"; return u }(), `categorical["a"]`},
		{"empty feature name", func() schemas.Record { u := valid(); u.Categorical[0].Name = ""; return u }(), "categorical[0]"},
		{"invalid UTF-8", func() schemas.Record { u := valid(); u.Categorical[0].Value = "\xff"; return u }(), `categorical["b"]`},
		{"negative segment", func() schemas.Record { a := assign(); a.SegmentID = -1; return a }(), "segment_id"},
		{"confidence above 1", func() schemas.Record { a := assign(); a.Confidence = 1.5; return a }(), "confidence"},
		{"NaN outlier score", func() schemas.Record { a := assign(); a.OutlierScore = math.NaN(); return a }(), "outlier_score"},
		{"cluster -2", func() schemas.Record { a := assign(); a.Cluster = -2; return a }(), "cluster"},
		{"bad source", func() schemas.Record { a := assign(); a.Source = 7; return a }(), "source"},
		{"no model version", func() schemas.Record { a := assign(); a.ModelVersion = ""; return a }(), "model_version"},
		{"bad chunk hash", &schemas.ModelChunk{ModelName: "m", ModelVersion: "v", Count: 1, Data: []byte("x")}, "sha256"},
		{"chunk index", &schemas.ModelChunk{ModelName: "m", ModelVersion: "v", Index: 1, Count: 1, Data: []byte("x")}, "index"},
		{"model name with slash", &schemas.ModelChunk{ModelName: "a/b", ModelVersion: "v", Count: 1, Data: []byte("x")}, "model_name"},
		{"inline size", &schemas.ModelPublished{ModelName: "m", ModelVersion: "v", CreatedAt: 1, BundleFormat: "f", BundleSize: 2, Bundle: []byte("x")}, "bundle"},
		{"chunk count", &schemas.ModelPublished{ModelName: "m", ModelVersion: "v", CreatedAt: 1, BundleFormat: "f", BundleSize: 20, ChunkSize: 10}, "chunk_sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schemas.AppendBinary(nil, tt.rec)
			var fe *schemas.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("AppendBinary error = %v; want a FieldError on %s", err, tt.field)
			}
			if !errors.Is(err, schemas.ErrInvalid) || schemas.Reason(err) != "invalid" {
				t.Errorf("error %v does not match ErrInvalid / reason invalid", err)
			}
		})
	}
}

func cmpDiff(want, got any) string { return cmp.Diff(want, got, cmpOpts...) }
