package schemas_test

import (
	"errors"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/storeseg/storeseg/schemas"
)

// TestEvolution proves every committed version backward compatible with the previous one:
// data written with v(N-1) is readable with vN.
func TestEvolution(t *testing.T) {
	byName := map[string][]schemas.Schema{}
	for _, s := range schemas.All() {
		byName[s.Name] = append(byName[s.Name], s)
	}
	if len(byName["StoreFeatureUpdate"]) < 2 {
		t.Fatalf("StoreFeatureUpdate has %d versions; want at least 2", len(byName["StoreFeatureUpdate"]))
	}
	for name, versions := range byName {
		for i := 1; i < len(versions); i++ {
			if err := schemas.CheckCompatible(versions[i].Text, versions[i-1].Text); err != nil {
				t.Errorf("%s v%d cannot read v%d: %v", name, versions[i].Version, versions[i-1].Version, err)
			}
		}
	}
}

func rec(fields string) string {
	return `{"type":"record","name":"R","namespace":"ns","fields":[` + fields + `]}`
}

func TestCheckCompatible(t *testing.T) {
	enum := func(syms, def string) string {
		return rec(`{"name":"e","type":{"type":"enum","name":"E","symbols":[` + syms + `]` + def + `}}`)
	}
	tests := []struct {
		name           string
		reader, writer string
		ok             bool
	}{
		{"identical", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"}`), true},
		{"added field with default", rec(`{"name":"a","type":"int"},{"name":"b","type":["null","string"],"default":null}`), rec(`{"name":"a","type":"int"}`), true},
		{"added field without default", rec(`{"name":"a","type":"int"},{"name":"b","type":"string"}`), rec(`{"name":"a","type":"int"}`), false},
		{"bad default type", rec(`{"name":"a","type":"int"},{"name":"b","type":"int","default":"x"}`), rec(`{"name":"a","type":"int"}`), false},
		{"union default not first branch", rec(`{"name":"b","type":["null","string"],"default":"x"}`), rec(``), false},
		{"removed field", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"int"},{"name":"b","type":{"type":"map","values":"string"}}`), true},
		{"renamed via alias", rec(`{"name":"b","aliases":["a"],"type":"int"}`), rec(`{"name":"a","type":"int"}`), true},
		{"renamed without alias", rec(`{"name":"b","type":"int"}`), rec(`{"name":"a","type":"int"}`), false},
		{"int to long", rec(`{"name":"a","type":"long"}`), rec(`{"name":"a","type":"int"}`), true},
		{"int to double", rec(`{"name":"a","type":"double"}`), rec(`{"name":"a","type":"int"}`), true},
		{"long to float", rec(`{"name":"a","type":"float"}`), rec(`{"name":"a","type":"long"}`), true},
		{"float to double", rec(`{"name":"a","type":"double"}`), rec(`{"name":"a","type":"float"}`), true},
		{"long to int", rec(`{"name":"a","type":"int"}`), rec(`{"name":"a","type":"long"}`), false},
		{"double to float", rec(`{"name":"a","type":"float"}`), rec(`{"name":"a","type":"double"}`), false},
		{"string to bytes", rec(`{"name":"a","type":"bytes"}`), rec(`{"name":"a","type":"string"}`), true},
		{"bytes to string", rec(`{"name":"a","type":"string"}`), rec(`{"name":"a","type":"bytes"}`), true},
		{"value made optional", rec(`{"name":"a","type":["null","double"]}`), rec(`{"name":"a","type":"double"}`), true},
		{"optional made required", rec(`{"name":"a","type":"double"}`), rec(`{"name":"a","type":["null","double"]}`), false},
		{"union widened", rec(`{"name":"a","type":["null","int","string"]}`), rec(`{"name":"a","type":["null","int"]}`), true},
		{"union branch promoted", rec(`{"name":"a","type":["null","double"]}`), rec(`{"name":"a","type":["null","int"]}`), true},
		{"map values promoted", rec(`{"name":"a","type":{"type":"map","values":["null","double"]}}`), rec(`{"name":"a","type":{"type":"map","values":["null","float"]}}`), true},
		{"map values narrowed", rec(`{"name":"a","type":{"type":"map","values":"int"}}`), rec(`{"name":"a","type":{"type":"map","values":"long"}}`), false},
		{"array vs map", rec(`{"name":"a","type":{"type":"array","items":"int"}}`), rec(`{"name":"a","type":{"type":"map","values":"int"}}`), false},
		{"enum symbol added", enum(`"A","B","C"`, ``), enum(`"A","B"`, ``), true},
		{"enum symbol removed, no default", enum(`"A"`, ``), enum(`"A","B"`, ``), false},
		{"enum symbol removed, default", enum(`"A","Z"`, `,"default":"Z"`), enum(`"A","B"`, ``), true},
		{"record renamed", `{"type":"record","name":"S","fields":[]}`, `{"type":"record","name":"R","fields":[]}`, false},
		{"record renamed with alias", `{"type":"record","name":"S","aliases":["R"],"fields":[]}`, `{"type":"record","name":"R","fields":[]}`, true},
		{"namespace changed", `{"type":"record","name":"a.R","fields":[]}`, `{"type":"record","name":"b.R","fields":[]}`, true},
		{"fixed size changed", rec(`{"name":"a","type":{"type":"fixed","name":"F","size":4}}`), rec(`{"name":"a","type":{"type":"fixed","name":"F","size":8}}`), false},
		{"recursive", rec(`{"name":"next","type":["null","R"],"default":null},{"name":"v","type":"long"}`), rec(`{"name":"next","type":["null","R"]},{"name":"v","type":"int"}`), true},
		{"nested record default", rec(`{"name":"n","type":{"type":"record","name":"N","fields":[{"name":"x","type":"int"}]},"default":{"x":3}}`), rec(``), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := schemas.CheckCompatible(tt.reader, tt.writer)
			if tt.ok && err != nil {
				t.Fatalf("CheckCompatible() = %v; want compatible", err)
			}
			if !tt.ok && !errors.Is(err, schemas.ErrIncompatible) {
				t.Fatalf("CheckCompatible() = %v; want ErrIncompatible", err)
			}
		})
	}
	if err := schemas.CheckCompatible(`{`, rec(``)); err == nil || errors.Is(err, schemas.ErrIncompatible) {
		t.Errorf("CheckCompatible(bad JSON) = %v; want a parse error", err)
	}
}

// transcodeCase writes datum with the writer schema (goavro), reads it through a Confluent
// message and a Decoder whose reader is the newest StoreFeatureUpdate, and compares.
func TestResolvedDecoding(t *testing.T) {
	const ns = `"name":"StoreFeatureUpdate","namespace":"dev.storeseg.v1"`
	tests := []struct {
		name   string
		writer string
		datum  map[string]any
		want   schemas.StoreFeatureUpdate
	}{{
		name: "reordered, extra and promoted fields",
		writer: `{"type":"record",` + ns + `,"fields":[
			{"name":"extra","type":{"type":"array","items":{"type":"record","name":"X","fields":[{"name":"x","type":"string"}]}}},
			{"name":"numeric","type":{"type":"map","values":["null","int","float"]}},
			{"name":"event_time","type":"int"},
			{"name":"store_id","type":"bytes"},
			{"name":"categorical","type":{"type":"map","values":"string"}},
			{"name":"trace_id","type":"string"}]}`,
		datum: map[string]any{"extra": []any{map[string]any{"x": "skip me"}}, "numeric": map[string]any{"a": goavro.Union("int", 7), "b": nil, "c": goavro.Union("float", float32(0.5))},
			"event_time": int32(12345), "store_id": []byte("st"), "categorical": map[string]any{"k": "v"}, "trace_id": "t"},
		want: schemas.StoreFeatureUpdate{StoreID: "st", EventTime: 12345, TraceID: "t",
			Numeric:     []schemas.NumericValue{{Name: "a", Value: 7}, {Name: "b", Null: true}, {Name: "c", Value: 0.5}},
			Categorical: []schemas.CategoricalValue{{Name: "k", Value: "v"}}},
	}, {
		name:   "minimal writer, defaults fill the rest",
		writer: `{"type":"record",` + ns + `,"fields":[{"name":"store_id","type":"string"},{"name":"event_time","type":"long"}]}`,
		datum:  map[string]any{"store_id": "s", "event_time": int64(1)},
		want:   schemas.StoreFeatureUpdate{StoreID: "s", EventTime: 1},
	}}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codec, err := goavro.NewCodec(tt.writer)
			if err != nil {
				t.Fatal(err)
			}
			body, err := codec.BinaryFromNative(nil, tt.datum)
			if err != nil {
				t.Fatal(err)
			}
			id := 1000 + i
			msg := append([]byte{0, 0, 0, byte(id >> 8), byte(id)}, body...)
			var got schemas.StoreFeatureUpdate
			if err := schemas.NewDecoder(pySource{id: tt.writer}).Decode(t.Context(), msg, &got); err != nil {
				t.Fatalf("Decode error: %v", err)
			}
			if diff := cmpDiff(tt.want, got); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIncompatibleWriter(t *testing.T) {
	// A SegmentAssignment read as a StoreFeatureUpdate, and a writer missing event_time.
	a, err := schemas.AppendSingleObject(nil, samples()["SegmentAssignment"])
	if err != nil {
		t.Fatal(err)
	}
	var u schemas.StoreFeatureUpdate
	dec := schemas.NewDecoder(pySource{5: rec(`{"name":"store_id","type":"string"}`)})
	err = dec.Decode(t.Context(), a, &u)
	if !errors.Is(err, schemas.ErrIncompatible) || schemas.Reason(err) != "incompatible_schema" {
		t.Errorf("Decode(SegmentAssignment as StoreFeatureUpdate) = %v; want ErrIncompatible", err)
	}
	for range 2 { // the second time from the cache
		err = dec.Decode(t.Context(), []byte{0, 0, 0, 0, 5, 2, 'x'}, &u)
		var ie *schemas.IncompatibleError
		if !errors.As(err, &ie) {
			t.Errorf("Decode(writer without event_time) = %v; want *IncompatibleError", err)
		}
	}
}
