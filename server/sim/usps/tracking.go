package usps

import (
	"fmt"
	"net/http"
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

// Stage names the control API takes, as Manifold normalizes them.
var stageNames = map[string]int{
	"pre_transit": stageCreated, "accepted": stageAccepted, "in_transit": stageInTransit,
	"out_for_delivery": stageOutForDelivery, "delivered": stageDelivered,
}

// timeline is when each stage of a parcel is due and when it happened.
type timeline struct {
	due     [stageCount]time.Time
	at      [stageCount]time.Time
	reached int // the last stage that happened
}

// newTimeline schedules a parcel labeled at created: acceptance after
// acceptanceDelay, a transit scan 6 h later, out for delivery after the
// commitment's days, delivered 5 h after that.
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

// materialize records every stage due by now.
func (t *timeline) materialize(now time.Time) {
	for t.reached+1 < stageCount && !t.due[t.reached+1].After(now) {
		t.reached++
		t.at[t.reached] = t.due[t.reached]
	}
}

// advance makes every stage up to target happen, now at the latest.
func (t *timeline) advance(target int, now time.Time) {
	t.materialize(now)
	for t.reached < target {
		t.reached++
		t.at[t.reached] = now
	}
}

// uspsEvent is how USPS reports each stage.
var uspsEvents = [stageCount]struct {
	code, eventType, category string
	atDestination             bool
}{
	{"GX", "Shipping Label Created, USPS Awaiting Item", "Pre-Shipment", false},
	{"OA", "Accepted at USPS Origin Facility", "Accepted", false},
	{"10", "Arrived at USPS Regional Facility", "In Transit", true},
	{"OF", "Out for Delivery", "Out for Delivery", true},
	{"01", "Delivered, In/At Mailbox", "Delivered", true},
}

type trackingEvent struct {
	EventType       string `json:"eventType"`
	EventTimestamp  string `json:"eventTimestamp"`
	GMTTimestamp    string `json:"GMTTimestamp"`
	GMTOffset       string `json:"GMTOffset"`
	EventCountry    string `json:"eventCountry"`
	EventCity       string `json:"eventCity"`
	EventState      string `json:"eventState"`
	EventZIP        string `json:"eventZIP"`
	Firm            string `json:"firm"`
	Name            string `json:"name"`
	AuthorizedAgent bool   `json:"authorizedAgent"`
	EventCode       string `json:"eventCode"`
}

// eastern is the zone of the simulated scans' local timestamps.
var eastern = time.FixedZone("EST", -5*3600)

// handleTracking is GET /tracking/v3/tracking/{trackingNumber}.
func (s *Server) handleTracking(w http.ResponseWriter, r *http.Request) {
	tn := r.PathValue("trackingNumber")
	expand := r.URL.Query().Get("expand")
	if expand == "" {
		expand = "SUMMARY"
	}
	if expand != "SUMMARY" && expand != "DETAIL" {
		badRequest(w, "expand", "expand %q must be SUMMARY or DETAIL.", expand)
		return
	}
	now := s.now()
	s.mu.Lock()
	l := s.byTracking[tn]
	if l == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "404", "The tracking number "+tn+" was not found.",
			apiErr("404", "TRACKING_NOT_FOUND", "Not Found", "A status update is not yet available for tracking number "+tn+".", "trackingNumber"))
		return
	}
	if !l.Canceled {
		l.track.materialize(now)
	}
	tr, from, to, mailClass := l.track, l.From, l.To, l.MailClass
	s.mu.Unlock()

	var events []trackingEvent
	var summaries []string
	for i := tr.reached; i >= stageCreated; i-- {
		e := uspsEvents[i]
		loc := from
		city := from.City
		if e.atDestination {
			loc, city = to, to.City
			if i == stageInTransit {
				city = to.City + " DISTRIBUTION CENTER"
			}
		}
		at := tr.at[i]
		events = append(events, trackingEvent{
			EventType: e.eventType, EventTimestamp: at.In(eastern).Format("2006-01-02T15:04:05"),
			GMTTimestamp: at.UTC().Format(time.RFC3339), GMTOffset: "-05:00", EventCountry: "",
			EventCity: city, EventState: loc.State, EventZIP: loc.ZIPCode, EventCode: e.code,
		})
		summaries = append(summaries, fmt.Sprintf("%s, %s, %s %s %s", e.eventType,
			at.In(eastern).Format("January 2, 2006, 3:04 pm"), city, loc.State, loc.ZIPCode))
	}
	last := uspsEvents[tr.reached]
	body := map[string]any{
		"trackingNumber":         tn,
		"mailClass":              mailClass,
		"originCity":             from.City,
		"originState":            from.State,
		"originZIP":              from.ZIPCode,
		"destinationCity":        to.City,
		"destinationState":       to.State,
		"destinationZIP":         to.ZIPCode,
		"status":                 last.eventType,
		"statusCategory":         last.category,
		"statusSummary":          summaries[0],
		"emailEnabled":           true,
		"proofOfDeliveryEnabled": false,
	}
	if tr.reached < stageDelivered && !tr.due[stageDelivered].IsZero() {
		body["expectedDeliveryTimeStamp"] = tr.due[stageDelivered].UTC().Format(time.RFC3339)
	}
	if expand == "DETAIL" {
		body["trackingEvents"] = events
	} else {
		body["eventSummaries"] = summaries
	}
	writeJSON(w, http.StatusOK, body)
}

// Advance makes a parcel's tracking reach status (pre_transit, accepted,
// in_transit, out_for_delivery or delivered) now, with every scan before it.
func (s *Server) Advance(trackingNumber, status string) error {
	target, ok := stageNames[status]
	if !ok {
		return fmt.Errorf("status %q must be accepted, in_transit, out_for_delivery or delivered", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.byTracking[trackingNumber]
	switch {
	case l == nil:
		return fmt.Errorf("no label %s", trackingNumber)
	case l.Canceled:
		return fmt.Errorf("label %s was canceled", trackingNumber)
	}
	l.track.advance(target, s.now())
	return nil
}
