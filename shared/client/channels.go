package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/manifold-oms/manifold/shared/api"
)

func channelAccountPath(id string) string {
	return api.Version + "/channel-accounts/" + url.PathEscape(id)
}

// CreateChannelAccount connects a marketplace account. Credentials are sent
// once and never returned.
func (c *Client) CreateChannelAccount(ctx context.Context, req api.CreateChannelAccountRequest) (api.ChannelAccount, error) {
	var out api.ChannelAccount
	err := c.Do(ctx, http.MethodPost, api.Version+"/channel-accounts", req, &out)
	return out, err
}

// ListChannelAccounts returns the tenant's channel accounts.
func (c *Client) ListChannelAccounts(ctx context.Context) ([]api.ChannelAccount, error) {
	var out api.ChannelAccountList
	err := c.Do(ctx, http.MethodGet, api.Version+"/channel-accounts", nil, &out)
	return out.Accounts, err
}

// GetChannelAccount returns one channel account with its polling state.
func (c *Client) GetChannelAccount(ctx context.Context, id string) (api.ChannelAccount, error) {
	var out api.ChannelAccount
	err := c.Do(ctx, http.MethodGet, channelAccountPath(id), nil, &out)
	return out, err
}

// UpdateChannelAccount changes an account's name, base URL, enabled state or
// credentials; nil fields are left alone.
func (c *Client) UpdateChannelAccount(ctx context.Context, id string, req api.UpdateChannelAccountRequest) (api.ChannelAccount, error) {
	var out api.ChannelAccount
	err := c.Do(ctx, http.MethodPatch, channelAccountPath(id), req, &out)
	return out, err
}

// TestChannelAccount checks an account's connection. A connection the
// channel refuses is not an error: OK is false and Message has its words.
func (c *Client) TestChannelAccount(ctx context.Context, id string) (api.ConnectionTest, error) {
	var out api.ConnectionTest
	err := c.Do(ctx, http.MethodPost, channelAccountPath(id)+"/test", nil, &out)
	return out, err
}

// PollChannelAccount polls an account for orders now and reports what the
// poll took in.
func (c *Client) PollChannelAccount(ctx context.Context, id string) (api.PollResult, error) {
	var out api.PollResult
	err := c.Do(ctx, http.MethodPost, channelAccountPath(id)+"/poll", nil, &out)
	return out, err
}
