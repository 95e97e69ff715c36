package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/manifold-oms/manifold/shared/api"
)

// Login opens a console session: the session cookie is kept in the client's
// cookie jar and the CSRF token is sent with every later unsafe request.
func (c *Client) Login(ctx context.Context, email, password string) (api.LoginResponse, error) {
	var out api.LoginResponse
	err := c.Do(ctx, http.MethodPost, api.Version+"/auth/login", api.LoginRequest{Email: email, Password: password}, &out)
	if err == nil {
		c.mu.Lock()
		c.csrf = out.CSRFToken
		c.mu.Unlock()
	}
	return out, err
}

// Logout ends the console session on the server.
func (c *Client) Logout(ctx context.Context) error {
	err := c.Do(ctx, http.MethodPost, api.Version+"/auth/logout", nil, nil)
	c.mu.Lock()
	c.csrf = ""
	c.mu.Unlock()
	return err
}

// DeviceLogin exchanges a password for a device API token and switches the
// client to it. The returned secret should be stored by the caller.
func (c *Client) DeviceLogin(ctx context.Context, email, password, device string) (api.CreatedToken, error) {
	var out api.CreatedToken
	err := c.Do(ctx, http.MethodPost, api.Version+"/auth/device", api.DeviceLoginRequest{Email: email, Password: password, DeviceName: device}, &out)
	if err == nil {
		c.SetToken(out.Secret)
	}
	return out, err
}

// Me returns the caller's user, tenant and role.
func (c *Client) Me(ctx context.Context) (api.Me, error) {
	var out api.Me
	err := c.Do(ctx, http.MethodGet, api.Version+"/me", nil, &out)
	return out, err
}

// CreateToken creates an API token for the caller; the secret is in the answer only.
func (c *Client) CreateToken(ctx context.Context, req api.CreateTokenRequest) (api.CreatedToken, error) {
	var out api.CreatedToken
	err := c.Do(ctx, http.MethodPost, api.Version+"/tokens", req, &out)
	return out, err
}

// ListTokens lists the API tokens of the caller's tenant.
func (c *Client) ListTokens(ctx context.Context) (api.TokenList, error) {
	var out api.TokenList
	err := c.Do(ctx, http.MethodGet, api.Version+"/tokens", nil, &out)
	return out, err
}

// RevokeToken revokes an API token; it stops working at once.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, api.Version+"/tokens/"+url.PathEscape(id), nil, nil)
}

// CreateUser adds a user to the caller's tenant.
func (c *Client) CreateUser(ctx context.Context, req api.CreateUserRequest) (api.User, error) {
	var out api.User
	err := c.Do(ctx, http.MethodPost, api.Version+"/users", req, &out)
	return out, err
}

// ListUsers lists the users of the caller's tenant.
func (c *Client) ListUsers(ctx context.Context) (api.UserList, error) {
	var out api.UserList
	err := c.Do(ctx, http.MethodGet, api.Version+"/users", nil, &out)
	return out, err
}

// GetUser returns one user of the caller's tenant.
func (c *Client) GetUser(ctx context.Context, id string) (api.User, error) {
	var out api.User
	err := c.Do(ctx, http.MethodGet, api.Version+"/users/"+url.PathEscape(id), nil, &out)
	return out, err
}

// UpdateUser changes a user's role or disabled state.
func (c *Client) UpdateUser(ctx context.Context, id string, req api.UpdateUserRequest) (api.User, error) {
	var out api.User
	err := c.Do(ctx, http.MethodPatch, api.Version+"/users/"+url.PathEscape(id), req, &out)
	return out, err
}

// Ready reports whether the server's dependencies are reachable.
func (c *Client) Ready(ctx context.Context) (api.Health, error) {
	var out api.Health
	err := c.Do(ctx, http.MethodGet, "/readyz", nil, &out)
	return out, err
}
