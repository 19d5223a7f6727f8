package table_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/linkedin/goavro/v2"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

// avroStoresSchema names every readable column of testdata/avro_stores.avro, written by
// fastavro 1.13.1 through testdata/gen_avro.py together with its CSV twin avro_stores.csv.
var avroStoresSchema = table.Schema{
	ID: "store_id",
	Numeric: []string{"revenue_12m", "sales_area_m2", "staff_count", "footfall_weekly", "online_share",
		"parking_spaces", "avg_basket"},
	Categorical: []string{"format", "prev_format", "placement", "region", "open_24h", "has_pharmacy", "size_class"},
}

// TestReadAvroMatchesCSV reads the fastavro fixtures (deflate with several blocks, null codec
// in one block, and the same records re-encoded by goavro with snappy) and compares each with
// the CSV read of the same table. The comparison is exact: gen_avro.py chose values whose
// decimal text and float32 form are exact.
func TestReadAvroMatchesCSV(t *testing.T) {
	ctx := context.Background()
	want, err := table.Read(ctx, filepath.Join("testdata", "avro_stores.csv"), avroStoresSchema)
	if err != nil {
		t.Fatal(err)
	}
	checkFixtureCoverage(t, want)
	snappy := recodeOCF(t, readFile(t, filepath.Join("testdata", "avro_stores.avro")), goavro.CompressionSnappyLabel)
	inputs := map[string][]byte{
		"avro_stores.avro":      readFile(t, filepath.Join("testdata", "avro_stores.avro")),
		"avro_stores_null.avro": readFile(t, filepath.Join("testdata", "avro_stores_null.avro")),
		"snappy (goavro)":       snappy,
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			got, err := table.ReadAvro(ctx, bytes.NewReader(data), name, avroStoresSchema)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got, eqNaN); d != "" {
				t.Errorf("ReadAvro(%s) differs from the CSV read (-csv +avro):\n%s", name, d)
			}
			if err := got.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
	// Through Read: the extension chooses the format.
	got, err := table.Read(ctx, filepath.Join("testdata", "avro_stores.avro"), avroStoresSchema)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, eqNaN); d != "" {
		t.Errorf("Read(avro_stores.avro) differs from the CSV read (-csv +avro):\n%s", d)
	}
}

// checkFixtureCoverage makes sure the fixture exercises what the comparison claims to test:
// missing values in numeric and categorical columns of every kind, and 60 stores.
func checkFixtureCoverage(t *testing.T, f *frame.Frame) {
	t.Helper()
	if f.Rows() != 60 {
		t.Fatalf("fixture has %d rows; want 60", f.Rows())
	}
	for j, name := range f.NumNames {
		if name == "revenue_12m" || name == "staff_count" || name == "parking_spaces" || name == "avg_basket" {
			if !slicesHasNaN(f.Num[j]) {
				t.Errorf("fixture column %s has no missing value", name)
			}
		}
	}
	for q, name := range f.CatNames {
		if name == "prev_format" || name == "placement" || name == "has_pharmacy" {
			if !slicesHasMissing(f.Cat[q]) {
				t.Errorf("fixture column %s has no missing value", name)
			}
		}
		if len(f.Levels[q]) < 2 {
			t.Errorf("fixture column %s has levels %q; want at least 2", name, f.Levels[q])
		}
	}
}

func slicesHasNaN(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) {
			return true
		}
	}
	return false
}

