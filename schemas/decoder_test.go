package schemas_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/storeseg/storeseg/schemas"
)

type failingSource struct{ err error }

func (s failingSource) SchemaByID(context.Context, int) (string, error) { return "", s.err }

func TestDecodeErrors(t *testing.T) {
	good, err := schemas.AppendSingleObject(nil, samples()["StoreFeatureUpdate"])
	if err != nil {
		t.Fatal(err)
	}
	unknownFP := append([]byte(nil), good...)
	unknownFP[2] ^= 0xFF
	confluent, err := schemas.AppendConfluent(nil, 77, samples()["StoreFeatureUpdate"])
	if err != nil {
		t.Fatal(err)
	}
	badUnion, err := schemas.AppendSingleObject(nil, &schemas.StoreFeatureUpdate{StoreID: "s", EventTime: 1})
	if err != nil {
		t.Fatal(err)
	}
	badUnion[len(badUnion)-1] = 4 // trace_id's union index 2: out of range
	transient := errors.New("connection refused")
	tests := []struct {
		name   string
		src    schemas.SchemaSource
		msg    []byte
		reason string
		is     error
	}{
		{"empty", nil, nil, "bad_header", schemas.ErrBadHeader},
		{"json", nil, []byte(`{"store_id":"x"}`), "bad_header", schemas.ErrBadHeader},
		{"short single-object header", nil, good[:6], "bad_header", schemas.ErrBadHeader},
		{"short confluent header", nil, confluent[:3], "bad_header", schemas.ErrBadHeader},
		{"unknown fingerprint", nil, unknownFP, "unknown_fingerprint", schemas.ErrUnknownFingerprint},
		{"confluent without registry", nil, confluent, "unknown_schema_id", schemas.ErrUnknownSchemaID},
		{"id unknown to registry", pySource{}, confluent, "unknown_schema_id", schemas.ErrUnknownSchemaID},
		{"registry down", failingSource{transient}, confluent, "", transient},
		{"trailing byte", nil, append(append([]byte(nil), good...), 0), "malformed", schemas.ErrMalformed},
		{"bad union index", nil, badUnion, "malformed", schemas.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u schemas.StoreFeatureUpdate
			err := schemas.NewDecoder(tt.src).Decode(context.Background(), tt.msg, &u)
			if !errors.Is(err, tt.is) || schemas.Reason(err) != tt.reason {
				t.Fatalf("Decode() = %v (reason %q); want %v (reason %q)", err, schemas.Reason(err), tt.is, tt.reason)
			}
		})
	}
}

// TestTruncated cuts every sample's message at every length: each prefix must fail
// cleanly with a data error.
func TestTruncated(t *testing.T) {
	dec := schemas.NewDecoder(nil)
	for name, rec := range samples() {
		msg, err := schemas.AppendSingleObject(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(msg) {
			err := dec.Decode(context.Background(), msg[:n], newRecord(name))
			if schemas.Reason(err) == "" {
				t.Fatalf("%s cut to %d of %d bytes: Decode() = %v; want a data error", name, n, len(msg), err)
			}
		}
	}
}

func TestOlderVersionViaFingerprint(t *testing.T) {
	// A v1 StoreFeatureUpdate (no trace_id), framed single-object with v1's fingerprint.
	v1 := schemas.Versions("StoreFeatureUpdate")[0]
	u := schemas.StoreFeatureUpdate{StoreID: "old", EventTime: 5, Numeric: []schemas.NumericValue{{Name: "x", Value: 2}}, Source: "legacy"}
	body, err := schemas.AppendBinary(nil, &u)
	if err != nil {
		t.Fatal(err)
	}
	body = body[:len(body)-1] // drop the trace_id union (null): the v1 body
	h := schemas.SingleObjectHeader(v1)
	msg := append(h[:], body...)
	var got schemas.StoreFeatureUpdate
	if err := schemas.NewDecoder(nil).Decode(context.Background(), msg, &got); err != nil {
		t.Fatalf("Decode(v1) error: %v", err)
	}
	if diff := cmpDiff(u, got); diff != "" {
		t.Errorf("Decode(v1) (-want +got):\n%s", diff)
	}
	if binary.LittleEndian.Uint64(h[2:]) != v1.Fingerprint {
		t.Errorf("header fingerprint %x; want %x", h[2:], v1.Fingerprint)
	}
}

func TestDecoderConcurrent(t *testing.T) {
	cases := loadPyCases(t)
	dec := schemas.NewDecoder(pySchemas(cases))
	msgs := map[string][]byte{}
	for _, name := range []string{"sfu_v1", "sfu_v2_full"} {
		msg, err := os.ReadFile("testdata/python/" + name + ".confluent")
		if err != nil {
			t.Fatal(err)
		}
		msgs[name] = msg
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				for name, msg := range msgs {
					var u schemas.StoreFeatureUpdate
					if err := dec.Decode(context.Background(), msg, &u); err != nil {
						t.Errorf("%s: %v", name, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestReason(t *testing.T) {
	if got := schemas.Reason(nil); got != "" {
		t.Errorf("Reason(nil) = %q; want empty", got)
	}
	if got := schemas.Reason(errors.New("x")); got != "" {
		t.Errorf("Reason(other) = %q; want empty", got)
	}
}

func FuzzDecode(f *testing.F) {
	for _, rec := range samples() {
		msg, _ := schemas.AppendSingleObject(nil, rec)
		f.Add(msg)
		c, _ := schemas.AppendConfluent(nil, 101, rec)
		f.Add(c)
	}
	src := pySource{101: schemas.Versions("StoreFeatureUpdate")[0].Text, 102: schemas.Versions("StoreFeatureUpdate")[1].Text}
	dec := schemas.NewDecoder(src)
	f.Fuzz(func(t *testing.T, msg []byte) {
		for name := range samples() {
			rec := newRecord(name)
			err := dec.Decode(context.Background(), msg, rec)
			if err != nil && schemas.Reason(err) == "" {
				t.Fatalf("Decode(%x) into %s: %v is not a data error", msg, name, err)
			}
			if err == nil { // what decodes re-encodes and decodes to the same record
				again, err := schemas.AppendSingleObject(nil, rec)
				if err != nil {
					t.Fatalf("decoded %s does not re-encode: %v", name, err)
				}
				back := newRecord(name)
				if err := dec.Decode(context.Background(), again, back); err != nil {
					t.Fatalf("re-encoded %s does not decode: %v", name, err)
				}
				if diff := cmpDiff(rec, back); diff != "" {
					t.Fatalf("re-encode changed %s:\n%s", name, diff)
				}
			}
		}
	})
}
