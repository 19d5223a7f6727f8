package schemas

import (
	"fmt"
	"slices"
)

// recordField is the reader-side target of one writer field: a reader field index, or -1
// when the reader does not know the field and its value is skipped.
type recordField struct {
	target int
	run    *plan
}

// record compiles record resolution: writer fields are matched to reader fields by name or
// by a reader field alias, and reader fields the writer lacks take their default.
func (rs *resolver) record(rd, wr *node, path string) (step, error) {
	fields := make([]recordField, len(wr.fields))
	found := make([]bool, len(rd.fields))
	for i, wf := range wr.fields {
		j := slices.IndexFunc(rd.fields, func(f field) bool {
			return f.name == wf.name || slices.Contains(f.aliases, wf.name)
		})
		fields[i].target = j
		var err error
		if j < 0 {
			fields[i].run, err = rs.skip(wf.typ)
		} else {
			found[j] = true
			fields[i].run, err = rs.resolve(rd.fields[j].typ, wf.typ, path+"."+rd.fields[j].name)
		}
		if err != nil {
			return nil, err
		}
	}
	defaults := make([][]byte, len(rd.fields))
	for j, f := range rd.fields {
		if found[j] {
			continue
		}
		if !f.hasDef {
			return nil, incompatible(path+"."+f.name, "reader field has no default and the writer does not have it")
		}
		b, err := encodeDefault(nil, f.typ, f.def)
		if err != nil {
			return nil, incompatible(path+"."+f.name, "bad default: %v", err)
		}
		defaults[j] = b
	}
	if inOrder(fields) {
		return streamRecord(fields, defaults), nil
	}
	return bufferedRecord(fields, defaults), nil
}

// inOrder reports whether the writer fields the reader knows come in reader order, so the
// record can be written straight through.
func inOrder(fields []recordField) bool {
	last := -1
	for _, f := range fields {
		if f.target < 0 {
			continue
		}
		if f.target < last {
			return false
		}
		last = f.target
	}
	return true
}

// streamRecord writes fields in one pass, filling defaults into the gaps.
func streamRecord(fields []recordField, defaults [][]byte) step {
	return func(r *reader, dst []byte) []byte {
		next := 0
		for _, f := range fields {
			if f.target < 0 {
				f.run.run(r, nil)
				continue
			}
			for ; next < f.target; next++ {
				dst = append(dst, defaults[next]...)
			}
			dst = f.run.run(r, dst)
			next = f.target + 1
		}
		for ; next < len(defaults); next++ {
			dst = append(dst, defaults[next]...)
		}
		return dst
	}
}

// bufferedRecord transcodes each field into a scratch buffer and then writes them in
// reader order.
func bufferedRecord(fields []recordField, defaults [][]byte) step {
	return func(r *reader, dst []byte) []byte {
		var scratch []byte
		spans := make([][2]int, len(defaults))
		for _, f := range fields {
			if f.target < 0 {
				f.run.run(r, nil)
				continue
			}
			start := len(scratch)
			scratch = f.run.run(r, scratch)
			spans[f.target] = [2]int{start, len(scratch)}
		}
		for j, d := range defaults {
			if d != nil {
				dst = append(dst, d...)
			} else {
				dst = append(dst, scratch[spans[j][0]:spans[j][1]]...)
			}
		}
		return dst
	}
}

// skip compiles a step that reads and validates a value of type n and writes nothing.
func (rs *resolver) skip(n *node) (*plan, error) {
	if p, ok := rs.skips[n]; ok {
		return p, nil
	}
	// Resolving a type against itself validates every value and produces the same type;
	// the output is discarded, which skipping a rarely present field can afford.
	p := &plan{}
	rs.skips[n] = p
	inner, err := rs.resolve(n, n, n.label())
	if err != nil {
		return nil, fmt.Errorf("skipping %s: %w", n.label(), err)
	}
	p.run = func(r *reader, _ []byte) []byte { inner.run(r, nil); return nil }
	return p, nil
}

// zeroSize reports whether a value of type n can be encoded in zero bytes.
func (rs *resolver) zeroSize(n *node) bool {
	return zeroSizeSeen(n, map[*node]bool{})
}

func zeroSizeSeen(n *node, seen map[*node]bool) bool {
	switch n.kind {
	case kNull:
		return true
	case kFixed:
		return n.size == 0
	case kRecord:
		if seen[n] {
			return false
		}
		seen[n] = true
		for _, f := range n.fields {
			if !zeroSizeSeen(f.typ, seen) {
				return false
			}
		}
		return true
	}
	return false
}
