package easypost

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// A parcel's life, in order.
const (
	stageCreated = iota
	stageAccepted
	stageInTransit
	stageOutForDelivery
	stageDelivered
	stageCount
)

var stageNames = map[string]int{
	"pre_transit": stageCreated, "accepted": stageAccepted, "in_transit": stageInTransit,
	"out_for_delivery": stageOutForDelivery, "delivered": stageDelivered,
}

// timeline is when each stage of a parcel is due and when it happened.
type timeline struct {
	due     [stageCount]time.Time
	at      [stageCount]time.Time
	reached int
}

// newTimeline schedules a parcel bought at created: acceptance after
// acceptanceDelay, a transit scan 6 h later, out for delivery after the
// rate's delivery days, delivered 5 h after that.
func newTimeline(created time.Time, acceptanceDelay time.Duration, days int) timeline {
	var t timeline
	t.due[stageCreated] = created
	t.due[stageAccepted] = created.Add(acceptanceDelay)
	t.due[stageInTransit] = t.due[stageAccepted].Add(6 * time.Hour)
	t.due[stageOutForDelivery] = t.due[stageAccepted].Add(time.Duration(max(days, 1)) * 24 * time.Hour)
	t.due[stageDelivered] = t.due[stageOutForDelivery].Add(5 * time.Hour)
	t.at[stageCreated] = created
	return t
}

func (t *timeline) materialize(now time.Time) {
	for t.reached+1 < stageCount && !t.due[t.reached+1].After(now) {
		t.reached++
		t.at[t.reached] = t.due[t.reached]
	}
}

func (t *timeline) advance(target int, now time.Time) {
	t.materialize(now)
	for t.reached < target {
		t.reached++
		t.at[t.reached] = now
	}
}

// How EasyPost reports each stage: status, status_detail, message.
var stageDetails = [stageCount]struct {
	status, detail, message string
	atDestination           bool
}{
	{"pre_transit", "label_created", "Shipping Label Created", false},
	{"in_transit", "received_at_origin_facility", "Accepted at Origin Facility", false},
	{"in_transit", "departed_facility", "Departed Regional Facility", true},
	{"out_for_delivery", "out_for_delivery", "Out for Delivery", true},
	{"delivered", "arrived_at_destination", "Delivered", true},
}

// tracker is an EasyPost Tracker.
type tracker struct {
	ID, Code, Carrier, ShipmentID string
	Created                       time.Time
	track                         timeline
	from, to                      address
	// known: the parcel is one the simulator labeled; trackers of other
	// numbers stay "unknown".
	known    bool
	refunded bool
	// announced is the status, and announcedStage the stage, the last
	// webhook (or the purchase) reported.
	announced      string
	announcedStage int
}

func (t *tracker) status() string {
	if !t.known {
		return "unknown"
	}
	return stageDetails[t.track.reached].status
}

// materialize records the tracker's scans due by now. Callers hold s.mu.
func (s *Server) materialize(t *tracker) {
	if t != nil && t.known && !t.refunded {
		t.track.materialize(s.now())
	}
}

type trackingDetail struct {
	Object           string           `json:"object"`
	Message          string           `json:"message"`
	Description      string           `json:"description"`
	Status           string           `json:"status"`
	StatusDetail     string           `json:"status_detail"`
	Datetime         string           `json:"datetime"`
	Source           string           `json:"source"`
	CarrierCode      string           `json:"carrier_code"`
	TrackingLocation trackingLocation `json:"tracking_location"`
}

type trackingLocation struct {
	Object  string  `json:"object"`
	City    *string `json:"city"`
	State   *string `json:"state"`
	Country *string `json:"country"`
	Zip     *string `json:"zip"`
}

