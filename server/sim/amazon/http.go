package amazon

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// apiError is one element of the SP-API error envelope.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details string `json:"details,omitempty"`
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

// writeError answers with the SP-API error envelope
// {"errors":[{"code","message","details"}]}.
func writeError(w http.ResponseWriter, status int, code, message, details string) {
	writeJSON(w, status, map[string][]apiError{"errors": {{Code: code, Message: message, Details: details}}})
}

func invalidInput(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, "InvalidInput", fmt.Sprintf(format, args...), "")
}

// decodeBody reads a JSON request body: application/json content type and
// exactly one JSON value of v's shape.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			"The request payload is in an unsupported format; Content-Type must be application/json.", "")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		invalidInput(w, "Invalid Input: the request body is not valid JSON for this operation (%v).", err)
		return false
	}
	if dec.More() {
		invalidInput(w, "Invalid Input: the request body holds more than one JSON value.")
		return false
	}
	return true
}

func formatRate(rate float64) string { return strconv.FormatFloat(rate, 'f', -1, 64) }

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
