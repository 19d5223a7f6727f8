package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// This file parses Avro schema JSON into a tree that the compatibility check and the
// resolving transcoder walk. It covers the whole Avro type system except the decimal,
// uuid and duration logical types' semantics (logical types are kept as annotations).

// kind is an Avro type.
type kind uint8

const (
	kNull kind = iota
	kBoolean
	kInt
	kLong
	kFloat
	kDouble
	kBytes
	kString
	kRecord
	kEnum
	kArray
	kMap
	kUnion
	kFixed
)

var kindNames = [...]string{"null", "boolean", "int", "long", "float", "double", "bytes",
	"string", "record", "enum", "array", "map", "union", "fixed"}

func (k kind) String() string { return kindNames[k] }

var primitives = map[string]kind{"null": kNull, "boolean": kBoolean, "int": kInt, "long": kLong,
	"float": kFloat, "double": kDouble, "bytes": kBytes, "string": kString}

// node is one parsed Avro type. Named types (record, enum, fixed) are shared by pointer
// wherever they are referenced, so recursive schemas form cycles.
type node struct {
	kind     kind
	name     string   // full name of a named type
	aliases  []string // full names
	logical  string   // logicalType annotation, "" if none
	fields   []field  // record
	symbols  []string // enum
	enumDef  string   // enum default symbol, "" if none
	items    *node    // array items, map values
	branches []*node  // union
	size     int      // fixed
}

// field is one record field.
type field struct {
	name    string
	aliases []string
	typ     *node
	def     any // decoded JSON default (json.Number for numbers); valid if hasDef
	hasDef  bool
}

// label names a node in error messages.
func (n *node) label() string {
	if n.name != "" {
		return n.name
	}
	return n.kind.String()
}

// parseSchema parses Avro schema JSON.
func parseSchema(text string) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("parsing schema json: %w", err)
	}
	p := &parser{named: map[string]*node{}}
	return p.parse(v, "")
}

type parser struct {
	named map[string]*node
}

func (p *parser) parse(v any, ns string) (*node, error) {
	switch t := v.(type) {
	case string:
		return p.ref(t, ns)
	case []any:
		return p.union(t, ns)
	case map[string]any:
		return p.complex(t, ns)
	}
	return nil, fmt.Errorf("schema: unexpected %T", v)
}

func (p *parser) ref(name, ns string) (*node, error) {
	if k, ok := primitives[name]; ok {
		return &node{kind: k}, nil
	}
	if n, ok := p.named[fullName(name, ns)]; ok {
		return n, nil
	}
	if n, ok := p.named[name]; ok {
		return n, nil
	}
	return nil, fmt.Errorf("schema: unknown type %q", name)
}

func (p *parser) union(branches []any, ns string) (*node, error) {
	u := &node{kind: kUnion}
	seen := map[string]bool{}
	for _, b := range branches {
		n, err := p.parse(b, ns)
		if err != nil {
			return nil, err
		}
		if n.kind == kUnion {
			return nil, errors.New("schema: union directly inside a union")
		}
		if seen[n.label()] {
			return nil, fmt.Errorf("schema: union has %s twice", n.label())
		}
		seen[n.label()] = true
		u.branches = append(u.branches, n)
	}
	return u, nil
}

func (p *parser) complex(m map[string]any, ns string) (*node, error) {
	t, ok := m["type"].(string)
	if !ok {
		if inner, has := m["type"]; has {
			return p.parse(inner, ns)
		}
		return nil, errors.New("schema: object without a type")
	}
	var n *node
	var err error
	switch t {
	case "record", "error":
		n, err = p.record(m, ns)
	case "enum":
		n, err = p.enum(m, ns)
	case "fixed":
		n, err = p.fixed(m, ns)
	case "array":
		n, err = p.container(m, ns, kArray, "items")
	case "map":
		n, err = p.container(m, ns, kMap, "values")
	default:
		n, err = p.ref(t, ns)
	}
	if err != nil {
		return nil, err
	}
	if logical, _ := m["logicalType"].(string); logical != "" && n.name == "" {
		n.logical = logical
	}
	return n, nil
}

