package shippo

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
// rate's estimated days, delivered 5 h after that.
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

// How Shippo reports each stage: tracking_status.status, substatus code,
// status_details.
var trackingStages = [stageCount]struct {
	status, substatus, details string
	atDestination              bool
}{
	{"PRE_TRANSIT", "information_received", "The carrier has received the electronic shipment information.", false},
	{"TRANSIT", "package_accepted", "Your shipment has been accepted at the origin facility.", false},
	{"TRANSIT", "package_arrived", "Your shipment arrived at the regional facility.", true},
	{"TRANSIT", "out_for_delivery", "Your shipment is out for delivery.", true},
	{"DELIVERED", "delivered", "Your shipment has been delivered.", true},
}

// materialize records a purchase's scans due by now; refunded labels never
// move. Callers hold s.mu.
func (s *Server) materialize(t *transaction) {
	if t.Status == "SUCCESS" {
		t.track.materialize(s.now())
	}
}

type location struct {
	City    string `json:"city"`
	State   string `json:"state"`
	Zip     string `json:"zip"`
	Country string `json:"country"`
}

type trackingStatus struct {
	ObjectCreated string    `json:"object_created"`
	ObjectUpdated string    `json:"object_updated"`
	ObjectID      string    `json:"object_id"`
	Status        string    `json:"status"`
	StatusDetails string    `json:"status_details"`
	StatusDate    string    `json:"status_date"`
	Substatus     *substat  `json:"substatus"`
	Location      *location `json:"location"`
}

type substat struct {
	Code           string `json:"code"`
	Text           string `json:"text"`
	ActionRequired bool   `json:"action_required"`
}

// handleTrack is GET /tracks/{carrier}/{number}. A number the carrier has
// not seen is UNKNOWN, with no history.
func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	carrier, number := r.PathValue("carrier"), r.PathValue("number")
	if _, ok := providers[carrier]; !ok {
		badRequest(w, "Invalid carrier", "carrier: %q is not a valid carrier token.", carrier)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.byTracking[number]
	if t == nil || t.rate.carrier != carrier {
		now := s.now().Format(time.RFC3339)
		writeJSON(w, http.StatusOK, map[string]any{"carrier": carrier, "tracking_number": number, "eta": nil,
			"original_eta": nil, "servicelevel": map[string]any{"token": nil, "name": nil}, "metadata": nil,
			"address_from": nil, "address_to": nil, "transaction": nil, "test": true, "tracking_history": []any{},
			"tracking_status": trackingStatus{ObjectCreated: now, ObjectUpdated: now, ObjectID: newID(), Status: "UNKNOWN",
				StatusDetails: "The carrier has not received this tracking number yet.", StatusDate: now}})
		return
	}
	s.materialize(t)
	writeJSON(w, http.StatusOK, s.trackView(t))
}

// trackView renders the Track object of a purchase, as GET /tracks and
// track_updated webhooks carry it. Callers hold s.mu.
func (s *Server) trackView(t *transaction) map[string]any {
	sh := t.rate.shipment
	history := make([]trackingStatus, 0, t.track.reached+1)
	for i := 0; i <= t.track.reached; i++ {
		st := trackingStages[i]
		a := sh.From
		if st.atDestination {
			a = sh.To
		}
		at := t.track.at[i].Format(time.RFC3339)
		history = append(history, trackingStatus{ObjectCreated: at, ObjectUpdated: at, ObjectID: fmt.Sprintf("%s%02d", t.ID[:30], i),
			Status: st.status, StatusDetails: st.details, StatusDate: at,
			Substatus: &substat{Code: st.substatus, Text: st.details},
			Location:  &location{City: a.City, State: a.State, Zip: a.Zip, Country: a.Country}})
	}
	var eta any
	if t.track.reached < stageDelivered {
		eta = t.track.due[stageDelivered].Format(time.RFC3339)
	}
	return map[string]any{
		"carrier": t.rate.carrier, "tracking_number": t.TrackingNumber, "eta": eta,
		"original_eta": t.track.due[stageDelivered].Format(time.RFC3339),
		"servicelevel": map[string]string{"token": t.rate.Servicelevel.Token, "name": t.rate.Servicelevel.Name},
		"metadata":     nil, "transaction": t.ID, "test": true,
		"address_from":    location{City: sh.From.City, State: sh.From.State, Zip: sh.From.Zip, Country: sh.From.Country},
		"address_to":      location{City: sh.To.City, State: sh.To.State, Zip: sh.To.Zip, Country: sh.To.Country},
		"tracking_status": history[len(history)-1], "tracking_history": history,
	}
}

// Advance makes a parcel's tracking reach status (accepted, in_transit,
// out_for_delivery or delivered) now, with every scan before it, and
// announces it by webhook.
func (s *Server) Advance(trackingNumber, status string) error {
	target, ok := stageNames[status]
	if !ok {
		return fmt.Errorf("status %q must be accepted, in_transit, out_for_delivery or delivered", status)
	}
	s.mu.Lock()
	t := s.byTracking[trackingNumber]
	switch {
	case t == nil:
		s.mu.Unlock()
		return fmt.Errorf("no label with tracking number %s", trackingNumber)
	case t.Status != "SUCCESS":
		s.mu.Unlock()
		return fmt.Errorf("the label %s was refunded", trackingNumber)
	}
	t.track.advance(target, s.now())
	pending := s.collectUpdates([]*transaction{t})
	s.mu.Unlock()
	s.hooks.Post(pending...)
	return nil
}

// Tick records every scan due by the simulator's clock and announces the
// parcels with a new tracking status.
func (s *Server) Tick() {
	s.mu.Lock()
	var all []*transaction
	for _, t := range s.txOrder {
		s.materialize(t)
		all = append(all, t)
	}
	pending := s.collectUpdates(all)
	s.mu.Unlock()
	s.hooks.Post(pending...)
}
