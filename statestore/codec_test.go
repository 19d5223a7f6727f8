package statestore

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var testRecord = Record{
	State: State{StoreID: "store-1", UpdatedAt: 1_700_000_000_000, Source: "erp", Sequence: -3, HasSequence: true,
		Num: []NumFeature{{Name: "area", Value: 512.5, EventTime: 1_700_000_000_000}, {Name: "sales", Missing: true, EventTime: 1_699_000_000_000},
			{Name: "z", Value: math.Copysign(0, -1), EventTime: 1_700_000_000_000}},
		Cat: []CatFeature{{Name: "type", Value: "hyper", EventTime: 1_690_000_000_000}, {Name: "zone", Missing: true, EventTime: 1_700_000_000_000}}},
	DeletedAt: 1_600_000_000_000,
	Revision:  42,
}

func TestRecordRoundTrip(t *testing.T) {
	for _, rec := range []Record{testRecord, {}, {DeletedAt: 5, Revision: 1, State: State{StoreID: "gone"}}} {
		b := encodeRecord(nil, &rec)
		got, err := decodeRecord(b)
		if err != nil {
			t.Fatalf("decodeRecord(encodeRecord(%+v)) error: %v", rec, err)
		}
		if diff := cmp.Diff(rec, got, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		fromString, err := decodeRecordString(string(b))
		if err != nil {
			t.Fatalf("decodeRecordString error: %v", err)
		}
		if diff := cmp.Diff(got, fromString, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })); diff != "" {
			t.Errorf("decodeRecordString differs from decodeRecord (-bytes +string):\n%s", diff)
		}
	}
}

func TestDecodeRecordCorrupt(t *testing.T) {
	good := encodeRecord(nil, &testRecord)
	for n := range len(good) {
		if _, err := decodeRecord(good[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decodeRecord(first %d of %d bytes) = %v; want ErrCorrupt", n, len(good), err)
		}
		if _, err := decodeRecordString(string(good[:n])); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decodeRecordString(first %d of %d bytes) = %v; want ErrCorrupt", n, len(good), err)
		}
	}
	bad := append([]byte{9}, good[1:]...)
	if _, err := decodeRecord(bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("decodeRecord(format 9) = %v; want ErrCorrupt", err)
	}
	if _, err := decodeRecord(append(good, 0)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("decodeRecord(trailing byte) = %v; want ErrCorrupt", err)
	}
}

func TestEmissionRoundTrip(t *testing.T) {
	e := Emission{StoreID: "s", Revision: 7, ModelVersion: "v12", SegmentID: -1, Acked: true}
	got, err := decodeEmission("s", encodeEmission(nil, &e))
	if err != nil || got != e {
		t.Fatalf("decodeEmission(encodeEmission(%+v)) = %+v, %v", e, got, err)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(nil, &testRecord))
	f.Add(encodeRecord(nil, &Record{}))
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeRecord error %v is not ErrCorrupt", err)
			}
			return
		}
		// Whatever decodes must re-encode to the same bytes (the encoding is canonical),
		// except for non-minimal varints, which decode but re-encode shorter.
		if again, err := decodeRecord(encodeRecord(nil, &rec)); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		} else if diff := cmp.Diff(rec, again, cmpopts.EquateEmpty(), cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("re-encode changed the record:\n%s", diff)
		}
	})
}

func FuzzDecodeEmission(f *testing.F) {
	f.Add(encodeEmission(nil, &Emission{Revision: 7, ModelVersion: "v1", SegmentID: 3, Acked: true}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := decodeEmission("s", b); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decodeEmission error %v is not ErrCorrupt", err)
		}
	})
}
