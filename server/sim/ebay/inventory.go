package ebay

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxRevisionsPerDay is how often eBay lets a listing be revised per
// calendar day.
const maxRevisionsPerDay = 250

type listing struct {
	sku, offerID, itemID string
	quantity             int
	revisions            int
	revisionDay          string
}

// Listing is a simulated inventory item with its one published offer.
type Listing struct {
	SKU          string `json:"sku"`
	Quantity     int    `json:"quantity"`
	OfferID      string `json:"offerId"`
	LegacyItemID string `json:"legacyItemId"`
}

// AddListing implements sim.Marketplace: an inventory item with one
// published offer, showing quantity. Adding a known SKU sets its quantity.
func (s *Server) AddListing(sku string, quantity int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.listings[sku]; ok {
		l.quantity = quantity
		return
	}
	s.seq++
	l := &listing{
		sku:      sku,
		quantity: quantity,
		offerID:  strconv.FormatInt(7093520000+int64(s.seq), 10),
		itemID:   strconv.FormatInt(296114830000+int64(s.seq), 10),
	}
	s.listings[sku] = l
	s.offers[l.offerID] = sku
}

// Quantity implements sim.Marketplace.
func (s *Server) Quantity(sku string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listings[sku]
	if !ok {
		return 0, false
	}
	return l.quantity, true
}

// Listings returns every listing, by SKU.
func (s *Server) Listings() []Listing {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Listing, 0, len(s.listings))
	for _, l := range s.listings {
		out = append(out, Listing{SKU: l.sku, Quantity: l.quantity, OfferID: l.offerID, LegacyItemID: l.itemID})
	}
	slices.SortFunc(out, func(a, b Listing) int { return strings.Compare(a.SKU, b.SKU) })
	return out
}

// OfferID returns the offer id of a SKU's listing.
func (s *Server) OfferID(sku string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listings[sku]
	if !ok {
		return "", false
	}
	return l.offerID, true
}

type priceQuantityRequest struct {
	Requests []struct {
		SKU                        string `json:"sku"`
		ShipToLocationAvailability *struct {
			Quantity *int `json:"quantity"`
		} `json:"shipToLocationAvailability"`
		Offers []struct {
			OfferID           string `json:"offerId"`
			AvailableQuantity *int   `json:"availableQuantity"`
		} `json:"offers"`
	} `json:"requests"`
}

// PriceQuantityResponse is one entry of bulk_update_price_quantity's answer.
type PriceQuantityResponse struct {
	StatusCode int        `json:"statusCode"`
	SKU        string     `json:"sku,omitempty"`
	OfferID    string     `json:"offerId,omitempty"`
	Errors     []apiError `json:"errors,omitempty"`
	Warnings   []apiError `json:"warnings,omitempty"`
}

// reviseLocked counts one revision of l; false when the day's allowance is
// spent.
func (l *listing) reviseLocked(now time.Time) bool {
	day := now.Format(time.DateOnly)
	if l.revisionDay != day {
		l.revisionDay, l.revisions = day, 0
	}
	if l.revisions >= maxRevisionsPerDay {
		return false
	}
	l.revisions++
	return true
}

