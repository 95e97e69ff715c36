package amazon

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// AddListing implements sim.Marketplace.
func (s *Server) AddListing(sku string, quantity int) {
	s.mu.Lock()
	s.listings[sku] = quantity
	s.mu.Unlock()
}

// Quantity implements sim.Marketplace: the DEFAULT (merchant-fulfilled)
// quantity of a listing.
func (s *Server) Quantity(sku string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.listings[sku]
	return q, ok
}

// Listings returns every listing's quantity by SKU.
func (s *Server) Listings() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.listings))
	for k, v := range s.listings {
		out[k] = v
	}
	return out
}

type listingsIssue struct {
	Code           string   `json:"code"`
	Message        string   `json:"message"`
	Severity       string   `json:"severity"`
	AttributeNames []string `json:"attributeNames,omitempty"`
}

type patch struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

type availability struct {
	FulfillmentChannelCode *string `json:"fulfillment_channel_code"`
	Quantity               *int    `json:"quantity"`
}

// checkSeller validates the sellerId path segment and marketplaceIds query
// of a Listings Items call.
func (s *Server) checkSeller(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("sellerId") != s.opts.SellerID {
		writeError(w, http.StatusForbidden, "Unauthorized", denied, "")
		return false
	}
	return s.checkMarketplaces(w, r.URL.Query().Get("marketplaceIds"), "marketplaceIds")
}

// handlePatchListing is PATCH /listings/2021-08-01/items/{sellerId}/{sku}.
// Only fulfillment_availability is kept; other attribute patches are
// accepted and ignored.
func (s *Server) handlePatchListing(w http.ResponseWriter, r *http.Request, _ access) {
	if !s.checkSeller(w, r) {
		return
	}
	sku := r.PathValue("sku")
	var body struct {
		ProductType *string `json:"productType"`
		Patches     []patch `json:"patches"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.ProductType == nil || *body.ProductType == "" {
		invalidInput(w, "Missing required field productType.")
		return
	}
	if len(body.Patches) == 0 {
		invalidInput(w, "patches must contain at least 1 element.")
		return
	}
	issues := []listingsIssue{}
	qty := -1
	for i, p := range body.Patches {
		switch p.Op {
		case "add", "replace", "merge", "delete":
		default:
			invalidInput(w, "patches[%d].op %q is not one of add, replace, merge, delete.", i, p.Op)
			return
		}
		if p.Path == "" {
			invalidInput(w, "Missing required field patches[%d].path.", i)
			return
		}
		if p.Path != "/attributes/fulfillment_availability" {
			continue
		}
		if p.Op == "delete" {
			qty = 0
			continue
		}
		var vals []availability
		if err := json.Unmarshal(p.Value, &vals); err != nil || len(vals) == 0 {
			issues = append(issues, listingsIssue{Code: "4000001", Severity: "ERROR", AttributeNames: []string{"fulfillment_availability"},
				Message: "The value provided for 'fulfillment_availability' must be an array of objects."})
			continue
		}
		for _, v := range vals {
			switch {
			case v.FulfillmentChannelCode == nil || *v.FulfillmentChannelCode == "":
				issues = append(issues, listingsIssue{Code: "90220", Severity: "ERROR", AttributeNames: []string{"fulfillment_availability"},
					Message: "'fulfillment_channel_code' is required but not supplied."})
			case *v.FulfillmentChannelCode != "DEFAULT":
				// FBA channels are Amazon's to set; a seller's value is ignored.
			case v.Quantity == nil:
				issues = append(issues, listingsIssue{Code: "90220", Severity: "ERROR", AttributeNames: []string{"fulfillment_availability"},
					Message: "'quantity' is required but not supplied."})
			case *v.Quantity < 0:
				issues = append(issues, listingsIssue{Code: "4000001", Severity: "ERROR", AttributeNames: []string{"fulfillment_availability"},
					Message: fmt.Sprintf("The value '%d' provided for 'quantity' is invalid: it must be 0 or greater.", *v.Quantity)})
			default:
				qty = *v.Quantity
			}
		}
	}
	preview := r.URL.Query().Get("mode") == "VALIDATION_PREVIEW"
	s.mu.Lock()
	_, known := s.listings[sku]
	if !known {
		// Invented code: the real one for an unknown SKU is not documented here.
		issues = append(issues, listingsIssue{Code: "SKU_NOT_FOUND", Severity: "ERROR",
			Message: fmt.Sprintf("The SKU '%s' does not exist for this seller in marketplace %s.", sku, s.opts.MarketplaceID)})
	}
	status := "ACCEPTED"
	switch {
	case len(issues) > 0:
		status = "INVALID"
	case preview:
		status = "VALID"
	case qty >= 0:
		s.listings[sku] = qty
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"sku": sku, "status": status, "submissionId": newID(16), "issues": issues})
}

// handleGetListing is GET /listings/2021-08-01/items/{sellerId}/{sku}.
func (s *Server) handleGetListing(w http.ResponseWriter, r *http.Request, _ access) {
	if !s.checkSeller(w, r) {
		return
	}
	sku := r.PathValue("sku")
	s.mu.Lock()
	q, ok := s.listings[sku]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("SKU '%s' not found in marketplace %s", sku, s.opts.MarketplaceID), "")
		return
	}
	body := map[string]any{"sku": sku}
	for _, d := range splitList(r.URL.Query().Get("includedData")) {
		switch d {
		case "summaries":
			body["summaries"] = []map[string]any{{"marketplaceId": s.opts.MarketplaceID, "asin": asinOf(sku),
				"productType": "PRODUCT", "status": []string{"BUYABLE", "DISCOVERABLE"}}}
		case "fulfillmentAvailability":
			body["fulfillmentAvailability"] = []map[string]any{{"fulfillmentChannelCode": "DEFAULT", "quantity": q}}
		case "attributes", "issues", "offers", "procurement", "relationships", "productTypes":
		default:
			invalidInput(w, "Invalid includedData value: %s.", d)
			return
		}
	}
	if len(body) == 1 {
		body["summaries"] = []map[string]any{{"marketplaceId": s.opts.MarketplaceID, "asin": asinOf(sku), "productType": "PRODUCT"}}
	}
	writeJSON(w, http.StatusOK, body)
}
