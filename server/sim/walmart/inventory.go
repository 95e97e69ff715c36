package walmart

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// AddListing implements sim.Marketplace. Walmart refuses inventory updates
// for SKUs it does not know.
func (s *Server) AddListing(sku string, quantity int) {
	s.mu.Lock()
	s.listings[sku] = max(quantity, 0)
	s.mu.Unlock()
}

// Quantity implements sim.Marketplace.
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
	return maps(s.listings)
}

type wInventory struct {
	SKU      string `json:"sku"`
	Quantity struct {
		Unit   string `json:"unit"`
		Amount int    `json:"amount"`
	} `json:"quantity"`
}

func inventoryOf(sku string, qty int) wInventory {
	var v wInventory
	v.SKU, v.Quantity.Unit, v.Quantity.Amount = sku, "EACH", qty
	return v
}

// handleGetInventory is GET /v3/inventory?sku=.
func (s *Server) handleGetInventory(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	if sku == "" {
		writeError(w, http.StatusBadRequest, badParam(gmpInventory, "sku", "sku is required"))
		return
	}
	q, ok := s.Quantity(sku)
	if !ok {
		writeError(w, http.StatusNotFound, notFound(gmpInventory, "Item not found for sku "+sku))
		return
	}
	writeJSON(w, http.StatusOK, inventoryOf(sku, q))
}

// handlePutInventory is PUT /v3/inventory?sku=, body
// {"sku":…,"quantity":{"unit":"EACH","amount":N}}; it answers with the object.
func (s *Server) handlePutInventory(w http.ResponseWriter, r *http.Request) {
	sku := r.URL.Query().Get("sku")
	if sku == "" {
		writeError(w, http.StatusBadRequest, badParam(gmpInventory, "sku", "sku is required"))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" && !bytes.HasPrefix([]byte(ct), []byte("application/json;")) {
		writeError(w, http.StatusUnsupportedMediaType, gwError{Code: "UNSUPPORTED_MEDIA_TYPE." + gmpInventory,
			Description: "HTTP 415 Unsupported Media Type", Info: "Unsupported Media Type.", Category: catData})
		return
	}
	var body struct {
		SKU      string `json:"sku"`
		Quantity *struct {
			Unit   string          `json:"unit"`
			Amount json.RawMessage `json:"amount"`
		} `json:"quantity"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, badContent(gmpInventory, "Request body is not valid JSON: "+err.Error()))
		return
	}
	switch {
	case body.SKU != sku:
		writeError(w, http.StatusBadRequest, badContent(gmpInventory, "sku in the body ("+strconv.Quote(body.SKU)+") differs from the sku parameter ("+strconv.Quote(sku)+")"))
		return
	case body.Quantity == nil || body.Quantity.Unit != "EACH":
		writeError(w, http.StatusBadRequest, badContent(gmpInventory, `quantity must be {"unit":"EACH","amount":<number>}`))
		return
	}
	amount, err := strconv.Atoi(string(bytes.TrimSpace(body.Quantity.Amount)))
	if err != nil || amount < 0 {
		writeError(w, http.StatusBadRequest, badContent(gmpInventory, "quantity.amount must be a whole number of at least 0, got "+string(body.Quantity.Amount)))
		return
	}
	s.mu.Lock()
	_, known := s.listings[sku]
	if known {
		s.listings[sku] = amount
	}
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusNotFound, notFound(gmpInventory, "Item not found for sku "+sku))
		return
	}
	writeJSON(w, http.StatusOK, inventoryOf(sku, amount))
}
