package usps

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// errorEnvelope is the USPS v3 error body.
type errorEnvelope struct {
	APIVersion string    `json:"apiVersion"`
	Error      errorBody `json:"error"`
}

type errorBody struct {
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Errors  []errorItem `json:"errors,omitempty"`
}

type errorItem struct {
	Status string       `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *errorSource `json:"source,omitempty"`
}

type errorSource struct {
	Parameter string `json:"parameter,omitempty"`
	Example   string `json:"example,omitempty"`
}

// apiErr builds one entry of the errors list; parameter names the field at
// fault, when there is one.
func apiErr(status, code, title, detail, parameter string) errorItem {
	e := errorItem{Status: status, Code: code, Title: title, Detail: detail}
	if parameter != "" {
		e.Source = &errorSource{Parameter: parameter}
	}
	return e
}

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

func writeError(w http.ResponseWriter, status int, code, message string, errs ...errorItem) {
	writeJSON(w, status, errorEnvelope{APIVersion: "v3", Error: errorBody{Code: code, Message: message, Errors: errs}})
}

// badRequest answers 400 for one field at fault.
func badRequest(w http.ResponseWriter, parameter, format string, args ...any) {
	detail := fmt.Sprintf(format, args...)
	writeError(w, http.StatusBadRequest, "400", detail, apiErr("400", "INVALID_REQUEST", "Invalid request", detail, parameter))
}

// addressError answers 400 for an address USPS cannot deliver to.
func addressError(w http.ResponseWriter, parameter, message string) {
	writeError(w, http.StatusBadRequest, "400", message,
		apiErr("400", "ADDRESS_NOT_FOUND", "Address Not Found", message, parameter))
}

func (s *Server) writeThrottled(w http.ResponseWriter) {
	secs := int(s.opts.RetryAfter / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, "429", "Too Many Requests",
		apiErr("429", "RATE_LIMIT_EXCEEDED", "Too Many Requests",
			fmt.Sprintf("The application exceeded its hourly quota. Retry after %d seconds.", secs), ""))
}

func writeUnavailable(w http.ResponseWriter) {
	writeError(w, http.StatusServiceUnavailable, "503", "Service Unavailable",
		apiErr("503", "SERVICE_UNAVAILABLE", "Service Unavailable", "The service is temporarily unavailable. Please try again later.", ""))
}

func writeUnauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="apis.usps.com", error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, "401", "Unauthorized",
		apiErr("401", "UNAUTHORIZED", "Unauthorized", detail, "Authorization"))
}

// decodeBody reads a JSON request body strictly: application/json, known
// fields only, exactly one value.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "415", "Content-Type must be application/json.",
			apiErr("415", "UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type", "Content-Type must be application/json.", "Content-Type"))
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		badRequest(w, "body", "The request body is not valid JSON for this operation: %v", err)
		return false
	}
	if dec.More() {
		badRequest(w, "body", "The request body holds more than one JSON value.")
		return false
	}
	return true
}
