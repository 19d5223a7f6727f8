package schemas

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// Record is one of this package's record types: *StoreFeatureUpdate, *StoreState,
// *SegmentAssignment, *ModelPublished or *ModelChunk. The interface is sealed.
type Record interface {
	// AvroName returns the record's schema name, e.g. "StoreFeatureUpdate".
	AvroName() string

	// appendAvro appends the Avro binary form under the newest schema version. The record
	// is valid.
	appendAvro(dst []byte) []byte
	// decodeAvro overwrites the record with the value r holds in the newest schema version.
	decodeAvro(r *reader)
	// validate checks the rules the schema documents beyond Avro types.
	validate() error
}

// maxIDLen bounds store ids and feature names, in bytes.
const maxIDLen = 1024

// AppendBinary validates rec and appends its plain Avro binary encoding (no header) under
// the newest schema version. On error dst is returned unchanged.
func AppendBinary(dst []byte, rec Record) ([]byte, error) {
	if err := rec.validate(); err != nil {
		return dst, err
	}
	return rec.appendAvro(dst), nil
}

// DecodeBinary decodes plain Avro binary written with the newest schema version of rec's
// type into rec and validates it. rec does not retain body.
func DecodeBinary(body []byte, rec Record) error {
	r := reader{buf: body}
	rec.decodeAvro(&r)
	if err := r.done(); err != nil {
		return fmt.Errorf("decoding %s: %w", rec.AvroName(), err)
	}
	return rec.validate()
}

// checkID checks a store id, model name or feature name.
func checkID(rec, field, s string) error {
	if reason := idProblem(s); reason != "" {
		return &FieldError{Record: rec, Field: field, Reason: reason}
	}
	return nil
}

// idProblem says what is wrong with an id, or "" when nothing is.
func idProblem(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > maxIDLen:
		return fmt.Sprintf("longer than %d bytes", maxIDLen)
	case !utf8.ValidString(s):
		return "invalid UTF-8"
	}
	return ""
}

func checkTime(rec, field string, ms int64) error {
	if ms <= 0 {
		return &FieldError{Record: rec, Field: field,
			Reason: fmt.Sprintf("must be a positive timestamp in milliseconds, got %d", ms)}
	}
	return nil
}

func checkFinite(rec, field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &FieldError{Record: rec, Field: field, Reason: fmt.Sprintf("must be finite, got %v", v)}
	}
	return nil
}

func checkUnit(rec, field string, v float64) error {
	if !(v >= 0 && v <= 1) {
		return &FieldError{Record: rec, Field: field, Reason: fmt.Sprintf("must be in [0, 1], got %v", v)}
	}
	return nil
}

func checkUTF8(rec, field, s string) error {
	if !utf8.ValidString(s) {
		return &FieldError{Record: rec, Field: field, Reason: "invalid UTF-8"}
	}
	return nil
}

// checkNames checks that feature names are valid and unique; names(i) is the i-th name.
func checkNames(rec, field string, n int, names func(int) string) error {
	sorted := true
	for i := range n {
		if reason := idProblem(names(i)); reason != "" {
			return &FieldError{Record: rec, Field: fmt.Sprintf("%s[%d]", field, i), Reason: reason}
		}
		if i > 0 && names(i-1) >= names(i) {
			sorted = false
		}
	}
	if sorted {
		return nil
	}
	all := make([]string, n)
	for i := range n {
		all[i] = names(i)
	}
	slices.Sort(all)
	for i := 1; i < n; i++ {
		if all[i] == all[i-1] {
			return &FieldError{Record: rec, Field: fmt.Sprintf("%s[%q]", field, all[i]), Reason: "duplicate key"}
		}
	}
	return nil
}

// stringPool hands out the strings of one decoded message as substrings of a single copy
// of the message, so a record costs one string allocation however many strings it has.
type stringPool struct {
	all  string
	base int
}

// str reads a string through the pool: it never aliases r.buf.
func (r *reader) pooledStr(p *stringPool) string {
	start := r.off
	b := r.rawBytes()
	if r.err != nil {
		return ""
	}
	if !utf8.Valid(b) {
		r.off = start
		r.fail("invalid UTF-8 in string")
		return ""
	}
	if len(b) == 0 {
		return ""
	}
	if p.all == "" {
		p.all = string(r.buf[start:])
		p.base = start
	}
	from := r.off - len(b) - p.base
	return p.all[from : from+len(b)]
}

// fieldPath formats a map entry's path for errors, e.g. numeric["sales"].
func fieldPath(field, key string) string { return fmt.Sprintf("%s[%q]", field, key) }