func slicesHasMissing(v []int32) bool {
	for _, x := range v {
		if x == frame.Missing {
			return true
		}
	}
	return false
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recodeOCF decodes an OCF with goavro and writes its records again with another codec.
func recodeOCF(t *testing.T, data []byte, compression string) []byte {
	t.Helper()
	r, err := goavro.NewOCFReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var recs []any
	for r.Scan() {
		rec, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	return writeOCF(t, string(r.MetaData()["avro.schema"]), compression, recs...)
}

// writeOCF writes records with goavro, in blocks of at most 1000 records (a block is what
// one Append writes).
func writeOCF(t testing.TB, schema, compression string, recs ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := goavro.NewOCFWriter(goavro.OCFConfig{W: &buf, Schema: schema, CompressionName: compression})
	if err != nil {
		t.Fatal(err)
	}
	for len(recs) > 0 {
		n := min(len(recs), 1000)
		if err := w.Append(recs[:n]); err != nil {
			t.Fatal(err)
		}
		recs = recs[n:]
	}
	return buf.Bytes()
}

func TestReadAvroEmpty(t *testing.T) {
	got, err := table.Read(context.Background(), filepath.Join("testdata", "avro_empty.avro"), avroStoresSchema)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows() != 0 || len(got.Num) != 7 || len(got.Num[0]) != 0 || len(got.Cat[0]) != 0 || got.Levels[0] == nil {
		t.Errorf("Read(avro_empty.avro) = %+v; want an empty frame with 7 numeric columns", got)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

// TestReadAvroValues covers conversions the fixture does not: integer and enum ids, NaN and
// infinite doubles, unions with several non-null branches, floats and longs as levels, and
// empty strings (a level, but a missing id).
func TestReadAvroValues(t *testing.T) {
	const schema = `{"type": "record", "name": "S", "fields": [
		{"name": "id", "type": "long"},
		{"name": "x", "type": ["double", "null"]},
		{"name": "y", "type": ["null", "int", "double"]},
		{"name": "f", "type": "float"},
		{"name": "d", "type": "double"},
		{"name": "l", "type": ["null", "long"]},
		{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["a", "b"]}},
		{"name": "s", "type": "string"},
		{"name": "n", "type": "null"}]}`
	rec := func(id int64, x, y any, f float32, d float64, l any, e, s string) map[string]any {
		return map[string]any{"id": id, "x": x, "y": y, "f": f, "d": d, "l": l, "e": e, "s": s, "n": nil}
	}
	data := writeOCF(t, schema, goavro.CompressionDeflateLabel,
		rec(10, goavro.Union("double", math.NaN()), goavro.Union("int", int32(7)), 1.5, 100, goavro.Union("long", int64(-3)), "b", ""),
		rec(-2, goavro.Union("double", math.Inf(1)), goavro.Union("double", 0.25), 1e-3, 1e21, nil, "a", "x y"),
		rec(30, nil, nil, float32(math.Inf(-1)), math.NaN(), goavro.Union("long", int64(1<<62)), "b", ""),
	)
	s := table.Schema{ID: "id", Numeric: []string{"x", "y", "n"}, Categorical: []string{"f", "d", "l", "e", "s", "n2"}}
	_, err := table.ReadAvro(context.Background(), bytes.NewReader(data), "v.avro", s)
	if !errors.Is(err, table.ErrNoColumn) {
		t.Fatalf("ReadAvro(absent n2) error = %v; want ErrNoColumn", err)
	}
	s.Categorical[5] = "n"
	s.Numeric = s.Numeric[:2]
	got, err := table.ReadAvro(context.Background(), bytes.NewReader(data), "v.avro", s)
	if err != nil {
		t.Fatal(err)
	}
	m := frame.Missing
	want := &frame.Frame{
		IDName: "id", IDs: []string{"10", "-2", "30"},
		NumNames: []string{"x", "y"}, Num: [][]float64{{nan, math.Inf(1), nan}, {7, 0.25, nan}},
		CatNames: s.Categorical,
		Levels:   [][]string{{"1.5", "0.001", "-Inf"}, {"100", "1e+21", "NaN"}, {"-3", "4611686018427387904"}, {"b", "a"}, {"", "x y"}, {}},
		Cat:      [][]int32{{0, 1, 2}, {0, 1, 2}, {0, m, 1}, {0, 1, 0}, {0, 1, 0}, {m, m, m}},
	}
	if d := cmp.Diff(want, got, eqNaN); d != "" {
		t.Errorf("ReadAvro mismatch (-want +got):\n%s", d)
	}
}

func TestReadAvroErrors(t *testing.T) {
	fixture := readFile(t, filepath.Join("testdata", "avro_stores.avro"))
	idSchema := func(idType string) string {
		return `{"type": "record", "name": "R", "fields": [{"name": "id", "type": ` + idType + `}, {"name": "x", "type": "double"}]}`
	}
	dupIDs := writeOCF(t, idSchema(`"string"`), "null",
		map[string]any{"id": "a", "x": 1.0}, map[string]any{"id": "b", "x": 2.0}, map[string]any{"id": "a", "x": 3.0})
	nullID := writeOCF(t, idSchema(`["string", "null"]`), "null",
		map[string]any{"id": goavro.Union("string", "a"), "x": 1.0}, map[string]any{"id": nil, "x": 2.0})
	emptyID := writeOCF(t, idSchema(`"string"`), "null", map[string]any{"id": "a", "x": 1.0}, map[string]any{"id": "", "x": 2.0})
	notRecord := writeOCF(t, `"long"`, "null", int64(1), int64(2))
	id := func(num, cat string) table.Schema {
		s := table.Schema{ID: "store_id"}
		if num != "" {
			s.Numeric = []string{num}
		}
		if cat != "" {
			s.Categorical = []string{cat}
		}
		return s
	}
	tests := []struct {
		name   string
		data   []byte
		s      table.Schema
		kind   error
		row    int
		column string
		msg    string
	}{
		{"absent", fixture, id("sales", ""), table.ErrNoColumn, 0, "sales",
			`column "sales": column not found; available: store_id, tags, revenue_12m, sales_area_m2, staff_count`},
		{"string as numeric", fixture, id("region", ""), table.ErrNotNumeric, 0, "region", "Avro type string cannot be read as numeric"},
		{"enum as numeric", fixture, id("format", ""), table.ErrNotNumeric, 0, "format", "Avro type enum cannot be read as numeric"},
		{"nullable bool as numeric", fixture, id("has_pharmacy", ""), table.ErrNotNumeric, 0, "has_pharmacy",
			"union [null, boolean]: Avro type boolean cannot be read as numeric"},
		{"array", fixture, id("", "tags"), table.ErrUnsupported, 0, "tags", "nested Avro type array is not supported"},
		{"map", fixture, id("attrs", ""), table.ErrUnsupported, 0, "attrs", "nested Avro type map"},
		{"record", fixture, id("", "address"), table.ErrUnsupported, 0, "address", "nested Avro type record"},
		{"bytes", fixture, id("", "blob"), table.ErrUnsupported, 0, "blob", "Avro type bytes cannot be read as text"},
		{"bytes as numeric", fixture, id("blob", ""), table.ErrNotNumeric, 0, "blob", "Avro type bytes cannot be read as numeric"},
		{"timestamp", fixture, id("updated_at", ""), table.ErrUnsupported, 0, "updated_at", "logical type timestamp-millis is not supported"},
		{"decimal", fixture, id("price", ""), table.ErrUnsupported, 0, "price", "decimal columns are not supported"},
		{"record id", fixture, table.Schema{ID: "address"}, table.ErrUnsupported, 0, "address", "nested"},
		{"duplicate id", dupIDs, table.Schema{ID: "id", Numeric: []string{"x"}}, table.ErrDuplicateID, 3, "id",
			`table: e.avro: row 3, column "id": id "a" already used in row 1`},
		{"null id", nullID, table.Schema{ID: "id"}, table.ErrMissingID, 2, "id", `row 2, column "id": missing id`},
		{"empty id", emptyID, table.Schema{ID: "id"}, table.ErrMissingID, 2, "id", "missing id"},
		{"not records", notRecord, table.Schema{ID: "id"}, table.ErrUnsupported, 0, "", "Avro values of type long, not records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := table.ReadAvro(context.Background(), bytes.NewReader(tt.data), "e.avro", tt.s)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("ReadAvro() error = %v; want %v", err, tt.kind)
			}
			var te *table.Error
			if !errors.As(err, &te) {
				t.Fatalf("error %T is not a *table.Error", err)
			}
			if te.File != "e.avro" || te.Row != tt.row || te.Column != tt.column {
				t.Errorf("error fields = file %q row %d column %q; want e.avro, row %d, column %q", te.File, te.Row, te.Column, tt.row, tt.column)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q; want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestReadAvroNotAvro(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty": nil,
		"csv":   readFile(t, filepath.Join("testdata", "avro_stores.csv")),
		"magic": []byte("Obj\x01"),
	} {
		_, err := table.ReadAvro(context.Background(), bytes.NewReader(data), "x.avro", avroStoresSchema)
		if err == nil || !strings.Contains(err.Error(), "table: opening x.avro: not a readable avro object container file") {
			t.Errorf("ReadAvro(%s) error = %v; want an error naming the file", name, err)
		}
	}
}

// TestReadAvroCorrupt truncates and damages the fixture (deflate, several blocks) and its
// null-codec twin: the reader must return an error or a valid frame, never panic.
func TestReadAvroCorrupt(t *testing.T) {
	for _, file := range []string{"avro_stores.avro", "avro_stores_null.avro"} {
		good := readFile(t, filepath.Join("testdata", file))
		for cut := 0; cut < len(good); cut += 41 {
			tryAvro(t, good[:cut])
		}
		for i := 0; i < len(good); i += 7 {
			b := bytes.Clone(good)
			b[i] ^= 0x5a
			tryAvro(t, b)
		}
	}
	// A truncation inside the last block names the file and the last record read.
	good := readFile(t, filepath.Join("testdata", "avro_stores_null.avro"))
	_, err := table.ReadAvro(context.Background(), bytes.NewReader(good[:len(good)-40]), "cut.avro", avroStoresSchema)
	if err == nil || !strings.Contains(err.Error(), "table: reading cut.avro after record 0: corrupt avro file") {
		t.Errorf("ReadAvro(truncated) error = %v; want it to name the file and the record", err)
	}
}

// TestReadAvroHostile feeds hand-made blocks that a damaged or hostile file may hold: counts
// and lengths far beyond the data (goavro's own reader would allocate them and be killed for
// it), runaway nesting, and values outside their type. Each must give an error naming the
// record and field where there is one, quickly and without a large allocation.
func TestReadAvroHostile(t *testing.T) {
	const schema = `{"type": "record", "name": "R", "fields": [
		{"name": "id", "type": "string"},
		{"name": "x", "type": ["null", "int"]},
		{"name": "ok", "type": "boolean"},
		{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["a", "b"]}},
		{"name": "attrs", "type": {"type": "map", "values": "long"}},
		{"name": "nulls", "type": {"type": "array", "items": "null"}},
		{"name": "next", "type": ["null", {"type": "record", "name": "Node", "fields": [
			{"name": "v", "type": "long"}, {"name": "next", "type": ["null", "Node"]}]}]}]}`
	sync := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	var hb bytes.Buffer
	if _, err := goavro.NewOCFWriter(goavro.OCFConfig{W: &hb, Schema: schema, SyncMarker: sync}); err != nil {
		t.Fatal(err)
	}
	header := hb.Bytes()
	v := func(vals ...int64) []byte { // zigzag varints
		var b []byte
		for _, x := range vals {
			b = binary.AppendVarint(b, x)
		}
		return b
	}
	// rec is a valid record: id "a", x = 5, true, enum b, empty map, 3 nulls, no next.
	rec := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	good := rec(v(1), []byte("a"), v(1, 5), []byte{1}, v(1), v(0), v(3, 0), v(0))
	block := func(count int64, data []byte) []byte {
		return rec(header, v(count, int64(len(data))), data, sync[:])
	}
	deep := rec(v(1), []byte("a"), v(0), []byte{1}, v(0), v(0), v(0))
	for range 2000 {
		deep = append(deep, rec(v(1), v(7))...) // branch Node, v = 7
	}
	deep = append(deep, v(0)...)
	tests := []struct {
		name, msg string
		data      []byte
	}{
		{"huge map count", `record 1, field "attrs": corrupt avro data: value runs past the end`,
			block(1, rec(v(1), []byte("a"), v(0), []byte{1}, v(0), v(1<<31-1), v(0), v(0), v(0)))},
		{"huge string length", `record 1, field "id"`, block(1, rec(v(1<<40), []byte("a")))},
		{"union branch", `record 1, field "x": corrupt avro data: union branch 2 of 2`,
			block(1, rec(v(1), []byte("a"), v(2)))},
		{"int range", `field "x": corrupt avro data: int 4294967296 out of range`,
			block(1, rec(v(1), []byte("a"), v(1, 1<<32)))},
		{"boolean byte", `record 1, field "ok": corrupt avro data: boolean byte 2`,
			block(1, rec(v(1), []byte("a"), v(0), []byte{2}))},
		{"enum index", `field "e": corrupt avro data: enum index 2 of 2 symbols`,
			block(1, rec(v(1), []byte("a"), v(0), []byte{1}, v(2)))},
		{"runaway nesting", `record 1, field "next": corrupt avro data: values nested more than`, block(1, deep)},
		{"count beyond data", "after record 0: corrupt avro file: block of 10 bytes cannot hold 1000000 records",
			block(1_000_000, good)},
		{"left over", "after record 1: corrupt avro file: 10 bytes left over in a block", block(1, rec(good, good))},
		{"second record short", `record 2, field "id": corrupt avro data`, block(2, rec(good, v(5)))},
		{"sync", "sync marker does not match", rec(header, v(1, int64(len(good))), good, make([]byte, 16))},
		{"huge block", "bad block size 4611686018427387904", rec(header, v(1, 1<<62))},
		{"huge block count", "after record 0: corrupt avro file: block: 0 of 1000000 bytes",
			rec(header, v(1<<40, 1_000_000))},
		{"huge metadata count", "not a readable avro object container file: metadata has more than 4096 entries",
			rec([]byte("Obj\x01"), v(1<<31-1))},
		{"huge metadata value", "metadata: bad length", rec([]byte("Obj\x01"), v(1, 1), []byte("k"), v(1<<40))},
	}
	s := table.Schema{ID: "id", Numeric: []string{"x"}, Categorical: []string{"ok", "e"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := table.ReadAvro(context.Background(), bytes.NewReader(tt.data), "h.avro", s)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "h.avro") {
				t.Errorf("ReadAvro() error = %v; want one naming h.avro and containing %q", err, tt.msg)
			}
		})
	}
	// The valid record, with a zero-width array of many items: read, not refused.
	huge := rec(v(1), []byte("a"), v(1, 5), []byte{1}, v(1), v(0), v(1<<50, 0), v(0))
	f, err := table.ReadAvro(context.Background(), bytes.NewReader(block(1, huge)), "h.avro", s)
	if err != nil {
		t.Fatal(err)
	}
	if f.IDs[0] != "a" || f.Num[0][0] != 5 || f.Levels[0][0] != "true" || f.Levels[1][0] != "b" {
		t.Errorf("ReadAvro(valid record) = %+v; want id a, x 5, ok true, e b", f)
	}
}

func tryAvro(t *testing.T, b []byte) {
	t.Helper()
	f, err := table.ReadAvro(context.Background(), bytes.NewReader(b), "bad.avro", avroStoresSchema)
	if err == nil {
		if verr := f.Validate(); verr != nil {
			t.Errorf("damaged file gave an invalid frame: %v", verr)
		}
	} else if !strings.Contains(err.Error(), "bad.avro") {
		t.Errorf("error %q does not name the file", err)
	}
}

// FuzzReadAvro checks that no input makes the reader panic; `go test` runs the seeds.
func FuzzReadAvro(f *testing.F) {
	good := readFile(f, filepath.Join("testdata", "avro_stores.avro"))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(readFile(f, filepath.Join("testdata", "avro_empty.avro")))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := table.ReadAvro(context.Background(), bytes.NewReader(b), "fuzz.avro", avroStoresSchema)
		if err == nil {
			if verr := fr.Validate(); verr != nil {
				t.Errorf("ReadAvro gave an invalid frame: %v", verr)
			}
		}
	})
}

func TestReadAvroCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := table.Read(ctx, filepath.Join("testdata", "avro_stores.avro"), avroStoresSchema)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Read(canceled) error = %v; want context.Canceled", err)
	}
}

