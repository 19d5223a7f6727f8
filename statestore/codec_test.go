package statestore

import (
	"encoding/hex"
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

// testDict holds some of testRecord's strings (and one it lacks), so that its encoding mixes
// ids and inline strings.
var testDict = newDict([]string{"area", "hyper", "erp", "unused", "type"}).snap()

var exactFloats = cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })

func TestRecordRoundTrip(t *testing.T) {
	for _, snap := range []*dictSnap{nil, testDict} {
		for _, rec := range []Record{testRecord, {}, {DeletedAt: 5, Revision: 1, State: State{StoreID: "gone"}}} {
			b := encodeRecord(nil, &rec, snap)
			got, err := decodeRecord(b, snap)
			if err != nil {
				t.Fatalf("decodeRecord(encodeRecord(%+v)) error: %v", rec, err)
			}
			if diff := cmp.Diff(rec, got, cmpopts.EquateEmpty(), exactFloats); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			fromString, err := decodeRecordString(string(b), snap)
			if err != nil {
				t.Fatalf("decodeRecordString error: %v", err)
			}
			if diff := cmp.Diff(got, fromString, cmpopts.EquateEmpty(), exactFloats); diff != "" {
				t.Errorf("decodeRecordString differs from decodeRecord (-bytes +string):\n%s", diff)
			}
		}
	}
	if with, without := len(encodeRecord(nil, &testRecord, testDict)), len(encodeRecord(nil, &testRecord, nil)); with >= without {
		t.Errorf("record with dictionary ids takes %d bytes, without %d; want fewer", with, without)
	}
}

// recordV1 is testRecord in format 1, as the encoder wrote it before the dictionary (format
// 2): stores written then must stay readable.
const recordV1 = "01018080f4f6905d2a0773746f72652d3180a0abfef9620365727005030461726561000000000000048040000573616c6573" +
	"018094ebdc03017a000000000000000080000204747970650005687970657280c8afa025047a6f6e650100"

func TestDecodeRecordFormat1(t *testing.T) {
	b, err := hex.DecodeString(recordV1)
	if err != nil {
		t.Fatal(err)
	}
	for _, snap := range []*dictSnap{nil, testDict} {
		got, err := decodeRecord(b, snap)
		if err != nil {
			t.Fatalf("decodeRecord(format 1) error: %v", err)
		}
		if diff := cmp.Diff(testRecord, got, cmpopts.EquateEmpty(), exactFloats); diff != "" {
			t.Errorf("format 1 record (-want +got):\n%s", diff)
		}
	}
}

func TestDecodeRecordCorrupt(t *testing.T) {
	good := encodeRecord(nil, &testRecord, testDict)
	for n := range len(good) {
		if _, err := decodeRecord(good[:n], testDict); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decodeRecord(first %d of %d bytes) = %v; want ErrCorrupt", n, len(good), err)
		}
		if _, err := decodeRecordString(string(good[:n]), testDict); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decodeRecordString(first %d of %d bytes) = %v; want ErrCorrupt", n, len(good), err)
		}
	}
	bad := append([]byte{9}, good[1:]...)
	if _, err := decodeRecord(bad, testDict); !errors.Is(err, ErrCorrupt) {
		t.Errorf("decodeRecord(format 9) = %v; want ErrCorrupt", err)
	}
	if _, err := decodeRecord(append(good, 0), testDict); !errors.Is(err, ErrCorrupt) {
		t.Errorf("decodeRecord(trailing byte) = %v; want ErrCorrupt", err)
	}
	// Ids the dictionary does not have: a smaller dictionary, and none.
	small := newDict([]string{"area"}).snap()
	for _, snap := range []*dictSnap{small, nil} {
		if _, err := decodeRecord(good, snap); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeRecord with ids unknown to the dictionary = %v; want ErrCorrupt", err)
		}
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
	f.Add(encodeRecord(nil, &testRecord, testDict))
	f.Add(encodeRecord(nil, &testRecord, nil))
	f.Add(encodeRecord(nil, &Record{}, nil))
	if v1, err := hex.DecodeString(recordV1); err == nil {
		f.Add(v1)
	}
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b, testDict)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeRecord error %v is not ErrCorrupt", err)
			}
			return
		}
		// Whatever decodes must re-encode to a record that decodes the same (format 1
		// re-encodes as format 2; non-minimal varints re-encode shorter).
		if again, err := decodeRecord(encodeRecord(nil, &rec, testDict), testDict); err != nil {
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
