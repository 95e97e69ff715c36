package shippo

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// badRequest answers 400 with Shippo's {title, detail}.
func badRequest(w http.ResponseWriter, title, format string, args ...any) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"title": title, "detail": fmt.Sprintf(format, args...)})
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
}

func (s *Server) writeThrottled(w http.ResponseWriter) {
	secs := int(s.opts.RetryAfter / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, http.StatusTooManyRequests, map[string]string{
		"detail": fmt.Sprintf("Request was throttled. Expected available in %d seconds.", secs)})
}

func writeUnavailable(w http.ResponseWriter) {
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{
		"title": "Service Unavailable", "detail": "Shippo is temporarily unavailable. Please try again later."})
}

// decodeBody reads a JSON request body strictly: application/json, known
// fields only, exactly one value.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{
			"detail": fmt.Sprintf("Unsupported media type %q in request.", r.Header.Get("Content-Type"))})
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		badRequest(w, "Invalid request", "The request body is not valid for this operation: %v.", err)
		return false
	}
	if dec.More() {
		badRequest(w, "Invalid request", "The request body holds more than one JSON value.")
		return false
	}
	return true
}

// api wraps an operation: it counts the call, plays an injected fault, and
// checks the ShippoToken.
func (s *Server) api(op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		kind, _ := s.gate.Enter(op)
		f := Fault(kind)
		if s.playFault(w, r, f) {
			return
		}
		auth := r.Header.Get("Authorization")
		if auth == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Authentication credentials were not provided."})
			return
		}
		tok, ok := strings.CutPrefix(auth, "ShippoToken ")
		if !ok || tok != s.opts.APIToken {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
			return
		}
		if f == FaultLabelError {
			r = r.WithContext(withLabelError(r.Context()))
		}
		h(w, r)
	}
}
