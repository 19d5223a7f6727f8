package schemas

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// This file implements Avro schema resolution (Avro 1.12 specification, "Schema
// Resolution"). Resolving a writer schema against a reader schema either fails with an
// *IncompatibleError or compiles a transcoder that rewrites data written with the writer
// schema into the reader schema's binary form: reader fields missing from the writer get
// their defaults, writer fields unknown to the reader are skipped, numbers are promoted, and
// enum symbols and union branches are remapped. The record decoders then only ever read
// their own (latest) schema.

// step transcodes one value from r (writer form) onto dst (reader form).
type step func(r *reader, dst []byte) []byte

// plan is a compiled step; it is a pointer so that recursive schemas can refer to a plan
// that is still being compiled.
type plan struct{ run step }

type pair struct{ reader, writer *node }

type resolver struct {
	plans map[pair]*plan
	skips map[*node]*plan
}

// CheckCompatible reports whether data written with the writer schema can be read with the
// reader schema under Avro schema resolution; both are Avro schema JSON. It returns nil or
// an error matching [ErrIncompatible] (an [*IncompatibleError]); a schema that does not parse
// is reported as a plain error.
func CheckCompatible(reader, writer string) error {
	rn, err := parseSchema(reader)
	if err != nil {
		return fmt.Errorf("reader schema: %w", err)
	}
	wn, err := parseSchema(writer)
	if err != nil {
		return fmt.Errorf("writer schema: %w", err)
	}
	_, err = compile(rn, wn)
	return err
}

// compile resolves writer against reader and returns the transcoder.
func compile(reader, writer *node) (step, error) {
	rs := &resolver{plans: map[pair]*plan{}, skips: map[*node]*plan{}}
	p, err := rs.resolve(reader, writer, reader.label())
	if err != nil {
		return nil, err
	}
	return p.run, nil
}

func incompatible(path, format string, args ...any) error {
	return &IncompatibleError{Path: path, Reason: fmt.Sprintf(format, args...)}
}

func (rs *resolver) resolve(rd, wr *node, path string) (*plan, error) {
	key := pair{rd, wr}
	if p, ok := rs.plans[key]; ok {
		return p, nil // already compiled, or being compiled (recursive type)
	}
	p := &plan{}
	rs.plans[key] = p
	var err error
	switch {
	case wr.kind == kUnion:
		p.run, err = rs.fromUnion(rd, wr, path)
	case rd.kind == kUnion:
		p.run, err = rs.toUnion(rd, wr, path)
	default:
		p.run, err = rs.same(rd, wr, path)
	}
	if err != nil {
		delete(rs.plans, key)
		return nil, err
	}
	return p, nil
}

// fromUnion resolves each writer branch; the branch index is read at run time.
func (rs *resolver) fromUnion(rd, wr *node, path string) (step, error) {
	branches := make([]*plan, len(wr.branches))
	for i, b := range wr.branches {
		var err error
		if branches[i], err = rs.resolve(rd, b, path); err != nil {
			return nil, err
		}
	}
	return func(r *reader, dst []byte) []byte {
		i := r.union(len(branches))
		if r.err != nil {
			return dst
		}
		return branches[i].run(r, dst)
	}, nil
}

// toUnion picks the first reader branch that matches the writer type exactly (same kind,
// same name for named types) or, failing that, the first it can be promoted to.
func (rs *resolver) toUnion(rd, wr *node, path string) (step, error) {
	k := slices.IndexFunc(rd.branches, func(b *node) bool { return sameType(b, wr) })
	if k < 0 {
		k = slices.IndexFunc(rd.branches, func(b *node) bool { return promotable(wr.kind, b.kind) })
	}
	if k < 0 {
		return nil, incompatible(path, "writer type %s matches no branch of the reader union", wr.label())
	}
	inner, err := rs.resolve(rd.branches[k], wr, path)
	if err != nil {
		return nil, err
	}
	idx := int64(k)
	return func(r *reader, dst []byte) []byte {
		return inner.run(r, appendLong(dst, idx))
	}, nil
}

// sameType reports whether a reader union branch matches a writer type without promotion.
func sameType(rd, wr *node) bool {
	if rd.kind != wr.kind {
		return false
	}
	switch rd.kind {
	case kRecord, kEnum, kFixed:
		return namesMatch(rd, wr)
	}
	return true
}

// namesMatch compares unqualified names, as Avro 1.10+ does, and the reader's aliases.
func namesMatch(rd, wr *node) bool {
	if shortName(rd.name) == shortName(wr.name) {
		return true
	}
	return slices.ContainsFunc(rd.aliases, func(a string) bool { return a == wr.name || shortName(a) == shortName(wr.name) })
}

// promotable lists the Avro promotions: int → long, float, double; long → float, double;
// float → double; string ↔ bytes.
func promotable(from, to kind) bool {
	switch from {
	case kInt:
		return to == kLong || to == kFloat || to == kDouble
	case kLong:
		return to == kFloat || to == kDouble
	case kFloat:
		return to == kDouble
	case kString:
		return to == kBytes
	case kBytes:
		return to == kString
	}
	return false
}

