package walmart

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// PushQuantities implements channel.Channel with one PUT
// /v3/inventory?sku= per update.
//
// Walmart's bulk inventory feed is asynchronous (a feed id to poll, per-item
// errors only after processing) and has small hourly submission quotas,
// while convergence needs each listing's answer now and resends whatever
// differs anyway. The single-SKU update answers at once, per SKU, and is an
// absolute "set", so a repeat is harmless.
//
// A 4xx about one SKU rejects that update with Walmart's words; a refused
// token, a throttle, a server error or a malformed answer fails the call.
func (c *Connector) PushQuantities(ctx context.Context, conn channel.Conn, updates []channel.QuantityUpdate) ([]channel.PushResult, error) {
	if len(updates) > c.maxBatch {
		return nil, fmt.Errorf("walmart: %d quantity updates in one call, at most %d", len(updates), c.maxBatch)
	}
	s, err := c.client(conn)
	if err != nil {
		return nil, err
	}
	out := make([]channel.PushResult, 0, len(updates))
	for _, u := range updates {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := channel.PushResult{ListingID: u.ListingID}
		switch {
		case u.ChannelSKU == "":
			res.Error = "the listing has no Walmart SKU"
		case u.Quantity < 0:
			res.Error = fmt.Sprintf("quantity %d is negative", u.Quantity)
		default:
			if res, err = s.putInventory(ctx, u); err != nil {
				return nil, err
			}
		}
		out = append(out, res)
	}
	return out, nil
}

func (s *client) putInventory(ctx context.Context, u channel.QuantityUpdate) (channel.PushResult, error) {
	res := channel.PushResult{ListingID: u.ListingID}
	var body struct {
		SKU      string `json:"sku"`
		Quantity struct {
			Unit   string `json:"unit"`
			Amount int    `json:"amount"`
		} `json:"quantity"`
	}
	body.SKU, body.Quantity.Unit, body.Quantity.Amount = u.ChannelSKU, "EACH", u.Quantity
	data, err := json.Marshal(body)
	if err != nil {
		return res, fmt.Errorf("walmart: inventory body: %w", err)
	}
	path := "/v3/inventory?" + s.skuQuery(u.ChannelSKU)
	r, err := s.call(ctx, http.MethodPut, path, data)
	if err != nil {
		return res, err
	}
	switch {
	case r.ok():
		var echo inventory
		if err := json.Unmarshal(r.body, &echo); err != nil {
			return res, fmt.Errorf("walmart: PUT /v3/inventory (sku %q): malformed response: %w", u.ChannelSKU, err)
		}
		res.Accepted = true
	case r.status >= 400 && r.status < 500:
		res.Error = describe(r)
	default:
		return res, failure(http.MethodPut, path, r)
	}
	return res, nil
}

// ReadQuantities implements channel.Channel with GET /v3/inventory?sku=.
func (c *Connector) ReadQuantities(ctx context.Context, conn channel.Conn, listings []channel.ListingRef) ([]channel.ListingQuantity, bool, error) {
	s, err := c.client(conn)
	if err != nil {
		return nil, true, err
	}
	out := make([]channel.ListingQuantity, 0, len(listings))
	for _, l := range listings {
		if err := ctx.Err(); err != nil {
			return nil, true, err
		}
		q := channel.ListingQuantity{ListingID: l.ListingID}
		if l.ChannelSKU == "" {
			out = append(out, q)
			continue
		}
		path := "/v3/inventory?" + s.skuQuery(l.ChannelSKU)
		r, err := s.call(ctx, http.MethodGet, path, nil)
		if err != nil {
			return nil, true, err
		}
		switch {
		case isNotFound(r):
		case !r.ok():
			return nil, true, failure(http.MethodGet, path, r)
		default:
			var inv inventory
			if err := json.Unmarshal(r.body, &inv); err != nil {
				return nil, true, fmt.Errorf("walmart: GET /v3/inventory (sku %q): malformed response: %w", l.ChannelSKU, err)
			}
			n, err := inv.Quantity.Amount.count("quantity.amount")
			if err != nil {
				return nil, true, fmt.Errorf("walmart: GET /v3/inventory (sku %q): malformed response: %w", l.ChannelSKU, err)
			}
			q.Found, q.Quantity = true, n
		}
		out = append(out, q)
	}
	return out, true, nil
}

// skuQuery encodes the sku (and ship node) parameters. Walmart wants a space
// as %20, not the form encoding's "+".
func (s *client) skuQuery(sku string) string {
	q := "sku=" + strings.ReplaceAll(url.QueryEscape(sku), "+", "%20")
	if node := strings.TrimSpace(s.conn.Credentials[CredShipNode]); node != "" {
		q += "&shipNode=" + url.QueryEscape(node)
	}
	return q
}
