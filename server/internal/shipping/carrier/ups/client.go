package ups

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// maxBody bounds an answer; a label GIF is well under it.
const maxBody = 16 << 20

// call is one API request.
type call struct {
	op     string // names the call in errors: rating, ship, void, track
	method string
	path   string
	query  url.Values
	body   any
}

// do sends c with the account's token and decodes a 200 answer into out.
// A 401 gets one fresh token and one retry; a second 401 is
// carrier.ErrUnauthorized. Other refusals become carrier errors.
func (s *session) do(ctx context.Context, c call, out any) error {
	var payload []byte
	if c.body != nil {
		var err error
		if payload, err = json.Marshal(c.body); err != nil {
			return fmt.Errorf("ups: %s: encoding the request: %w", c.op, err)
		}
	}
	target := s.base + c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	for attempt := 0; ; attempt++ {
		token, err := s.bearer(ctx)
		if err != nil {
			return err
		}
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, c.method, target, body)
		if err != nil {
			return fmt.Errorf("ups: %s: %w", c.op, err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("transId", transID())
		req.Header.Set("transactionSrc", s.a.transactionSrc)
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := s.conn.HTTP.Do(req)
		if err != nil {
			return fmt.Errorf("ups: %s: %w", c.op, err)
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("ups: %s: reading the answer: %w", c.op, err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("ups: %s: malformed answer: %w", c.op, err)
			}
			return nil
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			s.invalidate()
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("ups: %s: %v: %w", c.op, apiError(c.op, resp, raw), carrier.ErrUnauthorized)
		}
		return apiError(c.op, resp, raw)
	}
}

// errorBody is UPS's error envelope.
type errorBody struct {
	Response struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"response"`
}

// apiError turns a refusal into a carrier error: 429 is *carrier.Throttled,
// 5xx a plain error (worth retrying later), any other status the
// provider's own *carrier.Rejection.
func apiError(op string, resp *http.Response, raw []byte) error {
	var e errorBody
	_ = json.Unmarshal(raw, &e)
	errs := e.Response.Errors
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		msg := "Too Many Requests"
		if len(errs) > 0 {
			msg = errs[0].Code + " " + errs[0].Message
		}
		return &carrier.Throttled{RetryAfter: carrier.RetryAfter(resp.Header.Get("Retry-After"), time.Now()), Message: "ups " + op + ": " + msg}
	case resp.StatusCode >= 500:
		if len(errs) > 0 {
			return fmt.Errorf("ups: %s: HTTP %d: %s %s", op, resp.StatusCode, errs[0].Code, errs[0].Message)
		}
		return fmt.Errorf("ups: %s: HTTP %d", op, resp.StatusCode)
	case len(errs) == 0:
		return &carrier.Rejection{Status: resp.StatusCode, Message: fmt.Sprintf("ups %s: HTTP %d: %s", op, resp.StatusCode, snippet(raw))}
	}
	// An address error among several is the one to report.
	pick := errs[0]
	for _, x := range errs {
		if addressCodes[x.Code] {
			pick = x
			break
		}
	}
	return &carrier.Rejection{Status: resp.StatusCode, Code: pick.Code, Message: pick.Message, Address: addressCodes[pick.Code]}
}

// addressCodes are the UPS error codes that reject an address: Rating's
// invalid postal code and state, Shipping's missing or invalid ship-to
// elements and its address validation failure.
var addressCodes = map[string]bool{
	"111285": true, // The postal code … is invalid for … (Rating)
	"111286": true, // … is not a valid state abbreviation for … (Rating)
	"120202": true, // Missing or invalid ship to address line 1
	"120205": true, // Missing or invalid ship to city
	"120206": true, // Missing or invalid ship to StateProvinceCode
	"120207": true, // Missing or invalid ship to postal code
	"120802": true, // Address Validation Error on ShipTo address
}

// transID is the 32-character transaction id UPS asks for on every call.
func transID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// many decodes an element UPS sends as an array, or, in versions before
// v2403, as a single object when there is one.
type many[T any] []T

func (m *many[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var s []T
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*m = s
		return nil
	}
	if string(b) == "null" {
		*m = nil
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*m = []T{one}
	return nil
}
