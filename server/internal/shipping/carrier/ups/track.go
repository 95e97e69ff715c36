package ups

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

// Track implements carrier.Adapter with Track API v1. UPS lists activity
// newest first; the events come back oldest first. The first scan showing
// UPS has the parcel (pickup, origin or any in-transit scan) is "accepted".
func (a *Adapter) Track(ctx context.Context, c carrier.Conn, trackingNumber string) (carrier.Tracking, error) {
	s, err := a.open(c)
	if err != nil {
		return carrier.Tracking{}, err
	}
	n := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(trackingNumber), " ", ""))
	if n == "" {
		return carrier.Tracking{}, errors.New("ups: track: no tracking number")
	}
	q := url.Values{"locale": {"en_US"}, "returnSignature": {"false"}}
	var out trackResponse
	if err := s.do(ctx, call{op: "track", method: "GET", path: "/api/track/v1/details/" + url.PathEscape(n), query: q}, &out); err != nil {
		return carrier.Tracking{}, err
	}
	for _, sh := range out.TrackResponse.Shipment {
		for _, p := range sh.Package {
			if p.TrackingNumber == "" || strings.EqualFold(p.TrackingNumber, n) {
				return tracking(n, p), nil
			}
		}
		// "Tracking Information Not Found" arrives as a warning in a 200.
		if len(sh.Warnings) > 0 {
			return carrier.Tracking{}, &carrier.Rejection{Status: 200, Code: sh.Warnings[0].Code, Message: sh.Warnings[0].Message}
		}
	}
	return carrier.Tracking{}, fmt.Errorf("ups: track: the answer has no package %s", n)
}

func tracking(n string, p trackPackage) carrier.Tracking {
	t := carrier.Tracking{TrackingNumber: n, Status: carrier.StatusPreTransit}
	for _, a := range p.Activity {
		loc := a.Location.Address
		var parts []string
		for _, s := range []string{loc.City, loc.StateProvince, loc.CountryCode} {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
		}
		t.Events = append(t.Events, carrier.TrackingEvent{
			At: eventTime(a.Date, a.Time, a.GMTDate, a.GMTTime, a.GMTOffset), Status: statusOf(a.Status),
			Code: a.Status.Code, Description: a.Status.Description, Location: strings.Join(parts, ", "),
		})
	}
	// Newest first as listed: reversed, then sorted, so that scans with
	// the same time keep UPS's order.
	slices.Reverse(t.Events)
	sort.SliceStable(t.Events, func(i, j int) bool { return t.Events[i].At.Before(t.Events[j].At) })
	accepted := false
	for i := range t.Events {
		switch t.Events[i].Status {
		case carrier.StatusInTransit, carrier.StatusAccepted:
			if !accepted {
				t.Events[i].Status = carrier.StatusAccepted
			} else {
				t.Events[i].Status = carrier.StatusInTransit
			}
			accepted = true
		case carrier.StatusOutForDel, carrier.StatusDelivered, carrier.StatusException, carrier.StatusReturned:
			accepted = true
		}
	}
	switch {
	case len(t.Events) > 0:
		t.Status = t.Events[len(t.Events)-1].Status
	case p.CurrentStatus != nil:
		t.Status = statusOf(*p.CurrentStatus)
	}
	for _, d := range p.DeliveryDate {
		// SDD is the scheduled delivery date, RDD a rescheduled one; DEL
		// is the day it was delivered.
		if d.Type == "SDD" || d.Type == "RDD" {
			if day, ok := parseUPSDate(d.Date); ok {
				t.EstimatedDelivery = &day
			}
		}
	}
	return t
}

// statusOf normalizes a UPS status by its type: M (label created) and MV
// (voided) are pre-transit, P pickup and I in transit (out for delivery by
// status code 021), D delivered, X exception, RS returned to shipper.
func statusOf(s trackStatus) string {
	switch strings.ToUpper(s.Type) {
	case "M", "MV":
		return carrier.StatusPreTransit
	case "P":
		return carrier.StatusAccepted
	case "O":
		return carrier.StatusOutForDel
	case "D":
		return carrier.StatusDelivered
	case "X":
		return carrier.StatusException
	case "RS":
		return carrier.StatusReturned
	case "I":
		if s.StatusCode == "021" || strings.Contains(strings.ToLower(s.Description), "out for delivery") {
			return carrier.StatusOutForDel
		}
	}
	return carrier.StatusInTransit
}

// eventTime reads an activity's time: its GMT fields when given, else the
// local date and time, which carry no zone and are taken as UTC.
func eventTime(date, clock, gmtDate, gmtTime, gmtOffset string) time.Time {
	if gmtDate != "" && gmtTime != "" {
		if t, err := time.Parse("20060102 15:04:05", gmtDate+" "+gmtTime); err == nil {
			return t
		}
	}
	if t, err := time.Parse("20060102 150405", date+" "+clock); err == nil {
		if off, err := time.Parse("-07:00", gmtOffset); err == nil {
			_, secs := off.Zone()
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.FixedZone("", secs)).UTC()
		}
		return t
	}
	if d, ok := parseUPSDate(date); ok {
		return d.Time()
	}
	return time.Time{}
}
