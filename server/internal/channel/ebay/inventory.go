package ebay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

const (
	bulkUpdatePath = "/sell/inventory/v1/bulk_update_price_quantity"
	bulkGetPath    = "/sell/inventory/v1/bulk_get_inventory_item"
)

type priceQuantity struct {
	SKU                        string         `json:"sku,omitempty"`
	ShipToLocationAvailability *shipToQty     `json:"shipToLocationAvailability,omitempty"`
	Offers                     []offerQtyWire `json:"offers,omitempty"`
}

type shipToQty struct {
	Quantity int `json:"quantity"`
}

type offerQtyWire struct {
	OfferID           string `json:"offerId"`
	AvailableQuantity int    `json:"availableQuantity"`
}

type bulkResponse struct {
	Responses *[]struct {
		StatusCode int         `json:"statusCode"`
		SKU        string      `json:"sku"`
		OfferID    string      `json:"offerId"`
		Errors     []wireError `json:"errors"`
	} `json:"responses"`
}

// inventorySKU is the Inventory API SKU of a listing; "" for a listing
// without one (no SKU, or a LegacySKU).
func inventorySKU(ref channel.ListingRef) string {
	if strings.HasPrefix(ref.ChannelSKU, LegacySKUPrefix) {
		return ""
	}
	return ref.ChannelSKU
}

