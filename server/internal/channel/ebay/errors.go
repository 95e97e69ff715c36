package ebay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// wireError is one entry of eBay's error envelope.
type wireError struct {
	ErrorID     int    `json:"errorId"`
	Domain      string `json:"domain"`
	Category    string `json:"category"`
	Message     string `json:"message"`
	LongMessage string `json:"longMessage"`
}

// errorList reads eBay's {"errors": [...]} envelope; nil when the body is
// not one.
func errorList(body []byte) []wireError {
	var env struct {
		Errors []wireError `json:"errors"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	return env.Errors
}

// describeErrors renders errors as "<errorId>: <message>", joined by "; ".
func describeErrors(errs []wireError) string {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		parts = append(parts, strconv.Itoa(e.ErrorID)+": "+e.Message)
	}
	return strings.Join(parts, "; ")
}

func describe(resp response) string {
	if errs := errorList(resp.body); len(errs) > 0 {
		return fmt.Sprintf("HTTP %d, %s", resp.status, describeErrors(errs))
	}
	return fmt.Sprintf("HTTP %d", resp.status)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func throttled(body []byte) *channel.Throttled {
	msg := "Too many requests."
	if errs := errorList(body); len(errs) > 0 {
		msg = describeErrors(errs)
	}
	return &channel.Throttled{Message: msg}
}

// apiError turns an unsuccessful answer into the error the core expects:
// 429 is *channel.Throttled (eBay gives no Retry-After; its quotas are
// daily), 401/403 channel.ErrUnauthorized, other 4xx a *channel.Rejection
// carrying eBay's first errorId and message verbatim (its longMessage in
// parentheses when it adds something; further errors appended), 5xx a plain error to retry.
func apiError(op string, resp response) error {
	errs := errorList(resp.body)
	switch {
	case resp.status == http.StatusTooManyRequests:
		return fmt.Errorf("ebay: %s: %w", op, throttled(resp.body))
	case resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden:
		return fmt.Errorf("ebay: %s: %w (%s)", op, channel.ErrUnauthorized, describe(resp))
	case resp.status >= 400 && resp.status < 500:
		rej := &channel.Rejection{Status: resp.status}
		if len(errs) == 0 {
			rej.Message = http.StatusText(resp.status)
			if s := snippet(resp.body); s != "" {
				rej.Message += ": " + s
			}
		} else {
			rej.Code = strconv.Itoa(errs[0].ErrorID)
			rej.Message = errs[0].Message
			if l := errs[0].LongMessage; l != "" && !strings.HasPrefix(l, rej.Message) {
				rej.Message += " (" + l + ")"
			}
			if len(errs) > 1 {
				rej.Message += "; " + describeErrors(errs[1:])
			}
		}
		return fmt.Errorf("ebay: %s: %w", op, rej)
	}
	return fmt.Errorf("ebay: %s: %s", op, describe(resp))
}