// trackerView renders the Tracker object. Callers hold s.mu.
func (s *Server) trackerView(t *tracker) map[string]any {
	details := []trackingDetail{}
	if t.known {
		for i := 0; i <= t.track.reached; i++ {
			d := stageDetails[i]
			loc := t.from
			if d.atDestination {
				loc = t.to
			}
			details = append(details, trackingDetail{Object: "TrackingDetail", Message: d.message, Status: d.status,
				StatusDetail: d.detail, Datetime: t.track.at[i].UTC().Format(time.RFC3339), Source: t.Carrier,
				TrackingLocation: trackingLocation{Object: "TrackingLocation", City: strp(strings.ToUpper(loc.City)),
					State: strp(loc.State), Country: strp(loc.Country), Zip: strp(loc.Zip)}})
		}
	}
	detail := "unknown"
	var est any
	if t.known {
		detail = stageDetails[t.track.reached].detail
		if t.track.reached < stageDelivered {
			est = t.track.due[stageDelivered].UTC().Format(time.RFC3339)
		}
	}
	return map[string]any{
		"id": t.ID, "object": "Tracker", "mode": "test", "tracking_code": t.Code, "status": t.status(),
		"status_detail": detail, "signed_by": nil, "weight": nil, "est_delivery_date": est,
		"shipment_id": nilIfEmpty(t.ShipmentID), "carrier": t.Carrier, "tracking_details": details,
		"public_url": "https://track.easypost.com/" + t.ID, "fees": []any{},
		"created_at": t.Created.UTC().Format(time.RFC3339), "updated_at": s.now().Format(time.RFC3339),
	}
}

// handleCreateTracker is POST /v2/trackers {tracker:{tracking_code,
// carrier}}: the existing tracker of that code, or a new one.
func (s *Server) handleCreateTracker(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Tracker *struct {
			TrackingCode string `json:"tracking_code"`
			Carrier      string `json:"carrier,omitempty"`
		} `json:"tracker"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Tracker == nil || strings.TrimSpace(req.Tracker.TrackingCode) == "" {
		invalid(w, "PARAMETER.REQUIRED", "tracker.tracking_code", "cannot be blank")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.byCode[req.Tracker.TrackingCode]
	if t == nil {
		t = &tracker{ID: newID("trk"), Code: req.Tracker.TrackingCode, Carrier: carrierName(req.Tracker.Carrier), Created: s.now()}
		s.trackers[t.ID] = t
		s.byCode[t.Code] = t
	}
	s.materialize(t)
	writeJSON(w, http.StatusOK, s.trackerView(t))
}

// handleListTrackers is GET /v2/trackers, filtered by tracking_code or
// tracking_codes[].
func (s *Server) handleListTrackers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	codes := append(q["tracking_codes[]"], q["tracking_codes"]...)
	if c := q.Get("tracking_code"); c != "" {
		codes = append(codes, c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	if len(codes) == 0 {
		for _, t := range s.trackers {
			s.materialize(t)
			out = append(out, s.trackerView(t))
		}
	}
	for _, c := range codes {
		if t := s.byCode[c]; t != nil {
			s.materialize(t)
			out = append(out, s.trackerView(t))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"trackers": out, "has_more": false})
}

// handleGetTracker is GET /v2/trackers/{id}.
func (s *Server) handleGetTracker(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trackers[r.PathValue("id")]
	if t == nil {
		notFound(w)
		return
	}
	s.materialize(t)
	writeJSON(w, http.StatusOK, s.trackerView(t))
}

// Advance makes a parcel's tracking reach status (accepted, in_transit,
// out_for_delivery or delivered) now, and announces it by webhook.
func (s *Server) Advance(trackingCode, status string) error {
	target, ok := stageNames[status]
	if !ok {
		return fmt.Errorf("status %q must be accepted, in_transit, out_for_delivery or delivered", status)
	}
	s.mu.Lock()
	t := s.byCode[trackingCode]
	switch {
	case t == nil || !t.known:
		s.mu.Unlock()
		return fmt.Errorf("no label with tracking code %s", trackingCode)
	case t.refunded:
		s.mu.Unlock()
		return fmt.Errorf("the label %s was refunded", trackingCode)
	}
	t.track.advance(target, s.now())
	pending := s.collectUpdates([]*tracker{t})
	s.mu.Unlock()
	s.hooks.Post(pending...)
	return nil
}

// Tick records every scan due by the simulator's clock and announces the
// trackers with new tracking details.
func (s *Server) Tick() {
	s.mu.Lock()
	var all []*tracker
	for _, t := range s.trackers {
		s.materialize(t)
		all = append(all, t)
	}
	pending := s.collectUpdates(all)
	s.mu.Unlock()
	s.hooks.Post(pending...)
}
