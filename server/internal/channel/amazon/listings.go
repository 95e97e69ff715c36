package amazon

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

const listingsPath = "/listings/2021-08-01/items/"

func (s *client) listingPath(sku string) (string, error) {
	if s.sellerID == "" {
		return "", fmt.Errorf("amazon: credential %q is missing (needed for listings)", CredSellerID)
	}
	return listingsPath + url.PathEscape(s.sellerID) + "/" + url.PathEscape(sku), nil
}

type listingsIssue struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Severity string `json:"severity"`
}

type patchResponse struct {
	SKU    string          `json:"sku"`
	Status string          `json:"status"`
	Issues []listingsIssue `json:"issues"`
}

// PushQuantities implements channel.Channel with one Listings Items PATCH
// per SKU, merging the merchant-fulfilled (DEFAULT) quantity so lead time
// and restock date stay as the seller set them. ACCEPTED means Amazon
// queued the change. An INVALID answer or a 4xx for one SKU rejects that
// update only; throttling beyond a short wait, refused credentials or an
// outage fail the call.
func (c *Connector) PushQuantities(ctx context.Context, conn channel.Conn, updates []channel.QuantityUpdate) ([]channel.PushResult, error) {
	if len(updates) > c.maxBatch {
		return nil, fmt.Errorf("amazon: %d updates in one call, at most %d", len(updates), c.maxBatch)
	}
	s, err := c.open(conn)
	if err != nil {
		return nil, err
	}
	q := url.Values{"marketplaceIds": {s.marketplace}}
	out := make([]channel.PushResult, len(updates))
	for i, u := range updates {
		out[i].ListingID = u.ListingID
		if u.ChannelSKU == "" {
			out[i].Error = "the listing has no seller SKU"
			continue
		}
		if u.Quantity < 0 {
			out[i].Error = fmt.Sprintf("quantity %d is negative", u.Quantity)
			continue
		}
		path, err := s.listingPath(u.ChannelSKU)
		if err != nil {
			return nil, err
		}
		body := map[string]any{
			"productType": c.productType,
			"patches": []map[string]any{{
				"op":    "merge",
				"path":  "/attributes/fulfillment_availability",
				"value": []map[string]any{{"fulfillment_channel_code": "DEFAULT", "quantity": u.Quantity}},
			}},
		}
		var resp patchResponse
		err = s.do(ctx, request{op: opPatchListing, method: "PATCH", path: path, query: q, body: body, token: tokenLWA}, &resp)
		if rej, ok := isRejection(err); ok {
			out[i].Error = rej.Error()
			continue
		}
		if err != nil {
			return nil, err
		}
		switch resp.Status {
		case "ACCEPTED", "VALID":
			out[i].Accepted = true
		case "INVALID":
			out[i].Error = issuesText(resp.Issues)
		default:
			return nil, fmt.Errorf("amazon: patchListingsItem %s: malformed answer: status %q", u.ChannelSKU, resp.Status)
		}
	}
	return out, nil
}

func issuesText(issues []listingsIssue) string {
	var parts []string
	for _, is := range issues {
		if is.Severity != "" && is.Severity != "ERROR" {
			continue
		}
		parts = append(parts, strings.TrimPrefix(is.Code+": "+is.Message, ": "))
	}
	if len(parts) == 0 {
		return "INVALID"
	}
	return strings.Join(parts, "; ")
}

type listingResponse struct {
	SKU                     string `json:"sku"`
	FulfillmentAvailability []struct {
		FulfillmentChannelCode string `json:"fulfillmentChannelCode"`
		Quantity               *int   `json:"quantity"`
	} `json:"fulfillmentAvailability"`
}

// ReadQuantities implements channel.Channel with getListingsItem
// (includedData=fulfillmentAvailability): the DEFAULT quantity of each
// listing; a 404 means Amazon does not know the SKU.
func (c *Connector) ReadQuantities(ctx context.Context, conn channel.Conn, listings []channel.ListingRef) ([]channel.ListingQuantity, bool, error) {
	s, err := c.open(conn)
	if err != nil {
		return nil, true, err
	}
	q := url.Values{"marketplaceIds": {s.marketplace}, "includedData": {"fulfillmentAvailability"}}
	out := make([]channel.ListingQuantity, len(listings))
	for i, l := range listings {
		out[i].ListingID = l.ListingID
		if l.ChannelSKU == "" {
			continue
		}
		path, err := s.listingPath(l.ChannelSKU)
		if err != nil {
			return nil, true, err
		}
		var resp listingResponse
		err = s.do(ctx, request{op: opGetListing, method: "GET", path: path, query: q, token: tokenLWA}, &resp)
		if rej, ok := isRejection(err); ok && rej.Status == 404 {
			continue
		}
		if err != nil {
			return nil, true, err
		}
		out[i].Found = true
		for _, fa := range resp.FulfillmentAvailability {
			if fa.FulfillmentChannelCode == "DEFAULT" && fa.Quantity != nil {
				out[i].Quantity = *fa.Quantity
			}
		}
	}
	return out, true, nil
}
