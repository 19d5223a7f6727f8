package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// encodeDefault appends the Avro binary form of a field default, given as decoded JSON
// (numbers as json.Number), following the Avro specification's table of default values: a
// union default belongs to the union's first branch, and bytes and fixed defaults are
// strings whose code points 0-255 are the byte values.
func encodeDefault(dst []byte, n *node, v any) ([]byte, error) {
	switch n.kind {
	case kNull:
		if v != nil {
			return nil, errors.New("null default must be null")
		}
		return dst, nil
	case kBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("boolean default must be true or false, got %v", v)
		}
		return appendBool(dst, b), nil
	case kInt, kLong:
		i, err := defaultInt(v, n.kind)
		return appendLong(dst, i), err
	case kFloat, kDouble:
		num, ok := v.(json.Number)
		f, err := num.Float64()
		if !ok || err != nil {
			return nil, fmt.Errorf("%s default must be a number, got %v", n.kind, v)
		}
		if n.kind == kFloat {
			return appendFloat(dst, float32(f)), nil
		}
		return appendDouble(dst, f), nil
	case kString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("string default must be a string, got %v", v)
		}
		return appendString(dst, s), nil
	case kBytes, kFixed:
		return defaultBytes(dst, n, v)
	case kEnum:
		s, _ := v.(string)
		i := slices.Index(n.symbols, s)
		if i < 0 {
			return nil, fmt.Errorf("enum default %v is not a symbol of %s", v, n.name)
		}
		return appendLong(dst, int64(i)), nil
	case kUnion:
		if len(n.branches) == 0 {
			return nil, errors.New("empty union has no default")
		}
		return encodeDefault(append(dst, 0), n.branches[0], v)
	}
	return defaultComplex(dst, n, v)
}

func defaultInt(v any, k kind) (int64, error) {
	num, ok := v.(json.Number)
	i, err := num.Int64()
	if !ok || err != nil {
		return 0, fmt.Errorf("%s default must be an integer, got %v", k, v)
	}
	if k == kInt && (i < math.MinInt32 || i > math.MaxInt32) {
		return 0, fmt.Errorf("int default %d out of range", i)
	}
	return i, nil
}

func defaultBytes(dst []byte, n *node, v any) ([]byte, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%s default must be a string, got %v", n.kind, v)
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return nil, fmt.Errorf("%s default has code point %U above 255", n.kind, r)
		}
		b = append(b, byte(r))
	}
	if n.kind == kBytes {
		return appendBytes(dst, b), nil
	}
	if len(b) != n.size {
		return nil, fmt.Errorf("fixed default has %d bytes, want %d", len(b), n.size)
	}
	return append(dst, b...), nil
}

func defaultComplex(dst []byte, n *node, v any) ([]byte, error) {
	var err error
	switch n.kind {
	case kRecord:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("record default must be an object, got %v", v)
		}
		for _, f := range n.fields {
			fv, has := m[f.name]
			if !has && !f.hasDef {
				return nil, fmt.Errorf("record default lacks field %s", f.name)
			}
			if !has {
				fv = f.def
			}
			if dst, err = encodeDefault(dst, f.typ, fv); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
		}
		return dst, nil
	case kArray:
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("array default must be an array, got %v", v)
		}
		if len(list) > 0 {
			dst = appendLong(dst, int64(len(list)))
		}
		for _, item := range list {
			if dst, err = encodeDefault(dst, n.items, item); err != nil {
				return nil, err
			}
		}
		return append(dst, 0), nil
	case kMap:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("map default must be an object, got %v", v)
		}
		keys := sortedKeys(m)
		if len(keys) > 0 {
			dst = appendLong(dst, int64(len(keys)))
		}
		for _, k := range keys {
			if dst, err = encodeDefault(appendString(dst, k), n.items, m[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, 0), nil
	}
	return nil, fmt.Errorf("no default for %s", n.kind)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
