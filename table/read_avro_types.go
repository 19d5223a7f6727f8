package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// avroDecoder decodes Avro binary values from one block.
type avroDecoder struct {
	buf []byte
	pos int
}

var errShort = errors.New("value runs past the end of its block")

func (d *avroDecoder) long() (int64, error) {
	v, n := binary.Varint(d.buf[d.pos:])
	if n <= 0 {
		if n == 0 {
			return 0, errShort
		}
		return 0, errors.New("varint overflows 64 bits")
	}
	d.pos += n
	return v, nil
}

func (d *avroDecoder) advance(n int64) error {
	if n < 0 || n > int64(len(d.buf)-d.pos) {
		return errShort
	}
	d.pos += int(n)
	return nil
}

// scalar decodes a value of a type that check accepted: a primitive, an enum, or a union of
// them.
func (d *avroDecoder) scalar(t *avroType) (avroScalar, error) {
	if t.kind == "union" {
		k, err := d.long()
		if err != nil {
			return avroScalar{}, err
		}
		if k < 0 || k >= int64(len(t.branches)) {
			return avroScalar{}, fmt.Errorf("union branch %d of %d", k, len(t.branches))
		}
		t = t.branches[k]
	}
	v := avroScalar{t: t}
	var err error
	switch t.kind {
	case "boolean":
		if err = d.advance(1); err == nil {
			v.i = int64(d.buf[d.pos-1])
			if v.i > 1 {
				err = fmt.Errorf("boolean byte %d", v.i)
			}
		}
	case "int", "long", "enum":
		v.i, err = d.long()
		switch {
		case err != nil:
		case t.kind == "int" && (v.i < math.MinInt32 || v.i > math.MaxInt32):
			err = fmt.Errorf("int %d out of range", v.i)
		case t.kind == "enum" && (v.i < 0 || v.i >= int64(len(t.symbols))):
			err = fmt.Errorf("enum index %d of %d symbols", v.i, len(t.symbols))
		}
	case "float":
		if err = d.advance(4); err == nil {
			v.f = float64(math.Float32frombits(binary.LittleEndian.Uint32(d.buf[d.pos-4:])))
		}
	case "double":
		if err = d.advance(8); err == nil {
			v.f = math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.pos-8:]))
		}
	case "string":
		var n int64
		if n, err = d.long(); err == nil {
			if err = d.advance(n); err == nil {
				v.s = d.buf[d.pos-int(n) : d.pos]
			}
		}
	}
	return v, err
}

// skip steps over a value of any type without allocating.
func (d *avroDecoder) skip(t *avroType, depth int) error {
	if depth > avroMaxDepth {
		return fmt.Errorf("values nested more than %d deep", avroMaxDepth)
	}
	if w := t.width(); w >= 0 {
		return d.advance(int64(w))
	}
	switch t.kind {
	case "int", "long", "enum":
		_, err := d.long()
		return err
	case "string", "bytes":
		n, err := d.long()
		if err != nil {
			return err
		}
		return d.advance(n)
	case "union":
		k, err := d.long()
		if err != nil {
			return err
		}
		if k < 0 || k >= int64(len(t.branches)) {
			return fmt.Errorf("union branch %d of %d", k, len(t.branches))
		}
		return d.skip(t.branches[k], depth+1)
	case "record":
		for _, f := range t.fields {
			if err := d.skip(f.typ, depth+1); err != nil {
				return err
			}
		}
		return nil
	case "array", "map":
		return d.skipBlocks(t, depth)
	}
	return fmt.Errorf("cannot skip Avro type %s", t.kind)
}