// offerID is the listing's offer id, from ExternalListingID when it looks
// like one (eBay offer ids are digits).
func offerID(ref channel.ListingRef) string {
	id := strings.TrimSpace(ref.ExternalListingID)
	if id == "" {
		return ""
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return id
}

// PushQuantities implements channel.Channel with bulk_update_price_quantity,
// 25 listings per call. A listing with an Inventory API SKU gets its total
// ship-to-home quantity set; one without (sold from a listing created
// outside the Inventory API) is addressed by the offer id in its
// ExternalListingID, or refused here when it has none. Each listing's
// result is eBay's answer for it: accepted only when every entry eBay
// returned for it succeeded.
func (c *Connector) PushQuantities(ctx context.Context, conn channel.Conn, updates []channel.QuantityUpdate) ([]channel.PushResult, error) {
	s, err := c.session(conn)
	if err != nil {
		return nil, err
	}
	results := make([]channel.PushResult, len(updates))
	for start := 0; start < len(updates); start += maxBatch {
		end := min(start+maxBatch, len(updates))
		if err := c.pushBatch(ctx, s, updates[start:end], results[start:end]); err != nil {
			return nil, err
		}
	}
	return results, nil
}

func (c *Connector) pushBatch(ctx context.Context, s *session, updates []channel.QuantityUpdate, results []channel.PushResult) error {
	type target struct{ sku, offer string }
	var reqs []priceQuantity
	sent := map[int]target{} // update index → what was asked
	bySKU, byOffer := map[string]int{}, map[string]int{}
	for i, u := range updates {
		results[i] = channel.PushResult{ListingID: u.ListingID}
		sku, offer := inventorySKU(u.ListingRef), offerID(u.ListingRef)
		switch {
		case u.Quantity < 0:
			results[i].Error = fmt.Sprintf("quantity %d is negative", u.Quantity)
			continue
		case sku != "":
			offer = ""
		case offer == "":
			results[i].Error = fmt.Sprintf("listing %q has neither an Inventory API SKU nor an offer id; "+
				"a listing created outside the Inventory API must be migrated (bulk_migrate_listing) "+
				"or given its offer id before its quantity can be set", u.ChannelSKU)
			continue
		}
		// A later update of the same listing in one batch wins.
		if prev, dup := bySKU[sku]; sku != "" && dup {
			results[prev].Error = "superseded by a later update of the same SKU in this batch"
			delete(sent, prev)
		}
		if prev, dup := byOffer[offer]; offer != "" && dup {
			results[prev].Error = "superseded by a later update of the same offer in this batch"
			delete(sent, prev)
		}
		if sku != "" {
			bySKU[sku] = i
		} else {
			byOffer[offer] = i
		}
		sent[i] = target{sku, offer}
	}
	for i, u := range updates {
		t, ok := sent[i]
		if !ok {
			continue
		}
		if t.sku != "" {
			reqs = append(reqs, priceQuantity{SKU: t.sku, ShipToLocationAvailability: &shipToQty{Quantity: u.Quantity}})
		} else {
			reqs = append(reqs, priceQuantity{Offers: []offerQtyWire{{OfferID: t.offer, AvailableQuantity: u.Quantity}}})
		}
	}
	if len(reqs) == 0 {
		return nil
	}
	body, err := json.Marshal(map[string]any{"requests": reqs})
	if err != nil {
		return fmt.Errorf("ebay: bulk_update_price_quantity: %w", err)
	}
	const op = "bulk_update_price_quantity"
	resp, err := s.do(ctx, request{op: op, method: http.MethodPost, url: s.apiURL(bulkUpdatePath), body: body,
		headers: map[string]string{"Content-Language": c.lang}})
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK && resp.status != http.StatusMultiStatus {
		return apiError(op, resp)
	}
	var br bulkResponse
	if err := decode(op, resp.body, &br); err != nil {
		return err
	}
	if br.Responses == nil {
		return fmt.Errorf("ebay: %s: the response has no responses array", op)
	}
	answered := map[int]bool{}
	for _, r := range *br.Responses {
		i, ok := -1, false
		if r.OfferID != "" {
			i, ok = byOffer[r.OfferID]
		}
		if !ok && r.SKU != "" {
			i, ok = bySKU[r.SKU]
		}
		if _, live := sent[i]; !ok || !live {
			continue
		}
		if !answered[i] {
			answered[i] = true
			results[i].Accepted = true
		}
		if r.StatusCode != http.StatusOK || len(r.Errors) > 0 {
			results[i].Accepted = false
			msg := describeErrors(r.Errors)
			if msg == "" {
				msg = fmt.Sprintf("status %d", r.StatusCode)
			}
			if results[i].Error != "" {
				msg = results[i].Error + "; " + msg
			}
			results[i].Error = msg
		}
	}
	for i := range sent {
		if !answered[i] {
			results[i].Error = "eBay's answer did not mention this listing"
		}
	}
	return nil
}

type bulkGetResponse struct {
	Responses *[]struct {
		StatusCode    int         `json:"statusCode"`
		SKU           string      `json:"sku"`
		Errors        []wireError `json:"errors"`
		InventoryItem *struct {
			Availability *struct {
				ShipToLocationAvailability *struct {
					Quantity *int `json:"quantity"`
				} `json:"shipToLocationAvailability"`
			} `json:"availability"`
		} `json:"inventoryItem"`
	} `json:"responses"`
}

// ReadQuantities implements channel.Channel with bulk_get_inventory_item,
// 25 SKUs per call: the total ship-to-home quantity of each listing's
// inventory item. Listings without an Inventory API SKU cannot be read and
// come back not found.
func (c *Connector) ReadQuantities(ctx context.Context, conn channel.Conn, listings []channel.ListingRef) ([]channel.ListingQuantity, bool, error) {
	s, err := c.session(conn)
	if err != nil {
		return nil, true, err
	}
	out := make([]channel.ListingQuantity, len(listings))
	var skus []string
	wanted := map[string][]int{}
	for i, l := range listings {
		out[i].ListingID = l.ListingID
		if sku := inventorySKU(l); sku != "" {
			if _, seen := wanted[sku]; !seen {
				skus = append(skus, sku)
			}
			wanted[sku] = append(wanted[sku], i)
		}
	}
	const op = "bulk_get_inventory_item"
	for start := 0; start < len(skus); start += maxBatch {
		var reqs []map[string]string
		for _, sku := range skus[start:min(start+maxBatch, len(skus))] {
			reqs = append(reqs, map[string]string{"sku": sku})
		}
		body, err := json.Marshal(map[string]any{"requests": reqs})
		if err != nil {
			return nil, true, fmt.Errorf("ebay: %s: %w", op, err)
		}
		resp, err := s.do(ctx, request{op: op, method: http.MethodPost, url: s.apiURL(bulkGetPath), body: body})
		if err != nil {
			return nil, true, err
		}
		if resp.status != http.StatusOK && resp.status != http.StatusMultiStatus {
			return nil, true, apiError(op, resp)
		}
		var br bulkGetResponse
		if err := decode(op, resp.body, &br); err != nil {
			return nil, true, err
		}
		if br.Responses == nil {
			return nil, true, fmt.Errorf("ebay: %s: the response has no responses array", op)
		}
		for _, r := range *br.Responses {
			switch {
			case r.StatusCode == http.StatusNotFound:
				continue
			case r.StatusCode != http.StatusOK:
				return nil, true, fmt.Errorf("ebay: %s: SKU %q: status %d: %s", op, r.SKU, r.StatusCode, describeErrors(r.Errors))
			case r.InventoryItem == nil:
				return nil, true, fmt.Errorf("ebay: %s: SKU %q: the answer has no inventoryItem", op, r.SKU)
			}
			qty := 0
			if a := r.InventoryItem.Availability; a != nil && a.ShipToLocationAvailability != nil && a.ShipToLocationAvailability.Quantity != nil {
				qty = *a.ShipToLocationAvailability.Quantity
			}
			for _, i := range wanted[r.SKU] {
				out[i].Found, out[i].Quantity = true, qty
			}
		}
	}
	return out, true, nil
}
