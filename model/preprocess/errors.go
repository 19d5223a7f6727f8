package preprocess

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors; a [*ValueError] unwraps to one of them.
var (
	ErrInvalid   = errors.New("preprocess: invalid value")    // non-finite, out of bounds, log1p of ≤ −1
	ErrMissing   = errors.New("preprocess: missing value")    // under Impute Error or MissingPolicy Reject
	ErrNoColumn  = errors.New("preprocess: column not found") // a feature absent from the frame
	ErrNoData    = errors.New("preprocess: nothing to fit")   // no rows, or no value to learn from
	ErrBadRecord = errors.New("preprocess: malformed record") // a record of the wrong shape
	ErrCorrupt   = errors.New("preprocess: corrupt preprocessor")
)

// ValueError is a problem with one value (or one column) of the input.
type ValueError struct {
	Feature string // the feature (column) name
	Row     int    // 1-based row of the frame; 0 for a record or a whole column
	ID      string // the store id when known
	Kind    error  // one of the sentinels
	Detail  string
}

// Error formats the problem as `preprocess: feature "F", row R (store "S"): DETAIL`.
func (e *ValueError) Error() string {
	var b strings.Builder
	b.WriteString("preprocess: feature " + strconv.Quote(e.Feature))
	if e.Row > 0 {
		b.WriteString(", row " + strconv.Itoa(e.Row))
	}
	if e.ID != "" {
		b.WriteString(" (store " + strconv.Quote(e.ID) + ")")
	}
	b.WriteString(": ")
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else {
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "preprocess: "))
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (e *ValueError) Unwrap() error { return e.Kind }
