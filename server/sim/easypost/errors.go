package easypost

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// fieldError is one entry of an error's errors list.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code,omitempty"`
}

type errorBody struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers with EasyPost's envelope.
func writeError(w http.ResponseWriter, status int, code, message string, errs ...fieldError) {
	if errs == nil {
		errs = []fieldError{}
	}
	writeJSON(w, status, map[string]errorBody{"error": {Code: code, Message: message, Errors: errs}})
}

// invalid answers 422 for one parameter at fault.
func invalid(w http.ResponseWriter, code, field, message string) {
	msg := "Invalid parameter."
	if code == "PARAMETER.REQUIRED" {
		msg = "Missing required parameter."
	}
	writeError(w, http.StatusUnprocessableEntity, code, msg, fieldError{Field: field, Message: message})
}

func (s *Server) writeThrottled(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(int(s.opts.RetryAfter/time.Second)))
	writeError(w, http.StatusTooManyRequests, "RATE_LIMITED",
		"You have exceeded the rate limit. Please retry your request after a short delay.")
}

func writeUnavailable(w http.ResponseWriter) {
	writeError(w, http.StatusServiceUnavailable, "SERVICE.UNAVAILABLE",
		"The service is temporarily unavailable. Please try again later.")
}

func writeUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="EasyPost"`)
	writeError(w, http.StatusUnauthorized, "APIKEY.REQUIRED", "Missing or invalid API key.")
}

// decodeBody reads a JSON request body strictly: application/json, known
// fields only, exactly one value.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "REQUEST.CONTENT_TYPE.INVALID",
			"Content-Type must be application/json.")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		field := "body"
		if _, after, ok := strings.Cut(err.Error(), "unknown field "); ok {
			field = strings.Trim(after, `"`)
		}
		writeError(w, http.StatusUnprocessableEntity, "PARAMETER.INVALID", "Invalid parameter.",
			fieldError{Field: field, Message: err.Error()})
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "The request body holds more than one JSON value.")
		return false
	}
	return true
}

// api wraps an operation: it counts the call, plays an injected fault, and
// checks the API key (HTTP Basic, the key as username).
func (s *Server) api(op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		kind, _ := s.gate.Enter(op)
		f := Fault(kind)
		if s.playFault(w, r, f) {
			return
		}
		key, _, ok := r.BasicAuth()
		if !ok || key != s.opts.APIKey {
			writeUnauthorized(w)
			return
		}
		h(w, r)
	}
}
