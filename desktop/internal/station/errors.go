package station

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"syscall"

	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
)

// Error is an error for the person at the station: Message says what went
// wrong and what to do, in words the window shows as they are; Err is the
// cause, kept for errors.Is and errors.As.
type Error struct {
	Message string
	Err     error
}

// Error returns the message for the person at the station.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Messages the station shows. Tests compare against them, so a change in
// wording is a change in one place.
const (
	msgBadCredentials = "email or password is incorrect"
	msgTooMany        = "too many sign-in attempts, wait a minute and try again"
	msgTokenRefused   = "this station's sign-in is no longer valid (revoked or expired), sign in again"
	msgBusy           = "a sign-in is already in progress"
)

// explainSignIn turns an error from signing in into a message a person can act on.
func explainSignIn(serverURL string, err error) error {
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		return explainTransport(serverURL, err)
	}
	switch apiErr.Status {
	case http.StatusUnauthorized:
		return &Error{Message: msgBadCredentials, Err: err}
	case http.StatusTooManyRequests:
		return &Error{Message: withServerSays(msgTooMany, apiErr.Message), Err: err}
	case http.StatusForbidden:
		return &Error{Message: withServerSays("this account may not sign in at a station", apiErr.Message), Err: err}
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return &Error{Message: fmt.Sprintf("the server at %s does not look like a Manifold server (no sign-in endpoint)", serverURL), Err: err}
	}
	if apiErr.Status >= 400 && apiErr.Status < 500 {
		return &Error{Message: withServerSays("the server refused the sign-in", apiErr.Message), Err: err}
	}
	return &Error{Message: explainServerFault(serverURL, apiErr), Err: err}
}

// explainTransport explains an error that is not an answer from the API:
// the server could not be reached, or what answered is not a Manifold server.
func explainTransport(serverURL string, err error) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) {
		return &Error{Message: fmt.Sprintf("the server at %s does not look like a Manifold server (unexpected answer)", serverURL), Err: err}
	}
	return &Error{Message: fmt.Sprintf("cannot reach server at %s (%s)", serverURL, reason(err)), Err: err}
}

// explainNotReady explains a failed readiness check.
func explainNotReady(serverURL string, err error) error {
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		return explainTransport(serverURL, err)
	}
	return &Error{Message: explainServerFault(serverURL, apiErr), Err: err}
}

// explainServerFault describes a server that answered but cannot serve,
// naming the failing dependencies when /readyz lists them.
func explainServerFault(serverURL string, e *client.Error) string {
	var h api.Health
	if json.Unmarshal([]byte(e.Message), &h) == nil && len(h.Checks) > 0 {
		var bad []string
		for name, status := range h.Checks {
			if status != "ok" {
				bad = append(bad, name+": "+status)
			}
		}
		sort.Strings(bad)
		if len(bad) > 0 {
			return fmt.Sprintf("the server at %s is not ready (%s)", serverURL, strings.Join(bad, ", "))
		}
	}
	if e.Status == http.StatusServiceUnavailable || e.Status == http.StatusBadGateway || e.Status == http.StatusGatewayTimeout {
		return withServerSays(fmt.Sprintf("the server at %s is not ready", serverURL), e.Message)
	}
	msg := withServerSays(fmt.Sprintf("the server at %s failed (%d)", serverURL, e.Status), e.Message)
	if e.RequestID != "" {
		msg += ", request " + e.RequestID
	}
	return msg
}

// withServerSays appends the server's own message, when it has one that is
// short enough to read.
func withServerSays(msg, server string) string {
	server = strings.TrimSpace(server)
	if server == "" || len(server) > 200 || strings.HasPrefix(server, "<") || strings.HasPrefix(server, "{") {
		return msg
	}
	return msg + ": " + server
}

// reason names why a request did not reach the server, briefly.
func reason(err error) string {
	var dnsErr *net.DNSError
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.As(err, &dnsErr):
		return "host " + dnsErr.Name + " not found"
	case errors.As(err, &certErr):
		return "its TLS certificate is not trusted"
	case errors.As(err, &hostErr):
		return "its TLS certificate is for another host"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	}
	// The innermost error says the most with the fewest words.
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