// skipBlocks steps over the blocks of an array or a map.
func (d *avroDecoder) skipBlocks(t *avroType, depth int) error {
	w := t.items.width()
	for {
		n, err := blockCount(d)
		if err != nil || n == 0 {
			return err
		}
		switch {
		case t.kind == "array" && w == 0:
			// zero-width items take no bytes, however many
		case t.kind == "array" && w > 0:
			if n > int64(len(d.buf)-d.pos)/int64(w) {
				return errShort
			}
			d.pos += int(n) * w
		case n > int64(len(d.buf)-d.pos):
			return errShort // every item (or map key) takes at least one byte
		default:
			for range n {
				if t.kind == "map" {
					if err := d.skip(avroString, depth+1); err != nil {
						return err
					}
				}
				if err := d.skip(t.items, depth+1); err != nil {
					return err
				}
			}
		}
	}
}

// ReadByte lets blockCount read from the block.
func (d *avroDecoder) ReadByte() (byte, error) {
	if d.pos >= len(d.buf) {
		return 0, errShort
	}
	d.pos++
	return d.buf[d.pos-1], nil
}

// avroType is an Avro type: its kind (a primitive type name, "enum", "fixed", "record",
// "array", "map" or "union") and what decoding it needs. Named types are shared pointers, so
// a recursive record refers to itself.
type avroType struct {
	kind     string
	logical  string
	size     int         // fixed: bytes
	symbols  []string    // enum
	items    *avroType   // array items, map values
	branches []*avroType // union
	fields   []avroField // record
	w        int         // encoded width (see width) + 2; 0 = not yet known
	visiting bool        // width is being computed (a recursive record)
}

type avroField struct {
	name string
	typ  *avroType
}

var avroString = &avroType{kind: "string"}

// width is the number of bytes every value of t takes, or −1 if it varies.
func (t *avroType) width() int {
	if t.w != 0 {
		return t.w - 2
	}
	w := -1
	switch t.kind {
	case "null":
		w = 0
	case "boolean":
		w = 1
	case "float":
		w = 4
	case "double":
		w = 8
	case "fixed":
		w = t.size
	case "record":
		if t.visiting {
			return -1
		}
		t.visiting = true
		w = 0
		for _, f := range t.fields {
			fw := f.typ.width()
			if fw < 0 || w > math.MaxInt32-fw {
				w = -1
				break
			}
			w += fw
		}
		t.visiting = false
	}
	t.w = w + 2
	return w
}

