// Package apperr defines the kinds of failure the domain reports. Domain code
// returns these; the web layer maps each kind to an HTTP status in one place.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the caller.
type Kind int

// The kinds of error domain code can report.
const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthenticated
	KindForbidden
	KindNotFound
	KindConflict
	KindRateLimited
	KindUnavailable
)

// Error is a domain error with a message meant for the person calling.
type Error struct {
	Kind    Kind
	Message string
	// RetryAfterSeconds is set for KindRateLimited.
	RetryAfterSeconds int
	cause             error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Message + ": " + e.cause.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.cause }

func newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports input that can never succeed as given.
func Invalid(format string, args ...any) error { return newf(KindInvalid, format, args...) }

// NotFound reports a missing resource (or one belonging to another tenant).
func NotFound(format string, args ...any) error { return newf(KindNotFound, format, args...) }

// Conflict reports a request that contradicts the current state.
func Conflict(format string, args ...any) error { return newf(KindConflict, format, args...) }

// Forbidden reports an authenticated caller lacking a permission.
func Forbidden(format string, args ...any) error { return newf(KindForbidden, format, args...) }

// Unauthenticated reports a missing or unusable credential.
func Unauthenticated(format string, args ...any) error {
	return newf(KindUnauthenticated, format, args...)
}

// Unavailable reports a dependency that cannot be reached right now.
func Unavailable(cause error, format string, args ...any) error {
	e := newf(KindUnavailable, format, args...)
	e.cause = cause
	return e
}

// RateLimited reports too many attempts; retry after the given seconds.
func RateLimited(retryAfter int, format string, args ...any) error {
	e := newf(KindRateLimited, format, args...)
	e.RetryAfterSeconds = retryAfter
	return e
}

// As returns the domain error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the kind of err; plain errors are internal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return KindInternal
}
