package easypost

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
		return nil, errors.New("easypost: the connection has no HTTP client")
	}
	if strings.TrimSpace(c.Credentials[CredAPIKey]) == "" {
		return nil, fmt.Errorf("easypost: the account needs the %q credential: %w", CredAPIKey, carrier.ErrUnauthorized)
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
func (s *session) call(ctx context.Context, method, pathQuery string, body any) (*response, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("easypost: %s %s: %w", method, pathOf(pathQuery), err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+pathQuery, rd)
	if err != nil {
		return nil, fmt.Errorf("easypost: %s %s: %w", method, pathOf(pathQuery), err)
	}
	req.SetBasicAuth(s.c.Credentials[CredAPIKey], "")
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	r, err := s.do(req)
	if err != nil {
		return nil, fmt.Errorf("easypost: %s %s: %w", method, pathOf(pathQuery), err)
	}
	switch r.status {
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("easypost: %s %s: %s: %w", method, pathOf(pathQuery), describe(r), carrier.ErrUnauthorized)
	case http.StatusTooManyRequests:
		msg := "429 Too Many Requests"
		if e, ok := parseError(r); ok {
			msg = e.Message
		}
		return nil, fmt.Errorf("easypost: %s %s: %w", method, pathOf(pathQuery),
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

// download fetches a label or form file from the URL EasyPost gave. The
// files are public (EasyPost's file store), so the API key is not sent.
func (s *session) download(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("easypost: file %s: %w", url, err)
	}
	r, err := s.do(req)
	if err != nil {
		return nil, fmt.Errorf("easypost: file %s: %w", url, err)
	}
	if !r.ok() || len(r.body) == 0 {
		return nil, fmt.Errorf("easypost: file %s: %d with %d bytes", url, r.status, len(r.body))
	}
	return r.body, nil
}

// apiError is EasyPost's error envelope.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"errors"`
}

func parseError(r *response) (apiError, bool) {
	var env struct {
		Error *apiError `json:"error"`
	}
	if json.Unmarshal(r.body, &env) != nil || env.Error == nil || (env.Error.Code == "" && env.Error.Message == "") {
		return apiError{}, false
	}
	return *env.Error, true
}

// fail turns an unsuccessful answer into an error: a *carrier.Rejection for
// a client error, in EasyPost's words (its message, then each field error
// as "field: message"); a plain error otherwise.
func fail(op string, r *response) error {
	if r.status >= 400 && r.status < 500 {
		rej := &carrier.Rejection{Status: r.status}
		if e, ok := parseError(r); ok {
			rej.Code, rej.Message = e.Code, e.Message
			rej.Address = strings.HasPrefix(strings.ToUpper(e.Code), "ADDRESS.")
			// The envelope's message is generic ("Invalid parameter."); the
			// field errors say what to fix, so they follow it, unreworded.
			var details []string
			for _, fe := range e.Errors {
				if fe.Message != "" {
					details = append(details, strings.TrimSpace(fe.Field+": "+fe.Message))
				}
			}
			if len(details) > 0 {
				rej.Message += " (" + strings.Join(details, "; ") + ")"
			}
		} else {
			rej.Message = strings.TrimSpace(string(carrier.Bounded(r.body)))
		}
		return fmt.Errorf("easypost: %s: %w", op, rej)
	}
	return fmt.Errorf("easypost: %s: %s", op, describe(r))
}

func describe(r *response) string {
	if e, ok := parseError(r); ok {
		return fmt.Sprintf("%d %s: %s", r.status, e.Code, e.Message)
	}
	return fmt.Sprintf("%d %s", r.status, strings.TrimSpace(string(carrier.Bounded(r.body))))
}

func pathOf(pq string) string {
	p, _, _ := strings.Cut(pq, "?")
	return p
}