func (p *parser) container(m map[string]any, ns string, k kind, key string) (*node, error) {
	inner, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("schema: %s without %s", k, key)
	}
	items, err := p.parse(inner, ns)
	if err != nil {
		return nil, err
	}
	return &node{kind: k, items: items}, nil
}

// declare registers a named type and returns its full name and namespace.
func (p *parser) declare(m map[string]any, ns string, n *node) (string, error) {
	name, _ := m["name"].(string)
	if name == "" {
		return "", errors.New("schema: named type without a name")
	}
	if space, ok := m["namespace"].(string); ok && !strings.Contains(name, ".") {
		ns = space
	}
	n.name = fullName(name, ns)
	if _, dup := p.named[n.name]; dup {
		return "", fmt.Errorf("schema: %s defined twice", n.name)
	}
	p.named[n.name] = n
	n.aliases = aliases(m, namespaceOf(n.name))
	return namespaceOf(n.name), nil
}

func (p *parser) record(m map[string]any, ns string) (*node, error) {
	n := &node{kind: kRecord}
	inner, err := p.declare(m, ns, n)
	if err != nil {
		return nil, err
	}
	fs, ok := m["fields"].([]any)
	if !ok {
		return nil, fmt.Errorf("schema: record %s without fields", n.name)
	}
	for _, f := range fs {
		fm, ok := f.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("schema: record %s: field is not an object", n.name)
		}
		name, _ := fm["name"].(string)
		typ, err := p.parse(fm["type"], inner)
		if err != nil {
			return nil, fmt.Errorf("schema: record %s field %q: %w", n.name, name, err)
		}
		def, hasDef := fm["default"]
		n.fields = append(n.fields, field{name: name, aliases: aliases(fm, ""), typ: typ, def: def, hasDef: hasDef})
	}
	return n, nil
}

func (p *parser) enum(m map[string]any, ns string) (*node, error) {
	n := &node{kind: kEnum}
	if _, err := p.declare(m, ns, n); err != nil {
		return nil, err
	}
	syms, _ := m["symbols"].([]any)
	for _, s := range syms {
		str, ok := s.(string)
		if !ok {
			return nil, fmt.Errorf("schema: enum %s: symbol is not a string", n.name)
		}
		n.symbols = append(n.symbols, str)
	}
	if d, ok := m["default"].(string); ok {
		n.enumDef = d
	}
	return n, nil
}

func (p *parser) fixed(m map[string]any, ns string) (*node, error) {
	n := &node{kind: kFixed}
	if _, err := p.declare(m, ns, n); err != nil {
		return nil, err
	}
	size, ok := m["size"].(json.Number)
	if !ok {
		return nil, fmt.Errorf("schema: fixed %s without size", n.name)
	}
	sz, err := size.Int64()
	if err != nil || sz < 0 {
		return nil, fmt.Errorf("schema: fixed %s: bad size %s", n.name, size)
	}
	n.size = int(sz)
	return n, nil
}

func fullName(name, ns string) string {
	if strings.Contains(name, ".") || ns == "" {
		return name
	}
	return ns + "." + name
}

func namespaceOf(full string) string {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[:i]
	}
	return ""
}

func shortName(full string) string { return full[strings.LastIndexByte(full, '.')+1:] }

// aliases returns the "aliases" of a schema object; for named types they are qualified with
// ns, for fields (ns == "") they are kept as written.
func aliases(m map[string]any, ns string) []string {
	list, _ := m["aliases"].([]any)
	var out []string
	for _, a := range list {
		if s, ok := a.(string); ok {
			if ns != "" {
				s = fullName(s, ns)
			}
			out = append(out, s)
		}
	}
	return out
}
