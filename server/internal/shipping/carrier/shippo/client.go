package shippo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// maxBody bounds what is read of one answer or file.
const maxBody = 32 << 20

type session struct {
	a    *Adapter
	c    carrier.Conn
	base string
}

func (a *Adapter) session(c carrier.Conn) (*session, error) {
	if c.HTTP == nil {
		return nil, errors.New("shippo: the connection has no HTTP client")
	}
	if strings.TrimSpace(c.Credentials[CredAPIToken]) == "" {
		return nil, fmt.Errorf("shippo: the account needs the %q credential: %w", CredAPIToken, carrier.ErrUnauthorized)
	}
	base := strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if base == "" {
		base = ProductionURL
	}
	return &session{a: a, c: c, base: base}, nil
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

// call sends an authenticated request with a JSON body (or none). 401 is
// carrier.ErrUnauthorized and 429 a *carrier.Throttled; every other answer
// is returned for the caller.
func (s *session) call(ctx context.Context, method, path string, body any) (*response, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("shippo: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("shippo: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "ShippoToken "+s.c.Credentials[CredAPIToken])
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	r, err := s.do(req)
	if err != nil {
		return nil, fmt.Errorf("shippo: %s %s: %w", method, path, err)
	}
	switch r.status {
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("shippo: %s %s: %s: %w", method, path, describe(r), carrier.ErrUnauthorized)
	case http.StatusTooManyRequests:
		_, msg := parseError(r)
		if msg == "" {
			msg = "429 Too Many Requests"
		}
		return nil, fmt.Errorf("shippo: %s %s: %w", method, path,
			&carrier.Throttled{RetryAfter: carrier.RetryAfter(r.header.Get("Retry-After"), s.a.now()), Message: msg})
	}
	return r, nil
}

func (s *session) do(req *http.Request) (*response, error) {
	resp, err := s.c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// download fetches a label or manifest file from the URL Shippo gave. The
// files are public (Shippo's file store), so the token is not sent.
func (s *session) download(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("shippo: file %s: %w", url, err)
	}
	r, err := s.do(req)
	if err != nil {
		return nil, fmt.Errorf("shippo: file %s: %w", url, err)
	}
	if !r.ok() || len(r.body) == 0 {
		return nil, fmt.Errorf("shippo: file %s: %d with %d bytes", url, r.status, len(r.body))
	}
	return r.body, nil
}

// parseError reads Shippo's error bodies: {title, detail}, {detail}, or a
// map of fields to messages.
func parseError(r *response) (title, detail string) {
	var e struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(r.body, &e) == nil && (e.Title != "" || e.Detail != "") {
		return e.Title, e.Detail
	}
	var fields map[string]any
	if json.Unmarshal(r.body, &fields) == nil && len(fields) > 0 {
		b, _ := json.Marshal(fields)
		return "", string(b)
	}
	return "", strings.TrimSpace(string(carrier.Bounded(r.body)))
}

// fail turns an unsuccessful answer into an error: a *carrier.Rejection for
// a client error, in Shippo's words (title as the code, detail as the
// message); a plain error otherwise.
func fail(op string, r *response) error {
	if r.status >= 400 && r.status < 500 {
		title, detail := parseError(r)
		return fmt.Errorf("shippo: %s: %w", op, &carrier.Rejection{Status: r.status, Code: title, Message: detail,
			Address: strings.Contains(strings.ToLower(title), "address")})
	}
	return fmt.Errorf("shippo: %s: %s", op, describe(r))
}

func describe(r *response) string {
	title, detail := parseError(r)
	if title != "" {
		return fmt.Sprintf("%d %s: %s", r.status, title, detail)
	}
	return fmt.Sprintf("%d %s", r.status, detail)
}
