// Package client is the typed Go client of Manifold's REST API. The desktop
// station, the CLI and the server's end-to-end tests all speak to the server
// through it.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/shared/api"
)

// Client calls one Manifold server. It authenticates with a bearer token, or
// with the session cookie and CSRF token obtained by Login. It is safe for
// concurrent use.
type Client struct {
	base *url.URL
	http *http.Client

	mu    sync.RWMutex
	token string
	csrf  string
}

// Option configures a Client.
type Option func(*Client)

// WithToken authenticates every request with an API token.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient replaces the HTTP client (its cookie jar is replaced when nil).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client for the server at baseURL (scheme and host, optionally a path prefix).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: server address %q must look like https://host[:port]", baseURL)
	}
	c := &Client{base: u, http: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	if c.http.Jar == nil {
		jar, _ := cookiejar.New(nil)
		c.http.Jar = jar
	}
	return c, nil
}

// BaseURL returns the server address the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// SetToken switches the client to bearer-token authentication.
func (c *Client) SetToken(token string) {
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
}

// Token returns the bearer token in use, if any.
func (c *Client) Token() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.token
}

// Error is an error answered by the server in the API's error envelope.
type Error struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *Error) Error() string {
	return fmt.Sprintf("manifold: %d %s: %s", e.Status, e.Code, e.Message)
}

// StatusOf returns the HTTP status of an API error, or 0 for any other error.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Do sends a JSON request to path (relative to the base URL) and decodes a
// JSON answer into out when out is non-nil. It is exported for calls the
// typed methods do not cover yet.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		buf, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("client: encode request: %w", err)
		}
		body = bytes.NewReader(buf)
	}
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out)
}

// DoRaw sends a request with a raw body and content type and decodes a JSON
// answer into out when out is non-nil.
func (c *Client) DoRaw(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	return c.send(req, out)
}

func (c *Client) newRequest(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	c.mu.RLock()
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	c.mu.RUnlock()
	return req, nil
}

func (c *Client) send(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("client: read answer: %w", err)
	}
	if resp.StatusCode >= 400 {
		return errorFromBody(resp, data)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: decode %s answer: %w", req.URL.Path, err)
	}
	return nil
}

// Cookies returns the cookies the client holds for url (the console session).
func (c *Client) Cookies(rawURL string) []*http.Cookie {
	u, err := url.Parse(rawURL)
	if err != nil || c.http.Jar == nil {
		return nil
	}
	return c.http.Jar.Cookies(u)
}

func itoa(n int) string { return strconv.Itoa(n) }

// errorFromBody turns an error answer into an *Error, from the API's error
// envelope when the body is one.
func errorFromBody(resp *http.Response, data []byte) error {
	var env api.ErrorBody
	if json.Unmarshal(data, &env) != nil || env.Error.Code == "" {
		return &Error{Status: resp.StatusCode, Code: "http_" + resp.Status, Message: strings.TrimSpace(string(data))}
	}
	return &Error{Status: resp.StatusCode, Code: env.Error.Code, Message: env.Error.Message, RequestID: env.Error.RequestID}
}