// String names the type as a schema would, e.g. "long (timestamp-millis)" or "[null, double]".
func (t *avroType) String() string {
	switch {
	case t.kind == "union":
		parts := make([]string, len(t.branches))
		for i, b := range t.branches {
			parts[i] = b.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case t.logical != "":
		return t.kind + " (" + t.logical + ")"
	}
	return t.kind
}

// avroLogical lists the logical types whose values are not what their base type says (times,
// dates, decimals); other logical types (uuid, for one) read as their base type.
var avroLogical = map[string]bool{
	"long.timestamp-millis": true, "long.timestamp-micros": true, "long.timestamp-nanos": true,
	"long.local-timestamp-millis": true, "long.local-timestamp-micros": true, "long.local-timestamp-nanos": true,
	"int.time-millis": true, "long.time-micros": true, "int.date": true, "fixed.duration": true,
}

// check says whether values of type t can be read in the given role: a nil kind, or the
// detail and the sentinel of the error.
func (t *avroType) check(role uint8) (detail string, kind error) {
	if t.kind == "union" {
		for _, b := range t.branches {
			if detail, kind := b.check(role); kind != nil {
				return fmt.Sprintf("union %v: %s", t, detail), kind
			}
		}
		return "", nil
	}
	switch {
	case t.logical == "decimal":
		return "decimal columns are not supported; store them as double", ErrUnsupported
	case avroLogical[t.kind+"."+t.logical]:
		return "Avro logical type " + t.logical + " is not supported; store the value as a plain long or double", ErrUnsupported
	case t.kind == "record" || t.kind == "array" || t.kind == "map":
		return "nested Avro type " + t.kind + " is not supported", ErrUnsupported
	}
	switch t.kind {
	case "null", "int", "long", "float", "double":
		return "", nil
	case "string", "enum", "boolean":
		if role != roleNum {
			return "", nil
		}
	}
	if role == roleNum {
		return "Avro type " + t.kind + " cannot be read as numeric", ErrNotNumeric
	}
	return "Avro type " + t.kind + " cannot be read as text; store it as string", ErrUnsupported
}

// avroNames holds the named types (records, enums, fixed) defined so far, by full and short
// name.
type avroNames map[string]*avroType

var avroPrimitives = map[string]bool{"null": true, "boolean": true, "int": true, "long": true,
	"float": true, "double": true, "bytes": true, "string": true}

// parse reads a type from a JSON schema; ns is the enclosing namespace.
func (n avroNames) parse(v any, ns string) (*avroType, error) {
	switch x := v.(type) {
	case string:
		if avroPrimitives[x] {
			return &avroType{kind: x}, nil
		}
		for _, key := range []string{x, ns + "." + x} {
			if t, ok := n[key]; ok {
				return t, nil
			}
		}
		return nil, fmt.Errorf("unknown type name %q", x)
	case []any:
		u := &avroType{kind: "union", branches: make([]*avroType, len(x))}
		for i, b := range x {
			var err error
			if u.branches[i], err = n.parse(b, ns); err != nil {
				return nil, err
			}
		}
		return u, nil
	case map[string]any:
		return n.parseObject(x, ns)
	}
	return nil, fmt.Errorf("a type is a %T, not a name, an object or a union", v)
}

// parseObject reads a type given as a JSON object.
func (n avroNames) parseObject(x map[string]any, ns string) (*avroType, error) {
	logical, _ := x["logicalType"].(string)
	typ, ok := x["type"].(string)
	if !ok {
		return n.parse(x["type"], ns)
	}
	switch typ {
	case "record", "error", "enum", "fixed":
		return n.parseNamed(x, typ, logical, ns)
	case "array", "map":
		key := "items"
		if typ == "map" {
			key = "values"
		}
		items, err := n.parse(x[key], ns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", typ, err)
		}
		return &avroType{kind: typ, items: items}, nil
	}
	t, err := n.parse(typ, ns)
	if err != nil || logical == "" {
		return t, err
	}
	c := *t // a primitive, or a named type annotated here: keep the shared type unchanged
	c.logical = logical
	return &c, nil
}

// parseNamed reads a record, enum or fixed definition and registers its name.
func (n avroNames) parseNamed(x map[string]any, typ, logical, ns string) (*avroType, error) {
	name, _ := x["name"].(string)
	if name == "" {
		return nil, fmt.Errorf("a %s has no name", typ)
	}
	if space, _ := x["namespace"].(string); space != "" && !strings.Contains(name, ".") {
		ns = space
	}
	full := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ns, name = name[:i], name[i+1:]
	} else if ns != "" {
		full = ns + "." + name
	}
	t := &avroType{kind: typ, logical: logical}
	n[full], n[name] = t, t // registered before the fields: a record may refer to itself
	switch typ {
	case "enum":
		syms, _ := x["symbols"].([]any)
		for _, s := range syms {
			sym, _ := s.(string)
			t.symbols = append(t.symbols, sym)
		}
	case "fixed":
		size, _ := x["size"].(float64)
		if size < 0 || size > avroMaxMetaBytes || size != math.Trunc(size) {
			return nil, fmt.Errorf("fixed %s has size %v", full, size)
		}
		t.size = int(size)
	default:
		t.kind = "record"
		return t, n.parseFields(t, full, x["fields"], ns)
	}
	return t, nil
}

func (n avroNames) parseFields(t *avroType, record string, v any, ns string) error {
	fields, _ := v.([]any)
	for i, f := range fields {
		fm, _ := f.(map[string]any)
		name, _ := fm["name"].(string)
		if name == "" {
			return fmt.Errorf("field %d of record %s has no name", i+1, record)
		}
		ft, err := n.parse(fm["type"], ns)
		if err != nil {
			return fmt.Errorf("field %q: %w", name, err)
		}
		t.fields = append(t.fields, avroField{name: name, typ: ft})
	}
	return nil
}
