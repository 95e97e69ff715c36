package fedex

import (
	"fmt"
	"net/http"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// Tracking stages: the scans every parcel goes through, in order, and the
// two that can happen out of order.
const (
	stageCreated = iota
	stagePickup
	stageInTransit
	stageOutForDelivery
	stageDelivered

	stageCancelled = -1
	stageException = -2
)

// statusStages are the statuses the control API advances a parcel to.
var statusStages = map[string]int{
	"accepted":         stagePickup,
	"in_transit":       stageInTransit,
	"out_for_delivery": stageOutForDelivery,
	"delivered":        stageDelivered,
}

type scan struct {
	at    time.Time
	stage int
}

// fedexScan is a stage as FedEx reports it: event type and description,
// derived status code and status.
type fedexScan struct {
	eventType, description, derived, derivedStatus string
}

func scanOf(stage int) fedexScan {
	switch stage {
	case stagePickup:
		return fedexScan{"PU", "Picked up", "PU", "Picked up"}
	case stageInTransit:
		return fedexScan{"DP", "Departed FedEx location", "IT", "In transit"}
	case stageOutForDelivery:
		return fedexScan{"OD", "On FedEx vehicle for delivery", "OD", "Out for delivery"}
	case stageDelivered:
		return fedexScan{"DL", "Delivered", "DL", "Delivered"}
	case stageCancelled:
		return fedexScan{"CA", "Shipment cancelled by sender", "CA", "Cancelled"}
	case stageException:
		return fedexScan{"DE", "Customer not available or business closed", "DE", "Delivery exception"}
	}
	return fedexScan{"OC", "Shipment information sent to FedEx", "IN", "Label created"}
}

func (s *Server) offset(stage int) time.Duration {
	sc := s.opts.Schedule
	return [...]time.Duration{0, sc.Pickup, sc.InTransit, sc.OutForDelivery, sc.Delivered}[stage]
}

// progress adds the scans whose scheduled time has come. Callers hold s.mu.
func (s *Server) progress(sh *shipment, now time.Time) {
	for sh.cancelled == nil && sh.stage < stageDelivered {
		at := sh.created.Add(s.offset(sh.stage + 1))
		if at.After(now) {
			return
		}
		s.addScan(sh, at, sh.stage+1)
	}
}

// addScan records a stage at t, or after the last scan if that is later.
// Callers hold s.mu.
func (s *Server) addScan(sh *shipment, t time.Time, stage int) {
	if last := sh.events[len(sh.events)-1].at; last.After(t) {
		t = last
	}
	if stage >= 0 {
		sh.stage = stage
	}
	sh.events = append(sh.events, scan{at: t, stage: stage})
}

// Advance moves a parcel's tracking to status now: accepted, in_transit,
// out_for_delivery or delivered add every scan up to it that has not
// happened; exception adds a delivery exception.
func (s *Server) Advance(trackingNumber, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shipments[trackingNumber]
	if !ok {
		return fmt.Errorf("no label %s", trackingNumber)
	}
	if sh.cancelled != nil {
		return fmt.Errorf("label %s is cancelled", trackingNumber)
	}
	now := s.now()
	s.progress(sh, now)
	if status == "exception" {
		s.addScan(sh, now, stageException)
		return nil
	}
	target, ok := statusStages[status]
	if !ok {
		return fmt.Errorf("status %q is not accepted, in_transit, out_for_delivery, delivered or exception", status)
	}
	for sh.stage < target {
		s.addScan(sh, now, sh.stage+1)
	}
	return nil
}

// central is the zone FedEx's scan times are shown in.
var central = time.FixedZone("CST", -6*3600)

type inTrack struct {
	IncludeDetailedScans bool `json:"includeDetailedScans"`
	TrackingInfo         []struct {
		TrackingNumberInfo *struct {
			TrackingNumber string `json:"trackingNumber"`
		} `json:"trackingNumberInfo"`
	} `json:"trackingInfo"`
}

// handleTrack is Track by Tracking Number: up to 30 numbers, each with
// its latest status, dates and (with includeDetailedScans) every scan,
// newest first. An unknown number is an error inside the 200.
func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	var in inTrack
	if _, ok := decode(w, r, &in); !ok {
		return
	}
	if len(in.TrackingInfo) == 0 {
		writeError(w, http.StatusBadRequest, "TRACKING.TRACKINGNUMBER.EMPTY", "Please provide tracking number.")
		return
	}
	if len(in.TrackingInfo) > 30 {
		writeError(w, http.StatusBadRequest, "TRACKING.TRACKINGNUMBER.LIMITEXCEEDED", "Please limit your request to 30 tracking numbers.")
		return
	}
	var results []map[string]any
	for _, ti := range in.TrackingInfo {
		if ti.TrackingNumberInfo == nil || ti.TrackingNumberInfo.TrackingNumber == "" {
			writeError(w, http.StatusBadRequest, "TRACKING.TRACKINGNUMBER.EMPTY", "Please provide tracking number.")
			return
		}
		n := ti.TrackingNumberInfo.TrackingNumber
		results = append(results, map[string]any{"trackingNumber": n, "trackResults": []map[string]any{s.trackResult(n, in.IncludeDetailedScans)}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"transactionId": newID(), "output": map[string]any{"completeTrackResults": results}})
}

func (s *Server) trackResult(n string, detailed bool) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shipments[n]
	if !ok {
		return map[string]any{
			"trackingNumberInfo": map[string]string{"trackingNumber": n, "trackingNumberUniqueId": "", "carrierCode": ""},
			"error":              apiErr{"TRACKING.TRACKINGNUMBER.NOTFOUND", "Tracking number cannot be found. Please correct the tracking number and try again."},
		}
	}
	s.progress(sh, s.now())
	carrierCode := "FDXG"
	if sh.service.express {
		carrierCode = "FDXE"
	}
	location := func(stage int) map[string]any {
		a := sh.from
		if stage == stageOutForDelivery || stage == stageDelivered || stage == stageException {
			a = sh.to
		}
		return map[string]any{"city": a.City, "stateOrProvinceCode": a.State, "postalCode": a.PostalCode, "countryCode": a.Country}
	}
	last := sh.events[len(sh.events)-1]
	ls := scanOf(last.stage)
	res := map[string]any{
		"trackingNumberInfo": map[string]string{"trackingNumber": n, "trackingNumberUniqueId": "12026~" + n + "~" + carrierCode, "carrierCode": carrierCode},
		"latestStatusDetail": map[string]any{"code": ls.eventType, "derivedCode": ls.derived, "statusByLocale": ls.derivedStatus,
			"description": ls.description, "scanLocation": location(last.stage)},
		"serviceDetail": map[string]string{"type": sh.service.kind, "description": sh.service.name},
	}
	dates := []map[string]string{{"type": "SHIP", "dateTime": sh.created.In(central).Format(time.RFC3339)}}
	for _, e := range sh.events {
		switch e.stage {
		case stagePickup:
			dates = append(dates, map[string]string{"type": "ACTUAL_PICKUP", "dateTime": e.at.In(central).Format(time.RFC3339)})
		case stageDelivered:
			dates = append(dates, map[string]string{"type": "ACTUAL_DELIVERY", "dateTime": e.at.In(central).Format(time.RFC3339)})
		}
	}
	if sh.stage < stageDelivered && sh.cancelled == nil {
		due := sh.created.Add(s.opts.Schedule.Delivered).In(central)
		dates = append(dates, map[string]string{"type": "ESTIMATED_DELIVERY", "dateTime": due.Format(time.RFC3339)})
		res["estimatedDeliveryTimeWindow"] = map[string]any{"window": map[string]string{"ends": due.Format(time.RFC3339)}}
	}
	res["dateAndTimes"] = dates
	if detailed {
		events := make([]map[string]any, 0, len(sh.events))
		for i := len(sh.events) - 1; i >= 0; i-- {
			e := sh.events[i]
			sc := scanOf(e.stage)
			events = append(events, map[string]any{
				"date": e.at.In(central).Format(time.RFC3339), "eventType": sc.eventType, "eventDescription": sc.description,
				"derivedStatusCode": sc.derived, "derivedStatus": sc.derivedStatus, "scanLocation": location(e.stage),
			})
		}
		res["scanEvents"] = events
	}
	return res
}

