package schemas

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by a decode function for bad input matches exactly one
// of ErrBadHeader, ErrUnknownSchemaID, ErrUnknownFingerprint, ErrIncompatible, ErrMalformed or
// ErrInvalid (errors.Is); [Reason] turns them into stable dead-letter reason codes. An error
// that matches none of them (for example a Schema Registry that cannot be reached) is not the
// message's fault: retry instead of dead-lettering.
var (
	// ErrBadHeader reports a message that starts with neither the Confluent magic byte 0 nor the
	// Avro single-object marker C3 01, or is too short to hold its header.
	ErrBadHeader = errors.New("schemas: bad message header")
	// ErrUnknownSchemaID reports a Confluent schema id that the Schema Registry does not know,
	// or a Confluent-framed message when no registry is configured.
	ErrUnknownSchemaID = errors.New("schemas: unknown schema id")
	// ErrUnknownFingerprint reports a single-object message whose CRC-64-AVRO fingerprint is
	// not one of the embedded schema versions.
	ErrUnknownFingerprint = errors.New("schemas: unknown schema fingerprint")
	// ErrIncompatible reports a writer schema that cannot be read with the reader schema
	// (see [CheckCompatible]); the error is an [*IncompatibleError].
	ErrIncompatible = errors.New("schemas: incompatible schema")
	// ErrMalformed reports Avro bytes that do not decode with the writer schema: truncated
	// data, a bad varint, a negative length, an invalid union branch or enum index, invalid
	// UTF-8 in a string, or trailing bytes.
	ErrMalformed = errors.New("schemas: malformed avro data")
	// ErrInvalid reports a record that decodes but breaks a rule of its schema's doc (empty
	// store_id, NaN, ...); the error is a [*FieldError].
	ErrInvalid = errors.New("schemas: invalid record")
)

// FieldError reports a field whose value breaks a rule, e.g. a non-finite numeric feature.
// It matches [ErrInvalid] with errors.Is.
type FieldError struct {
	// Record is the Avro record name, e.g. StoreFeatureUpdate.
	Record string
	// Field is the path of the field, e.g. store_id or numeric["sales"].
	Field string
	// Reason says what is wrong, e.g. "must be finite, got NaN".
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("schemas: invalid %s: field %s: %s", e.Record, e.Field, e.Reason)
}

// Is reports whether target is [ErrInvalid].
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// IncompatibleError reports why data written with one schema cannot be read with another.
// It matches [ErrIncompatible] with errors.Is.
type IncompatibleError struct {
	// Path locates the offending part, e.g. StoreFeatureUpdate.numeric.values.
	Path string
	// Reason says what rule of Avro schema resolution fails.
	Reason string
}

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("schemas: incompatible schema at %s: %s", e.Path, e.Reason)
}

// Is reports whether target is [ErrIncompatible].
func (e *IncompatibleError) Is(target error) bool { return target == ErrIncompatible }

// Reason returns a short, stable code for a decode error, meant for a dead-letter header:
// "bad_header", "unknown_schema_id", "unknown_fingerprint", "incompatible_schema",
// "malformed", "invalid" or, for any other non-nil error, "" (not a data error: retry).
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrBadHeader):
		return "bad_header"
	case errors.Is(err, ErrUnknownSchemaID):
		return "unknown_schema_id"
	case errors.Is(err, ErrUnknownFingerprint):
		return "unknown_fingerprint"
	case errors.Is(err, ErrIncompatible):
		return "incompatible_schema"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	}
	return ""
}

// malformed returns an error matching ErrMalformed that says where decoding stopped.
func malformed(off int, what string) error {
	return fmt.Errorf("%w: %s at byte %d", ErrMalformed, what, off)
}