func (rs *resolver) same(rd, wr *node, path string) (step, error) {
	if rd.kind != wr.kind {
		if promotable(wr.kind, rd.kind) {
			return promote(wr.kind, rd.kind), nil
		}
		return nil, incompatible(path, "writer type %s cannot be read as %s", wr.label(), rd.label())
	}
	switch rd.kind {
	case kRecord:
		if !namesMatch(rd, wr) {
			return nil, incompatible(path, "record name %s does not match writer record %s", rd.name, wr.name)
		}
		return rs.record(rd, wr, path)
	case kEnum:
		return enumStep(rd, wr, path)
	case kFixed:
		if !namesMatch(rd, wr) || rd.size != wr.size {
			return nil, incompatible(path, "fixed %s[%d] does not match writer fixed %s[%d]", rd.name, rd.size, wr.name, wr.size)
		}
		size := rd.size
		return func(r *reader, dst []byte) []byte { return append(dst, r.take(size)...) }, nil
	case kArray, kMap:
		inner, err := rs.resolve(rd.items, wr.items, path+map[kind]string{kArray: ".items", kMap: ".values"}[rd.kind])
		if err != nil {
			return nil, err
		}
		return blocks(inner, rd.kind == kMap, rs.zeroSize(wr.items)), nil
	}
	return primitive(rd.kind), nil
}

// primitive copies a value of a primitive type, validating it on the way.
func primitive(k kind) step {
	switch k {
	case kNull:
		return func(_ *reader, dst []byte) []byte { return dst }
	case kBoolean:
		return func(r *reader, dst []byte) []byte { return appendBool(dst, r.boolean()) }
	case kInt:
		return func(r *reader, dst []byte) []byte { return appendInt(dst, r.int()) }
	case kLong:
		return func(r *reader, dst []byte) []byte { return appendLong(dst, r.long()) }
	case kFloat:
		return func(r *reader, dst []byte) []byte { return append(dst, r.take(4)...) }
	case kDouble:
		return func(r *reader, dst []byte) []byte { return append(dst, r.take(8)...) }
	case kString:
		return func(r *reader, dst []byte) []byte { return appendUTF8(r, dst) }
	}
	return func(r *reader, dst []byte) []byte { return appendBytes(dst, r.rawBytes()) }
}

func appendUTF8(r *reader, dst []byte) []byte {
	start := r.off
	b := r.rawBytes()
	if r.err == nil && !utf8.Valid(b) {
		r.off = start
		r.fail("invalid UTF-8 in string")
	}
	return appendBytes(dst, b)
}

func promote(from, to kind) step {
	switch {
	case from == kInt && to == kLong:
		return func(r *reader, dst []byte) []byte { return appendLong(dst, int64(r.int())) }
	case from == kFloat: // to double
		return func(r *reader, dst []byte) []byte { return appendDouble(dst, float64(r.float())) }
	case to == kFloat: // from int or long
		return func(r *reader, dst []byte) []byte {
			v := r.long()
			if from == kInt && (v < math.MinInt32 || v > math.MaxInt32) {
				r.fail("int out of range")
			}
			return appendFloat(dst, float32(v))
		}
	case to == kDouble: // from int or long
		return func(r *reader, dst []byte) []byte {
			v := r.long()
			if from == kInt && (v < math.MinInt32 || v > math.MaxInt32) {
				r.fail("int out of range")
			}
			return appendDouble(dst, float64(v))
		}
	case to == kString: // from bytes
		return func(r *reader, dst []byte) []byte { return appendUTF8(r, dst) }
	}
	return func(r *reader, dst []byte) []byte { return appendBytes(dst, r.rawBytes()) } // string → bytes
}

func enumStep(rd, wr *node, path string) (step, error) {
	if !namesMatch(rd, wr) {
		return nil, incompatible(path, "enum name %s does not match writer enum %s", rd.name, wr.name)
	}
	mapping := make([]int64, len(wr.symbols))
	for i, s := range wr.symbols {
		j := slices.Index(rd.symbols, s)
		if j < 0 {
			j = slices.Index(rd.symbols, rd.enumDef)
		}
		if j < 0 {
			return nil, incompatible(path, "writer symbol %q is not in reader enum %s, which has no default", s, rd.name)
		}
		mapping[i] = int64(j)
	}
	return func(r *reader, dst []byte) []byte {
		i := r.union(len(mapping))
		if r.err != nil {
			return dst
		}
		return appendLong(dst, mapping[i])
	}, nil
}

// blocks transcodes a map or an array block by block. zeroSize is true when an item can
// take no bytes (an array of null), where the remaining length cannot bound the count.
func blocks(inner *plan, isMap, zeroSize bool) step {
	return func(r *reader, dst []byte) []byte {
		for r.err == nil {
			n := r.blockCountFor(zeroSize)
			dst = appendLong(dst, int64(n))
			if n == 0 {
				break
			}
			for range n {
				if isMap {
					dst = appendUTF8(r, dst)
				}
				dst = inner.run(r, dst)
			}
		}
		return dst
	}
}

func appendFloat(dst []byte, v float32) []byte {
	return append(dst, byte(math.Float32bits(v)), byte(math.Float32bits(v)>>8),
		byte(math.Float32bits(v)>>16), byte(math.Float32bits(v)>>24))
}
