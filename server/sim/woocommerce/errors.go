package woocommerce

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// apiError is a WP_Error as the REST API renders it:
// {"code":…,"message":…,"data":{"status":…}}.
type apiError struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Data    apiErrorData `json:"data"`
}

type apiErrorData struct {
	Status int `json:"status"`
	Params any `json:"params,omitempty"`
}

func newError(status int, code, message string) *apiError {
	return &apiError{Code: code, Message: message, Data: apiErrorData{Status: status}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) { writeJSON(w, e.Data.Status, e) }

func errNoRoute() *apiError {
	return newError(http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
}

// invalidParams is WordPress's answer to arguments that fail their schema.
func invalidParams(params map[string]string) *apiError {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	e := newError(http.StatusBadRequest, "rest_invalid_param", "Invalid parameter(s): "+strings.Join(names, ", "))
	e.Data.Params = params
	return e
}

func errInvalidJSON() *apiError {
	return newError(http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
}

// denied is the permission check's answer to a request that authenticated
// as nobody.
func denied(p perm) *apiError {
	const code = http.StatusUnauthorized
	switch p {
	case permList:
		return newError(code, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
	case permView:
		return newError(code, "woocommerce_rest_cannot_view", "Sorry, you cannot view this resource.")
	case permEdit:
		return newError(code, "woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource.")
	case permCreate:
		return newError(code, "woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources.")
	default:
		return newError(code, "woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource.")
	}
}

func authError(message string) *apiError {
	return newError(http.StatusUnauthorized, "woocommerce_rest_authentication_error", message)
}

func errMissing(param string) *apiError {
	e := newError(http.StatusBadRequest, "rest_missing_callback_param", "Missing parameter(s): "+param)
	e.Data.Params = []string{param}
	return e
}
