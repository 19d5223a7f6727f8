package hdbscan

import (
	"errors"
	"fmt"
)

var (
	// ErrTooFewPoints reports a data set with fewer rows than MinClusterSize (or none):
	// no cluster can exist. hdbscan would label every row noise; callers that want that
	// result can build it themselves.
	ErrTooFewPoints = errors.New("hdbscan: fewer points than MinClusterSize")

	// ErrNonFinite is matched (errors.Is) by an *InputError for a NaN or infinite value.
	ErrNonFinite = errors.New("hdbscan: non-finite value")

	// ErrOutOfRange is matched by an *InputError for a finite value so large (|v| > 1e150)
	// that squared distances would overflow.
	ErrOutOfRange = errors.New("hdbscan: value out of range")

	// ErrFormat reports serialized prediction data that is malformed, truncated or
	// inconsistent.
	ErrFormat = errors.New("hdbscan: malformed prediction data")
)

// maxAbs bounds the coordinates Cluster accepts: (2·1e150)² · dims stays far below the
// float64 maximum (1.8e308), so no squared distance overflows.
const maxAbs = 1e150

// InputError reports an unusable value in the input matrix.
type InputError struct {
	Row, Col int
	Value    float64
}

// Error implements error.
func (e *InputError) Error() string {
	what := "is not finite"
	if !e.nonFinite() {
		what = "exceeds ±1e150"
	}
	return fmt.Sprintf("hdbscan: row %d, column %d: value %v %s", e.Row, e.Col, e.Value, what)
}

func (e *InputError) nonFinite() bool {
	return e.Value != e.Value || e.Value > maxAbsInf || e.Value < -maxAbsInf
}

// maxAbsInf is the largest finite float64; anything beyond it is ±Inf.
const maxAbsInf = 1.7976931348623157e308

// Is makes errors.Is match ErrNonFinite or ErrOutOfRange, whichever applies.
func (e *InputError) Is(target error) bool {
	if e.nonFinite() {
		return target == ErrNonFinite
	}
	return target == ErrOutOfRange
}

// formatError wraps ErrFormat with what is wrong.
func formatError(format string, args ...any) error {
	return fmt.Errorf("hdbscan: decoding prediction data: %s: %w", fmt.Sprintf(format, args...), ErrFormat)
}