// LabelRecord is a bought label as the control API lists it.
type LabelRecord struct {
	TrackingNumber string           `json:"tracking_number"`
	Service        string           `json:"service"`
	Format         string           `json:"format"`
	Reference      string           `json:"reference,omitempty"`
	Charge         string           `json:"charge"`
	CreatedAt      time.Time        `json:"created_at"`
	Voided         bool             `json:"voided"`
	VoidedAt       *time.Time       `json:"voided_at,omitempty"`
	Status         string           `json:"status"`
	To             rateshop.Address `json:"to"`
}

var stageNames = map[int]string{stageCreated: "label_created", stagePickup: "accepted", stageInTransit: "in_transit",
	stageOutForDelivery: "out_for_delivery", stageDelivered: "delivered"}

// Labels lists every label bought, cancelled ones included, oldest first.
func (s *Server) Labels() []LabelRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]LabelRecord, 0, len(s.order))
	for _, n := range s.order {
		sh := s.shipments[n]
		s.progress(sh, now)
		status := stageNames[sh.stage]
		if sh.cancelled != nil {
			status = "voided"
		}
		out = append(out, LabelRecord{TrackingNumber: n, Service: sh.service.kind, Format: sh.format, Reference: sh.reference,
			Charge: fmt.Sprintf("%d.%02d", sh.charge/100, sh.charge%100), CreatedAt: sh.created, Voided: sh.cancelled != nil,
			VoidedAt: sh.cancelled, Status: status, To: sh.to})
	}
	return out
}
