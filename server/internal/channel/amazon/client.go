package amazon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// Operation names (as in the SP-API models) and their documented rates in
// requests per second, the fallback wait when a 429 names none.
const (
	opGetOrders     = "getOrders"
	opGetOrder      = "getOrder"
	opGetOrderItems = "getOrderItems"
	opConfirmShip   = "confirmShipment"
	opCreateRDT     = "createRestrictedDataToken"
	opPatchListing  = "patchListingsItem"
	opGetListing    = "getListingsItem"
)

var documentedRate = map[string]float64{
	opGetOrders: 0.0167, opGetOrder: 0.5, opGetOrderItems: 0.5, opConfirmShip: 2,
	opCreateRDT: 1, opPatchListing: 5, opGetListing: 5,
}

// maxThrottleRetries bounds the waits one request takes by itself.
const maxThrottleRetries = 5

// request is one SP-API call.
type request struct {
	op     string
	method string
	path   string // each segment already escaped

	query url.Values
	body  any
	token tokenKind
}

// apiErrors is the SP-API error envelope.
type apiErrors struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details string `json:"details"`
	} `json:"errors"`
}

// do sends r and decodes a 2xx JSON answer into out (nil to ignore the
// body). A refused token is replaced once; a short throttle is waited out;
// anything else becomes an error naming the operation.
func (s *client) do(ctx context.Context, r request, out any) error {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("amazon: %s: encoding the request: %w", r.op, err)
		}
	}
	u := s.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	authRetried, throttles := false, 0
	for {
		tok, err := s.token(ctx, r.token)
		if err != nil {
			return err
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
		if err != nil {
			return fmt.Errorf("amazon: %s: %w", r.op, err)
		}
		req.Header.Set("x-amz-access-token", tok)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", s.c.userAgent)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := s.conn.HTTP.Do(req)
		if err != nil {
			return fmt.Errorf("amazon: %s: %w", r.op, err)
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("amazon: %s: reading the answer: %w", r.op, err)
		}
		status := resp.StatusCode
		switch {
		case status >= 200 && status < 300:
			if out == nil || status == http.StatusNoContent {
				return nil
			}
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("amazon: %s: malformed answer: %w", r.op, err)
			}
			return nil
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			if !authRetried {
				authRetried = true
				s.invalidate(r.token)
				continue
			}
			code, msg := errorText(raw)
			return fmt.Errorf("amazon: %s: HTTP %d %s: %s: %w", r.op, status, code, msg, channel.ErrUnauthorized)
		case status == http.StatusTooManyRequests:
			wait := retryAfter(resp.Header, documentedRate[r.op])
			if wait > 0 && wait <= s.c.maxThrottleWait && throttles < maxThrottleRetries {
				throttles++
				if err := sleep(ctx, wait); err != nil {
					return err
				}
				continue
			}
			_, msg := errorText(raw)
			return &channel.Throttled{RetryAfter: wait, Message: r.op + ": " + msg}
		case status >= 500:
			code, msg := errorText(raw)
			return fmt.Errorf("amazon: %s: HTTP %d %s: %s", r.op, status, code, msg)
		default:
			var e apiErrors
			if json.Unmarshal(raw, &e) != nil || len(e.Errors) == 0 {
				return fmt.Errorf("amazon: %s: HTTP %d with an unreadable error body: %.200q", r.op, status, raw)
			}
			rej := &channel.Rejection{Status: status, Code: e.Errors[0].Code, Message: e.Errors[0].Message}
			for _, more := range e.Errors[1:] {
				rej.Message += "; " + more.Message
			}
			return rej
		}
	}
}

// errorText is the first error's code and message, or a short excerpt of
// a body that is not the error envelope.
func errorText(raw []byte) (code, msg string) {
	var e apiErrors
	if json.Unmarshal(raw, &e) == nil && len(e.Errors) > 0 {
		m := e.Errors[0].Message
		if d := e.Errors[0].Details; d != "" {
			m += " (" + d + ")"
		}
		return e.Errors[0].Code, m
	}
	return "", fmt.Sprintf("%.200q", raw)
}

// retryAfter is how long a 429 asks to wait: Retry-After when present
// (Amazon does not promise it), else one request's worth of the rate in
// x-amzn-RateLimit-Limit, else of the operation's documented rate. Waits
// of a second or more are rounded up to whole seconds.
func retryAfter(h http.Header, documented float64) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(0, time.Until(t))
		}
	}
	rate := documented
	if v := strings.TrimSpace(h.Get("x-amzn-RateLimit-Limit")); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && !math.IsInf(f, 0) {
			rate = f
		}
	}
	if rate <= 0 {
		return 0
	}
	secs := 1 / rate
	if secs >= 1 {
		return time.Duration(math.Ceil(secs-1e-9)) * time.Second
	}
	return time.Duration(math.Ceil(secs*1000)) * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isRejection reports whether err is the channel refusing this request (a
// 4xx with its error body), as opposed to the call failing as a whole.
func isRejection(err error) (*channel.Rejection, bool) {
	var rej *channel.Rejection
	ok := errors.As(err, &rej)
	return rej, ok
}
