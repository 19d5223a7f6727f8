package famd

import (
	"errors"
	"fmt"
)

// ErrUnseenLevel is matched (errors.Is) by every *UnseenLevelError.
var ErrUnseenLevel = errors.New("famd: unseen level")

// ErrFormat reports a serialized model that is malformed, truncated or inconsistent.
var ErrFormat = errors.New("famd: malformed model")

// errNotFitted reports the use of a Model that neither Fit nor UnmarshalBinary produced.
var errNotFitted = errors.New("famd: model is not fitted (use Fit or UnmarshalBinary)")

// UnseenLevelError reports a categorical level the fit never saw, under UnseenError.
type UnseenLevelError struct {
	Row    int // row of the frame given to Transform; −1 from TransformRow
	Column string
	Code   int32 // frame.Missing, or a level unused (or unknown) at fit time
}

// Error implements error.
func (e *UnseenLevelError) Error() string {
	if e.Row < 0 {
		return fmt.Sprintf("famd: column %q: level code %d was not seen at fit", e.Column, e.Code)
	}
	return fmt.Sprintf("famd: row %d, column %q: level code %d was not seen at fit", e.Row, e.Column, e.Code)
}

// Is makes errors.Is(err, ErrUnseenLevel) true.
func (e *UnseenLevelError) Is(target error) bool { return target == ErrUnseenLevel }

// formatError wraps ErrFormat with what is wrong.
func formatError(format string, args ...any) error {
	return fmt.Errorf("famd: decoding model: %s: %w", fmt.Sprintf(format, args...), ErrFormat)
}
