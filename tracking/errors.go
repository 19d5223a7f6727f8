package tracking

import (
	"errors"
	"fmt"
	"log/slog"
)

// MLflow error codes (databricks_pb2.ErrorCode names) that callers act on.
const (
	CodeResourceDoesNotExist  = "RESOURCE_DOES_NOT_EXIST"
	CodeResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS"
	CodeInvalidParameterValue = "INVALID_PARAMETER_VALUE"
	CodeInvalidState          = "INVALID_STATE"
	CodeInternalError         = "INTERNAL_ERROR"
)

// Sentinels to compare an *Error with errors.Is: they match any *Error with the same Code.
var (
	ErrNotFound         = &Error{Code: CodeResourceDoesNotExist}
	ErrAlreadyExists    = &Error{Code: CodeResourceAlreadyExists}
	ErrInvalidParameter = &Error{Code: CodeInvalidParameterValue}
	ErrInvalidState     = &Error{Code: CodeInvalidState}
)

// ErrInvalid is wrapped by every client-side validation error (bad key, too long a value,
// duplicate param, unsafe path, bad config); nothing was sent or written.
var ErrInvalid = errors.New("tracking: invalid input")

// Error is a failure reported by MLflow (or by FileStore for the same condition).
type Error struct {
	// Code is MLflow's error_code, e.g. RESOURCE_ALREADY_EXISTS; empty when the server
	// answered without an MLflow error body (a proxy page, a Host-header rejection).
	Code string
	// Message is MLflow's message, or the start of the response body.
	Message string
	// HTTPStatus is the response status; 0 for FileStore errors.
	HTTPStatus int
	// Op is the request ("POST /api/2.0/mlflow/runs/create") or FileStore operation.
	Op string
}

func (e *Error) Error() string {
	if e.Op == "" && e.Message == "" {
		return "tracking: " + e.Code
	}
	code := e.Code
	if code == "" {
		code = "error"
	}
	if e.HTTPStatus != 0 {
		return fmt.Sprintf("tracking: %s: %s (HTTP %d): %s", e.Op, code, e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("tracking: %s: %s: %s", e.Op, code, e.Message)
}

// Is reports whether target is a sentinel (an *Error with only Code set) with e's code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t.Message != "" || t.HTTPStatus != 0 || t.Op != "" {
		return false
	}
	return t.Code != "" && t.Code == e.Code
}

// LogValue lets slog print the error's fields.
func (e *Error) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("code", e.Code),
		slog.Int("http_status", e.HTTPStatus),
		slog.String("op", e.Op),
		slog.String("message", e.Message),
	)
}

// invalidf formats a validation error wrapping ErrInvalid.
func invalidf(format string, a ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), ErrInvalid)
}
