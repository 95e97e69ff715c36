package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/manifold-oms/manifold/shared/api"
)

// ListingQuery filters Listings; empty fields match everything.
type ListingQuery struct {
	// AccountID is a channel account id.
	AccountID string
	// SKU is a catalog SKU.
	SKU string
}

// Listings returns the channel listings of the caller's tenant: what each
// should show and why, and what was last pushed to the channel.
func (c *Client) Listings(ctx context.Context, q ListingQuery) ([]api.ChannelQuantity, error) {
	v := url.Values{}
	if q.AccountID != "" {
		v.Set("account_id", q.AccountID)
	}
	if q.SKU != "" {
		v.Set("sku", q.SKU)
	}
	path := api.Version + "/listings"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out struct {
		Listings []api.ChannelQuantity `json:"listings"`
	}
	err := c.Do(ctx, http.MethodGet, path, nil, &out)
	return out.Listings, err
}

// PushListings asks for stock to be pushed now to every channel account of
// the caller's tenant, or to one when accountID is not empty, and returns
// how many accounts a push was queued for. Only what differs from the last
// push is sent.
func (c *Client) PushListings(ctx context.Context, accountID string) (int, error) {
	path := api.Version + "/listings/push"
	if accountID != "" {
		path += "?" + url.Values{"account_id": {accountID}}.Encode()
	}
	var out struct {
		Accounts int `json:"accounts"`
	}
	err := c.Do(ctx, http.MethodPost, path, nil, &out)
	return out.Accounts, err
}
