package fedex

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Track implements carrier.Adapter with Track by Tracking Number, detailed
// scans included. FedEx lists scans newest first; the events come back
// oldest first. The first scan showing FedEx has the parcel (PU pickup, or
// any in-transit scan for a drop-off) is "accepted".
func (a *Adapter) Track(ctx context.Context, c carrier.Conn, trackingNumber string) (carrier.Tracking, error) {
	s, err := a.open(c)
	if err != nil {
		return carrier.Tracking{}, err
	}
	n := strings.ReplaceAll(strings.TrimSpace(trackingNumber), " ", "")
	if n == "" {
		return carrier.Tracking{}, errors.New("fedex: track: no tracking number")
	}
	var body trackRequest
	body.IncludeDetailedScans = true
	body.TrackingInfo = make([]struct {
		TrackingNumberInfo struct {
			TrackingNumber string `json:"trackingNumber"`
		} `json:"trackingNumberInfo"`
	}, 1)
	body.TrackingInfo[0].TrackingNumberInfo.TrackingNumber = n
	var out trackResponse
	if err := s.do(ctx, call{op: "track", method: "POST", path: "/track/v1/trackingnumbers", body: body}, &out); err != nil {
		return carrier.Tracking{}, err
	}
	for _, ctr := range out.Output.CompleteTrackResults {
		if ctr.TrackingNumber != "" && ctr.TrackingNumber != n {
			continue
		}
		for _, r := range ctr.TrackResults {
			// An unknown number is an error inside a 200.
			if r.Error != nil && r.Error.Code != "" {
				return carrier.Tracking{}, &carrier.Rejection{Status: 200, Code: r.Error.Code, Message: r.Error.Message}
			}
			return tracking(n, r), nil
		}
	}
	return carrier.Tracking{}, fmt.Errorf("fedex: track: the answer has no result for %s", n)
}

func tracking(n string, r trackResult) carrier.Tracking {
	t := carrier.Tracking{TrackingNumber: n, Status: carrier.StatusPreTransit}
	for _, e := range r.ScanEvents {
		at, _ := time.Parse(time.RFC3339, e.Date)
		var loc []string
		for _, s := range []string{e.ScanLocation.City, e.ScanLocation.StateOrProvinceCode, e.ScanLocation.CountryCode} {
			if s = strings.TrimSpace(s); s != "" {
				loc = append(loc, s)
			}
		}
		code := e.DerivedStatusCode
		if code == "" {
			code = e.EventType
		}
		t.Events = append(t.Events, carrier.TrackingEvent{At: at.UTC(), Status: statusOf(code), Code: e.EventType,
			Description: e.EventDescription, Location: strings.Join(loc, ", ")})
	}
	slices.Reverse(t.Events)
	sort.SliceStable(t.Events, func(i, j int) bool { return t.Events[i].At.Before(t.Events[j].At) })
	accepted := false
	for i := range t.Events {
		switch t.Events[i].Status {
		case carrier.StatusAccepted, carrier.StatusInTransit:
			if accepted {
				t.Events[i].Status = carrier.StatusInTransit
			} else {
				t.Events[i].Status = carrier.StatusAccepted
			}
			accepted = true
		case carrier.StatusOutForDel, carrier.StatusDelivered, carrier.StatusException, carrier.StatusReturned:
			accepted = true
		}
	}
	switch {
	case len(t.Events) > 0:
		t.Status = t.Events[len(t.Events)-1].Status
	case r.LatestStatusDetail != nil:
		code := r.LatestStatusDetail.DerivedCode
		if code == "" {
			code = r.LatestStatusDetail.Code
		}
		t.Status = statusOf(code)
	}
	for _, d := range r.DateAndTimes {
		if d.Type == "ESTIMATED_DELIVERY" {
			if day, ok := isoDate(d.DateTime); ok {
				t.EstimatedDelivery = &day
			}
		}
	}
	if w := r.EstimatedDeliveryTimeWindow; t.EstimatedDelivery == nil && w != nil {
		for _, s := range []string{w.Window.Ends, w.Window.Begins} {
			if day, ok := isoDate(s); ok {
				t.EstimatedDelivery = &day
				break
			}
		}
	}
	return t
}

// statusOf normalizes a FedEx status code (derived or event type): OC and
// IN label created, PU picked up, OD on vehicle for delivery, DL delivered,
// DE/SE/DY/CD exceptions, RS/RP returned, CA cancelled (never tendered);
// any other scan is in transit.
func statusOf(code string) string {
	switch strings.ToUpper(code) {
	case "OC", "IN", "CA":
		return carrier.StatusPreTransit
	case "PU":
		return carrier.StatusAccepted
	case "OD":
		return carrier.StatusOutForDel
	case "DL":
		return carrier.StatusDelivered
	case "DE", "SE", "DY", "CD":
		return carrier.StatusException
	case "RS", "RP":
		return carrier.StatusReturned
	}
	return carrier.StatusInTransit
}
