// Package carrierscript is the JSON script that fixes what the carrier
// simulators answer: per provider key, its latency, its failure mode and its
// quotes. Each simulator reads its own entry and answers in its provider's
// native format. The format is documented in docs/carrier-simulator-script.md.
package carrierscript

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
)

// Failure modes.
const (
	FailNone = "none"
	FailHang = "hang" // accept the request and never answer (until the client gives up)
	Fail429  = "429"  // answer 429 with the provider's throttle body and Retry-After
	Fail503  = "503"  // answer 503 with the provider's error body
)

// Script is the whole file: provider key → its behaviour.
type Script map[string]Provider

// Provider is one simulated provider's behaviour.
type Provider struct {
	// LatencyMS delays every rating answer.
	LatencyMS int `json:"latency_ms"`
	// Failure is none, hang, 429 or 503.
	Failure string  `json:"failure"`
	Quotes  []Quote `json:"quotes"`
}

// Latency returns the configured delay.
func (p Provider) Latency() time.Duration { return time.Duration(p.LatencyMS) * time.Millisecond }

// Quote is one service the provider offers.
type Quote struct {
	Carrier string `json:"carrier"`
	Service string `json:"service"`
	// Amount is a decimal string, e.g. "8.40".
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	// DeliveryDate is YYYY-MM-DD, optional.
	DeliveryDate string `json:"delivery_date,omitempty"`
	BusinessDays *int   `json:"business_days,omitempty"`
	Guaranteed   bool   `json:"guaranteed,omitempty"`
}

var (
	amountPattern = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)
	keys          = []string{"ups_direct", "usps_direct", "fedex_direct", "easypost", "shippo"}
)

// Parse reads and validates a script, naming the first problem found.
func Parse(r io.Reader) (Script, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Script
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("carrier script: %w", err)
	}
	for key, p := range s {
		if !known(key) {
			return nil, fmt.Errorf("carrier script: unknown provider %q (use %s)", key, strings.Join(keys, ", "))
		}
		switch p.Failure {
		case "", FailNone, FailHang, Fail429, Fail503:
		default:
			return nil, fmt.Errorf("carrier script: %s.failure %q is not none, hang, 429 or 503", key, p.Failure)
		}
		if p.LatencyMS < 0 {
			return nil, fmt.Errorf("carrier script: %s.latency_ms cannot be negative", key)
		}
		for i, q := range p.Quotes {
			at := fmt.Sprintf("carrier script: %s.quotes[%d]", key, i)
			if q.Service == "" || q.Carrier == "" {
				return nil, fmt.Errorf("%s: carrier and service are required", at)
			}
			if !amountPattern.MatchString(q.Amount) {
				return nil, fmt.Errorf("%s: amount %q must be a decimal string such as \"8.40\"", at, q.Amount)
			}
			if len(q.Currency) != 3 {
				return nil, fmt.Errorf("%s: currency %q must be a three-letter code", at, q.Currency)
			}
			if q.DeliveryDate != "" {
				if _, err := time.Parse(time.DateOnly, q.DeliveryDate); err != nil {
					return nil, fmt.Errorf("%s: delivery_date %q must be YYYY-MM-DD", at, q.DeliveryDate)
				}
			}
			if q.BusinessDays != nil && *q.BusinessDays < 0 {
				return nil, fmt.Errorf("%s: business_days cannot be negative", at)
			}
		}
	}
	return s, nil
}

// Load reads a script file.
func Load(path string) (Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("carrier script: %w", err)
	}
	defer f.Close()
	return Parse(f)
}

func known(k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}
