package schemas

import (
	"strconv"
	"strings"
)

// canonicalForm returns the Parsing Canonical Form of a parsed schema (Avro 1.12
// specification, "Parsing Canonical Form for Schemas"): full names, only the attributes that
// affect parsing (name, type, fields, symbols, items, values, size) in that order, primitive
// types in their simple form (logical types dropped) and no whitespace. goavro v2.15.0 keeps
// {"type":"long"} for a logical-typed long, which makes its fingerprints differ from Java's
// and fastavro's, so this package computes the form itself.
func canonicalForm(n *node) string {
	var b strings.Builder
	writeCanonical(&b, n, map[string]bool{})
	return b.String()
}

func writeCanonical(b *strings.Builder, n *node, defined map[string]bool) {
	switch n.kind {
	case kRecord, kEnum, kFixed:
		if defined[n.name] {
			b.WriteString(strconv.Quote(n.name))
			return
		}
		defined[n.name] = true
		b.WriteString(`{"name":` + strconv.Quote(n.name) + `,"type":"` + n.kind.String() + `"`)
		switch n.kind {
		case kRecord:
			b.WriteString(`,"fields":[`)
			for i, f := range n.fields {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"name":` + strconv.Quote(f.name) + `,"type":`)
				writeCanonical(b, f.typ, defined)
				b.WriteByte('}')
			}
			b.WriteByte(']')
		case kEnum:
			b.WriteString(`,"symbols":[`)
			for i, s := range n.symbols {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Quote(s))
			}
			b.WriteByte(']')
		case kFixed:
			b.WriteString(`,"size":` + strconv.Itoa(n.size))
		}
		b.WriteByte('}')
	case kArray:
		b.WriteString(`{"type":"array","items":`)
		writeCanonical(b, n.items, defined)
		b.WriteByte('}')
	case kMap:
		b.WriteString(`{"type":"map","values":`)
		writeCanonical(b, n.items, defined)
		b.WriteByte('}')
	case kUnion:
		b.WriteByte('[')
		for i, br := range n.branches {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, br, defined)
		}
		b.WriteByte(']')
	default:
		b.WriteString(`"` + n.kind.String() + `"`)
	}
}

// rabinEmpty is the CRC-64-AVRO fingerprint of empty input.
const rabinEmpty = 0xc15d213aa4d7a795

var rabinTable = func() (t [256]uint64) {
	for i := range t {
		fp := uint64(i)
		for range 8 {
			fp = (fp >> 1) ^ (rabinEmpty & -(fp & 1))
		}
		t[i] = fp
	}
	return t
}()

// fingerprint64 returns the CRC-64-AVRO (Rabin) fingerprint of s (Avro specification,
// "Schema Fingerprints").
func fingerprint64(s string) uint64 {
	fp := uint64(rabinEmpty)
	for i := range len(s) {
		fp = (fp >> 8) ^ rabinTable[byte(fp)^s[i]]
	}
	return fp
}

// Fingerprint returns the CRC-64-AVRO fingerprint of an Avro schema's Parsing Canonical
// Form, the value single-object encoding writes; a schema that does not parse is an error.
func Fingerprint(schema string) (uint64, error) {
	n, err := parseSchema(schema)
	if err != nil {
		return 0, err
	}
	return fingerprint64(canonicalForm(n)), nil
}