// handleBulkUpdate answers POST /sell/inventory/v1/bulk_update_price_quantity.
func (s *Server) handleBulkUpdate(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r) {
		writeErrors(w, http.StatusBadRequest, inventoryError(25709, "Invalid value for header Content-Type."))
		return
	}
	if r.Header.Get("Content-Language") == "" {
		writeErrors(w, http.StatusBadRequest, inventoryError(25709, "Invalid value for header Content-Language."))
		return
	}
	var req priceQuantityRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if len(req.Requests) == 0 || len(req.Requests) > 25 {
		writeErrors(w, http.StatusBadRequest, inventoryError(25709, "Invalid value for requests. Between 1 and 25 requests are allowed."))
		return
	}
	now := s.now()
	fail := func(status int, sku, offer string, e apiError) PriceQuantityResponse {
		return PriceQuantityResponse{StatusCode: status, SKU: sku, OfferID: offer, Errors: []apiError{e}}
	}
	var out []PriceQuantityResponse
	s.mu.Lock()
	for _, pq := range req.Requests {
		var l *listing
		if pq.SKU != "" {
			l = s.listings[pq.SKU]
			if l == nil {
				out = append(out, fail(http.StatusNotFound, pq.SKU, "", inventoryError(25702, "SKU "+pq.SKU+" is not available in the system")))
				continue
			}
		}
		if pq.ShipToLocationAvailability == nil && len(pq.Offers) == 0 {
			out = append(out, fail(http.StatusBadRequest, pq.SKU, "", inventoryError(25709, "Invalid value for shipToLocationAvailability.")))
			continue
		}
		if pq.SKU == "" && pq.ShipToLocationAvailability != nil {
			out = append(out, fail(http.StatusBadRequest, "", "", inventoryError(25708, "Invalid SKU.")))
			continue
		}
		if len(pq.Offers) > 25 {
			out = append(out, fail(http.StatusBadRequest, pq.SKU, "", inventoryError(25730, "The number of offers in the request cannot exceed 25.")))
			continue
		}
		if a := pq.ShipToLocationAvailability; a != nil {
			switch {
			case a.Quantity == nil || *a.Quantity < 0:
				out = append(out, fail(http.StatusBadRequest, pq.SKU, "", inventoryError(25004, "Invalid quantity. The quantity must be a non-negative integer.")))
				continue
			case !l.reviseLocked(now):
				out = append(out, fail(http.StatusBadRequest, pq.SKU, "", inventoryError(25019, "Cannot revise the listing. The listing has reached its daily revision limit.")))
				continue
			}
			l.quantity = *a.Quantity
			if len(pq.Offers) == 0 {
				out = append(out, PriceQuantityResponse{StatusCode: http.StatusOK, SKU: pq.SKU})
			}
		}
		seen := map[string]bool{}
		for _, of := range pq.Offers {
			sku, known := s.offers[of.OfferID]
			switch {
			case seen[of.OfferID]:
				out = append(out, fail(http.StatusBadRequest, pq.SKU, of.OfferID, inventoryError(25731, "OfferId should be unique in the request.")))
				continue
			case !known || (pq.SKU != "" && sku != pq.SKU):
				out = append(out, fail(http.StatusNotFound, pq.SKU, of.OfferID, inventoryError(25713, "This Offer is not available : "+of.OfferID+".")))
				continue
			case of.AvailableQuantity != nil && *of.AvailableQuantity < 0:
				out = append(out, fail(http.StatusBadRequest, sku, of.OfferID, inventoryError(25004, "Invalid quantity. The quantity must be a non-negative integer.")))
				continue
			}
			seen[of.OfferID] = true
			ol := s.listings[sku]
			if of.AvailableQuantity != nil {
				if pq.ShipToLocationAvailability == nil && !ol.reviseLocked(now) {
					out = append(out, fail(http.StatusBadRequest, sku, of.OfferID, inventoryError(25019, "Cannot revise the listing. The listing has reached its daily revision limit.")))
					continue
				}
				ol.quantity = *of.AvailableQuantity
			}
			out = append(out, PriceQuantityResponse{StatusCode: http.StatusOK, SKU: sku, OfferID: of.OfferID})
		}
	}
	s.mu.Unlock()
	status := http.StatusOK
	for _, e := range out {
		if e.StatusCode != http.StatusOK {
			status = http.StatusMultiStatus
		}
	}
	writeJSON(w, status, map[string]any{"responses": out})
}

// InventoryItemResponse is one entry of bulk_get_inventory_item's answer.
type InventoryItemResponse struct {
	StatusCode    int            `json:"statusCode"`
	SKU           string         `json:"sku"`
	InventoryItem *InventoryItem `json:"inventoryItem,omitempty"`
	Errors        []apiError     `json:"errors,omitempty"`
	Warnings      []apiError     `json:"warnings,omitempty"`
}

// InventoryItem is the part of an inventory item record the simulator keeps.
type InventoryItem struct {
	SKU          string       `json:"sku"`
	Locale       string       `json:"locale"`
	Condition    string       `json:"condition"`
	Availability Availability `json:"availability"`
}

// Availability is an inventory item's quantities.
type Availability struct {
	ShipToLocationAvailability struct {
		Quantity int `json:"quantity"`
	} `json:"shipToLocationAvailability"`
}

// handleBulkGet answers POST /sell/inventory/v1/bulk_get_inventory_item.
func (s *Server) handleBulkGet(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r) {
		writeErrors(w, http.StatusBadRequest, inventoryError(25709, "Invalid value for header Content-Type."))
		return
	}
	var req struct {
		Requests []struct {
			SKU string `json:"sku"`
		} `json:"requests"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if len(req.Requests) > 25 {
		writeErrors(w, http.StatusBadRequest, inventoryError(25727, "The number of InventoryItems in the request cannot exceed 25."))
		return
	}
	seen := map[string]bool{}
	for _, q := range req.Requests {
		if q.SKU == "" {
			writeErrors(w, http.StatusBadRequest, inventoryError(25708, "Invalid SKU."))
			return
		}
		if seen[q.SKU] {
			writeErrors(w, http.StatusBadRequest, inventoryError(25734, "SKU should be unique in the request."))
			return
		}
		seen[q.SKU] = true
	}
	out := []InventoryItemResponse{}
	status := http.StatusOK
	s.mu.Lock()
	for _, q := range req.Requests {
		l, ok := s.listings[q.SKU]
		if !ok {
			status = http.StatusMultiStatus
			out = append(out, InventoryItemResponse{StatusCode: http.StatusNotFound, SKU: q.SKU,
				Errors: []apiError{inventoryError(25702, "SKU "+q.SKU+" is not available in the system")}})
			continue
		}
		item := &InventoryItem{SKU: l.sku, Locale: "en_US", Condition: "NEW"}
		item.Availability.ShipToLocationAvailability.Quantity = l.quantity
		out = append(out, InventoryItemResponse{StatusCode: http.StatusOK, SKU: l.sku, InventoryItem: item})
	}
	s.mu.Unlock()
	writeJSON(w, status, map[string]any{"responses": out})
}