// TestReadAvroSynth writes generated stores (every column, missing values included) to Avro
// with nullable fields and checks that reading them back gives the frame they came from.
func TestReadAvroSynth(t *testing.T) {
	ctx := context.Background()
	s := table.Schema{ID: synth.IDColumn, Numeric: synth.NumNames(), Categorical: synth.CatNames()}
	want, path := synthAvro(t, 2000, s)
	got, err := table.Read(ctx, path, s)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, eqNaN); d != "" {
		t.Errorf("Avro round trip of generated stores differs (-want +got):\n%s", d)
	}
}

// synthAvro generates n stores, reads them from Parquet and writes them to stores.avro (a
// nullable double per numeric column, a nullable string per categorical one, deflate codec).
func synthAvro(t testing.TB, n int, s table.Schema) (*frame.Frame, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.Stores = n
	pq := filepath.Join(dir, "stores.parquet")
	if _, err := synth.Generate(context.Background(), cfg, pq, ""); err != nil {
		t.Fatal(err)
	}
	f, err := table.Read(context.Background(), pq, s)
	if err != nil {
		t.Fatal(err)
	}
	fields := []string{fmt.Sprintf(`{"name": %q, "type": "string"}`, s.ID)}
	for _, c := range s.Numeric {
		fields = append(fields, fmt.Sprintf(`{"name": %q, "type": ["null", "double"]}`, c))
	}
	for _, c := range s.Categorical {
		fields = append(fields, fmt.Sprintf(`{"name": %q, "type": ["null", "string"]}`, c))
	}
	schema := `{"type": "record", "name": "Store", "fields": [` + strings.Join(fields, ", ") + `]}`
	recs := make([]any, f.Rows())
	for i := range recs {
		rec := map[string]any{s.ID: f.IDs[i]}
		for j, c := range s.Numeric {
			if v := f.Num[j][i]; !math.IsNaN(v) {
				rec[c] = goavro.Union("double", v)
			} else {
				rec[c] = nil
			}
		}
		for q, c := range s.Categorical {
			if code := f.Cat[q][i]; code != frame.Missing {
				rec[c] = goavro.Union("string", f.Levels[q][code])
			} else {
				rec[c] = nil
			}
		}
		recs[i] = rec
	}
	path := filepath.Join(dir, "stores.avro")
	if err := os.WriteFile(path, writeOCF(t, schema, goavro.CompressionDeflateLabel, recs...), 0o644); err != nil {
		t.Fatal(err)
	}
	return f, path
}

// ExampleReadAvro reads two columns of an Avro object container file written by fastavro.
func ExampleReadAvro() {
	f, err := os.Open(filepath.Join("testdata", "avro_stores.avro"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	fr, err := table.ReadAvro(context.Background(), f, "avro_stores.avro", table.Schema{
		ID: "store_id", Numeric: []string{"staff_count"}, Categorical: []string{"format"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fr.Rows(), fr.IDs[:3], fr.Num[0][:3], fr.Levels[0])
	// Output: 60 [S0001 S0002 S0003] [189 288 149] [discount hyper super convenience]
}
