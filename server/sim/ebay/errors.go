package ebay

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// apiError is one entry of eBay's error envelope.
type apiError struct {
	ErrorID     int          `json:"errorId"`
	Domain      string       `json:"domain"`
	Subdomain   string       `json:"subdomain,omitempty"`
	Category    string       `json:"category"`
	Message     string       `json:"message"`
	LongMessage string       `json:"longMessage,omitempty"`
	Parameters  []errorParam `json:"parameters,omitempty"`
}

type errorParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type errorEnvelope struct {
	Errors []apiError `json:"errors"`
}

// API families, for quotas, fault bodies and error domains.
const (
	apiFulfillment  = "sell.fulfillment"
	apiInventory    = "sell.inventory"
	apiNotification = "commerce.notification"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	writeJSON(w, status, errorEnvelope{Errors: errs})
}

func requestError(domain string, id int, msg string) apiError {
	return apiError{ErrorID: id, Domain: domain, Category: "REQUEST", Message: msg}
}

func fulfillmentError(id int, msg string) apiError {
	return requestError("API_FULFILLMENT", id, msg)
}

func inventoryError(id int, msg string) apiError {
	e := requestError("API_INVENTORY", id, msg)
	e.Subdomain = "Selling"
	return e
}

// The platform-wide errors, as eBay words them.
func errInvalidToken() apiError {
	return apiError{ErrorID: 1001, Domain: "OAuth", Category: "REQUEST",
		Message: "Invalid access token", LongMessage: "Invalid access token. Check the value of the Authorization HTTP request header."}
}

func errMissingToken() apiError {
	return apiError{ErrorID: 1002, Domain: "OAuth", Category: "REQUEST",
		Message: "Missing access token", LongMessage: "Access token is missing in the Authorization HTTP request header."}
}

func errInsufficientScope() apiError {
	return apiError{ErrorID: 1100, Domain: "ACCESS", Category: "REQUEST",
		Message: "Access denied", LongMessage: "Insufficient permissions to fulfill the request."}
}

func errTooManyRequests() apiError {
	return apiError{ErrorID: 2001, Domain: "ACCESS", Category: "REQUEST",
		Message: "Too many requests.", LongMessage: "The request limit has been reached for the resource."}
}

func errInvalidRequest() apiError {
	return apiError{ErrorID: 2004, Domain: "ACCESS", Category: "REQUEST",
		Message: "Invalid request", LongMessage: "The request has errors. For help, see the documentation for this API."}
}

// systemError is the 500 body of each API family.
func systemError(api string) apiError {
	switch api {
	case apiInventory:
		return apiError{ErrorID: 25001, Domain: "API_INVENTORY", Subdomain: "Selling", Category: "APPLICATION",
			Message: "A system error has occurred."}
	case apiNotification:
		return apiError{ErrorID: 195000, Domain: "API_NOTIFICATION", Category: "APPLICATION",
			Message: "There was a problem with an eBay internal system or process. Contact eBay developer support for assistance."}
	default:
		return apiError{ErrorID: 30500, Domain: "API_FULFILLMENT", Category: "APPLICATION", Message: "System error"}
	}
}

// decodeBody reads a JSON request body into v; false after answering 400
// (eBay's generic "Invalid request") when the body is not valid JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		writeErrors(w, http.StatusBadRequest, errInvalidRequest())
		return false
	}
	return true
}

func isJSON(r *http.Request) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	return ct == "application/json"
}

func jsonDecodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 4<<20))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
