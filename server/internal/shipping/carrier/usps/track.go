package usps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

type trackingResponse struct {
	TrackingNumber            string `json:"trackingNumber"`
	ExpectedDeliveryTimeStamp string `json:"expectedDeliveryTimeStamp"`
	ExpectedDeliveryDate      string `json:"expectedDeliveryDate"`
	TrackingEvents            []struct {
		EventType      string `json:"eventType"`
		EventCode      string `json:"eventCode"`
		EventTimestamp string `json:"eventTimestamp"`
		GMTTimestamp   string `json:"GMTTimestamp"`
		GMTOffset      string `json:"GMTOffset"`
		EventCity      string `json:"eventCity"`
		EventState     string `json:"eventState"`
		EventZIP       string `json:"eventZIP"`
		EventCountry   string `json:"eventCountry"`
	} `json:"trackingEvents"`
}

// eventStatus normalizes a USPS event by its code, then by its words.
// IMpb codes: GX/MA label created or pre-shipment information; OA/03
// acceptance, 80–82 picked up; OF out for delivery; 01 delivered; 02 notice
// left, 04 refused, 05 undeliverable, 53–55 held; 09/21/29 returned.
func eventStatus(code, eventType string) string {
	switch strings.ToUpper(code) {
	case "GX", "MA", "GC":
		return carrier.StatusPreTransit
	case "OA", "03", "80", "81", "82", "SF":
		return carrier.StatusAccepted
	case "OF":
		return carrier.StatusOutForDel
	case "01":
		return carrier.StatusDelivered
	case "02", "04", "05", "53", "54", "55":
		return carrier.StatusException
	case "09", "21", "29":
		return carrier.StatusReturned
	}
	t := strings.ToLower(eventType)
	switch {
	case strings.Contains(t, "label created"), strings.Contains(t, "pre-shipment"), strings.Contains(t, "awaiting item"):
		return carrier.StatusPreTransit
	case strings.Contains(t, "accepted"), strings.Contains(t, "picked up"), strings.Contains(t, "usps in possession"):
		return carrier.StatusAccepted
	case strings.Contains(t, "out for delivery"):
		return carrier.StatusOutForDel
	case strings.Contains(t, "return to sender"), strings.Contains(t, "returned"):
		return carrier.StatusReturned
	case strings.HasPrefix(t, "delivered"):
		return carrier.StatusDelivered
	case strings.Contains(t, "notice left"), strings.Contains(t, "refused"), strings.Contains(t, "undeliverable"), strings.Contains(t, "alert"):
		return carrier.StatusException
	}
	return carrier.StatusInTransit
}

// eventTime reads GMTTimestamp, else the local eventTimestamp with its
// GMTOffset, else the local time as UTC.
func eventTime(gmt, local, offset string) time.Time {
	if t, err := time.Parse(time.RFC3339, gmt); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse(time.RFC3339, local); err == nil {
		return t.UTC()
	}
	if offset != "" {
		if t, err := time.Parse("2006-01-02T15:04:05-07:00", local+offset); err == nil {
			return t.UTC()
		}
	}
	t, _ := time.Parse("2006-01-02T15:04:05", local)
	return t
}

// Track implements carrier.Adapter with the detailed tracking of one number.
func (a *Adapter) Track(ctx context.Context, c carrier.Conn, trackingNumber string) (carrier.Tracking, error) {
	s, err := a.session(c)
	if err != nil {
		return carrier.Tracking{}, err
	}
	r, err := s.call(ctx, http.MethodGet, "/tracking/v3/tracking/"+url.PathEscape(trackingNumber)+"?expand=DETAIL", nil, nil)
	if err != nil {
		return carrier.Tracking{}, err
	}
	if !r.ok() {
		return carrier.Tracking{}, fail("track "+trackingNumber, r)
	}
	var resp trackingResponse
	if err := json.Unmarshal(r.body, &resp); err != nil {
		return carrier.Tracking{}, fmt.Errorf("usps: track %s: malformed answer: %w", trackingNumber, err)
	}
	t := carrier.Tracking{TrackingNumber: trackingNumber, Status: carrier.StatusPreTransit}
	for _, e := range resp.TrackingEvents {
		loc := strings.TrimSpace(strings.Join(nonEmpty(e.EventCity, e.EventState, e.EventZIP), " "))
		t.Events = append(t.Events, carrier.TrackingEvent{
			At: eventTime(e.GMTTimestamp, e.EventTimestamp, e.GMTOffset), Status: eventStatus(e.EventCode, e.EventType),
			Code: e.EventCode, Description: e.EventType, Location: loc,
		})
	}
	// USPS lists the newest scan first; scans of the same minute keep that
	// order, reversed.
	slices.Reverse(t.Events)
	sort.SliceStable(t.Events, func(i, j int) bool { return t.Events[i].At.Before(t.Events[j].At) })
	markAcceptance(t.Events)
	if n := len(t.Events); n > 0 {
		t.Status = t.Events[n-1].Status
	}
	if t.Status != carrier.StatusDelivered {
		for _, v := range []string{resp.ExpectedDeliveryTimeStamp, resp.ExpectedDeliveryDate} {
			if d, ok := dateOf(v); ok {
				t.EstimatedDelivery = &d
				break
			}
		}
	}
	return t, nil
}

// markAcceptance makes the first scan in USPS's hands count as acceptance
// when the parcel skipped an explicit acceptance scan, so that the core
// always sees the carrier take the parcel.
func markAcceptance(events []carrier.TrackingEvent) {
	for i := range events {
		switch events[i].Status {
		case carrier.StatusPreTransit:
			continue
		case carrier.StatusInTransit:
			events[i].Status = carrier.StatusAccepted
		}
		return
	}
}

func nonEmpty(v ...string) []string {
	var out []string
	for _, s := range v {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
