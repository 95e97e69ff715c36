package ups

import (
	"fmt"
	"net/http"
	"strings"
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

	stageVoided    = -1
	stageException = -2
)

// Statuses the control API advances a parcel to.
var statusStages = map[string]int{
	"accepted":         stagePickup,
	"in_transit":       stageInTransit,
	"out_for_delivery": stageOutForDelivery,
	"delivered":        stageDelivered,
}

// scan is one tracking event.
type scan struct {
	at    time.Time
	stage int
}

type upsStatus struct {
	Type        string `json:"type"`
	Description string `json:"description"`
	Code        string `json:"code"`
	StatusCode  string `json:"statusCode"`
}

// statusOf is the UPS status of a stage.
func statusOf(stage int) upsStatus {
	switch stage {
	case stagePickup:
		return upsStatus{"P", "Pickup Scan", "PU", "038"}
	case stageInTransit:
		return upsStatus{"I", "Departed from Facility", "DP", "005"}
	case stageOutForDelivery:
		return upsStatus{"I", "Out For Delivery Today", "OT", "021"}
	case stageDelivered:
		return upsStatus{"D", "DELIVERED", "KB", "011"}
	case stageVoided:
		return upsStatus{"MV", "Voided Information Received", "MV", "003"}
	case stageException:
		return upsStatus{"X", "The receiver was not available for delivery. We'll make a second attempt the next business day.", "DJ", "013"}
	}
	return upsStatus{"M", "Shipper created a label, UPS has not received the package yet.", "MP", "003"}
}

func (s *Server) offset(stage int) time.Duration {
	sc := s.opts.Schedule
	return [...]time.Duration{0, sc.Pickup, sc.InTransit, sc.OutForDelivery, sc.Delivered}[stage]
}

// progress adds the scans whose scheduled time has come. Callers hold s.mu.
func (s *Server) progress(sh *shipment, now time.Time) {
	for sh.voided == nil && sh.stage < stageDelivered {
		at := sh.created.Add(s.offset(sh.stage + 1))
		if at.After(now) {
			return
		}
		s.addScan(sh, at, sh.stage+1)
	}
}

// addScan records the next stage at t, or after the last scan if that is
// later, so that events stay in order. Callers hold s.mu.
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
	if sh.voided != nil {
		return fmt.Errorf("label %s is voided", trackingNumber)
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

// handleTrack is Track v1's details: the package's activity, newest
// first. A malformed number is refused; an unknown one is answered 200
// with the warning TW0001.
func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	n := strings.ToUpper(r.PathValue("number"))
	if !ValidTrackingNumber(n) {
		writeError(w, http.StatusBadRequest, "TV1002", "Invalid inquiry number")
		return
	}
	s.mu.Lock()
	sh, ok := s.shipments[n]
	if !ok {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"trackResponse": map[string]any{"shipment": []map[string]any{{
			"inquiryNumber": n, "package": []any{},
			"warnings": []apiErr{{Code: "TW0001", Message: "Tracking Information Not Found"}},
		}}}})
		return
	}
	s.progress(sh, s.now())
	events := append([]scan(nil), sh.events...)
	pkg := map[string]any{
		"trackingNumber": n,
		"packageCount":   1,
		"service":        map[string]string{"code": sh.service.code, "description": sh.service.name},
		"weight":         map[string]string{"unitOfMeasurement": "LBS", "weight": fmt.Sprintf("%.1f", sh.lbs)},
	}
	if sh.reference != "" {
		pkg["referenceNumber"] = []map[string]string{{"type": "PACKAGE", "number": sh.reference}}
	}
	if sh.stage == stageDelivered {
		pkg["deliveryDate"] = []map[string]string{{"type": "DEL", "date": events[len(events)-1].at.Format("20060102")}}
	} else if sh.voided == nil {
		due := sh.created.Add(s.opts.Schedule.Delivered)
		pkg["deliveryDate"] = []map[string]string{{"type": "SDD", "date": due.Format("20060102")}}
	}
	from, to := sh.from, sh.to
	s.mu.Unlock()

	activity := make([]map[string]any, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		where := from
		if e.stage == stageOutForDelivery || e.stage == stageDelivered || e.stage == stageException {
			where = to
		}
		activity = append(activity, map[string]any{
			"location": map[string]any{"address": map[string]string{"city": where.City, "stateProvince": where.State,
				"postalCode": where.PostalCode, "countryCode": where.Country, "country": where.Country}},
			"status":    statusOf(e.stage),
			"date":      e.at.Format("20060102"),
			"time":      e.at.Format("150405"),
			"gmtDate":   e.at.Format("20060102"),
			"gmtTime":   e.at.Format("15:04:05"),
			"gmtOffset": "+00:00",
		})
	}
	pkg["activity"] = activity
	pkg["currentStatus"] = statusOf(events[len(events)-1].stage)
	writeJSON(w, http.StatusOK, map[string]any{"trackResponse": map[string]any{"shipment": []map[string]any{{
		"inquiryNumber": n, "package": []any{pkg},
	}}}})
}

// LabelRecord is a bought label as the control API lists it.
type LabelRecord struct {
	TrackingNumber string           `json:"tracking_number"`
	ShipmentID     string           `json:"shipment_id"`
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

// stageNames name stages as the control API reports them.
var stageNames = map[int]string{stageCreated: "label_created", stagePickup: "accepted", stageInTransit: "in_transit",
	stageOutForDelivery: "out_for_delivery", stageDelivered: "delivered"}

// Labels lists every label bought, voided ones included, oldest first.
func (s *Server) Labels() []LabelRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]LabelRecord, 0, len(s.order))
	for _, n := range s.order {
		sh := s.shipments[n]
		s.progress(sh, now)
		status := stageNames[sh.stage]
		if sh.voided != nil {
			status = "voided"
		}
		out = append(out, LabelRecord{TrackingNumber: n, ShipmentID: n, Service: sh.service.code, Format: sh.format,
			Reference: sh.reference, Charge: cents(sh.charge), CreatedAt: sh.created, Voided: sh.voided != nil,
			VoidedAt: sh.voided, Status: status, To: sh.to})
	}
	return out
}
