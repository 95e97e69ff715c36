package easypost

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

type trackerResp struct {
	ID              string  `json:"id"`
	TrackingCode    string  `json:"tracking_code"`
	Status          string  `json:"status"`
	StatusDetail    string  `json:"status_detail"`
	EstDeliveryDate *string `json:"est_delivery_date"`
	Carrier         string  `json:"carrier"`
	TrackingDetails []struct {
		Message          string `json:"message"`
		Description      string `json:"description"`
		Status           string `json:"status"`
		StatusDetail     string `json:"status_detail"`
		Datetime         string `json:"datetime"`
		TrackingLocation struct {
			City    *string `json:"city"`
			State   *string `json:"state"`
			Country *string `json:"country"`
			Zip     *string `json:"zip"`
		} `json:"tracking_location"`
	} `json:"tracking_details"`
}

// acceptanceDetails are status details of the carrier taking the parcel.
var acceptanceDetails = map[string]bool{
	"received_at_origin_facility": true, "picked_up": true, "transferred_by_shipper": true,
}

// status normalizes an EasyPost tracking status and its detail.
func status(st, detail string) string {
	switch st {
	case "pre_transit", "unknown", "":
		return carrier.StatusPreTransit
	case "in_transit", "available_for_pickup":
		if acceptanceDetails[detail] {
			return carrier.StatusAccepted
		}
		return carrier.StatusInTransit
	case "out_for_delivery":
		return carrier.StatusOutForDel
	case "delivered":
		return carrier.StatusDelivered
	case "return_to_sender":
		return carrier.StatusReturned
	}
	return carrier.StatusException
}

// Track implements carrier.Adapter. A tracker id ("trk_…") is read
// directly; a tracking number is looked up among the account's trackers
// (EasyPost makes one when it sells a label) and a tracker is created for
// a number it does not follow yet.
func (a *Adapter) Track(ctx context.Context, c carrier.Conn, trackingNumber string) (carrier.Tracking, error) {
	s, err := a.session(c)
	if err != nil {
		return carrier.Tracking{}, err
	}
	var t trackerResp
	if strings.HasPrefix(trackingNumber, "trk_") {
		r, err := s.call(ctx, http.MethodGet, "/v2/trackers/"+url.PathEscape(trackingNumber), nil)
		if err != nil {
			return carrier.Tracking{}, err
		}
		if !r.ok() {
			return carrier.Tracking{}, fail("tracker "+trackingNumber, r)
		}
		if err := json.Unmarshal(r.body, &t); err != nil {
			return carrier.Tracking{}, fmt.Errorf("easypost: tracker %s: malformed answer: %w", trackingNumber, err)
		}
		return normalize(t), nil
	}
	r, err := s.call(ctx, http.MethodGet, "/v2/trackers?page_size=1&tracking_code="+url.QueryEscape(trackingNumber), nil)
	if err != nil {
		return carrier.Tracking{}, err
	}
	if !r.ok() {
		return carrier.Tracking{}, fail("trackers of "+trackingNumber, r)
	}
	var list struct {
		Trackers []trackerResp `json:"trackers"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		return carrier.Tracking{}, fmt.Errorf("easypost: trackers of %s: malformed answer: %w", trackingNumber, err)
	}
	if len(list.Trackers) > 0 {
		return normalize(list.Trackers[0]), nil
	}
	r, err = s.call(ctx, http.MethodPost, "/v2/trackers", map[string]map[string]string{"tracker": {"tracking_code": trackingNumber}})
	if err != nil {
		return carrier.Tracking{}, err
	}
	if !r.ok() {
		return carrier.Tracking{}, fail("create tracker "+trackingNumber, r)
	}
	if err := json.Unmarshal(r.body, &t); err != nil {
		return carrier.Tracking{}, fmt.Errorf("easypost: create tracker %s: malformed answer: %w", trackingNumber, err)
	}
	return normalize(t), nil
}

// normalize turns a Tracker into a carrier.Tracking, oldest event first.
func normalize(t trackerResp) carrier.Tracking {
	out := carrier.Tracking{TrackingNumber: t.TrackingCode, Status: status(t.Status, t.StatusDetail)}
	for _, d := range t.TrackingDetails {
		at, _ := time.Parse(time.RFC3339, d.Datetime)
		var loc []string
		for _, p := range []*string{d.TrackingLocation.City, d.TrackingLocation.State, d.TrackingLocation.Zip} {
			if p != nil && strings.TrimSpace(*p) != "" {
				loc = append(loc, strings.TrimSpace(*p))
			}
		}
		desc := d.Message
		if desc == "" {
			desc = d.Description
		}
		out.Events = append(out.Events, carrier.TrackingEvent{At: at.UTC(), Status: status(d.Status, d.StatusDetail),
			Code: d.StatusDetail, Description: desc, Location: strings.Join(loc, " ")})
	}
	sort.SliceStable(out.Events, func(i, j int) bool { return out.Events[i].At.Before(out.Events[j].At) })
	markAcceptance(out.Events)
	if n := len(out.Events); n > 0 {
		out.Status = out.Events[n-1].Status
	}
	if t.EstDeliveryDate != nil && out.Status != carrier.StatusDelivered {
		if d, ok := dateOf(*t.EstDeliveryDate); ok {
			out.EstimatedDelivery = &d
		}
	}
	return out
}

// markAcceptance makes the first scan in the carrier's hands count as
// acceptance when no scan says so, so that the core always sees the
// carrier take the parcel.
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
