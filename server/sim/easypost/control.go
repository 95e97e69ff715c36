package easypost

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
	"github.com/manifold-oms/manifold/server/sim/outbox"
)

// The control API, JSON under /_sim/:
//
//	GET    /_sim/credentials                  → the credentials the simulator accepts
//	PUT    /_sim/script                       {"latency_ms","failure","quotes":[...]} (a carrierscript entry) → 204
//	DELETE /_sim/script                       → 204, back to computed rates
//	POST   /_sim/faults                       {"fault":"429"|"503"|"hang"|"401","count":N} → 204
//	PUT    /_sim/carriers/{carrier}/failing   {"failing":true} → 204 (USPS, UPS, FedEx)
//	GET    /_sim/labels                       → labels bought, refunds included
//	POST   /_sim/tracking/{code}/advance      {"status":"accepted"|"in_transit"|"out_for_delivery"|"delivered"} → 204
//	POST   /_sim/tick                         → 204, records due scans and sends their webhooks
//	PUT    /_sim/webhook                      {"url","secret","mode":"normal"|"duplicate"|"out_of_order"} → 204
//	POST   /_sim/webhook/flush                → {"sent":N}, the events held in out_of_order mode, newest first
//	GET    /_sim/webhook/events               → webhook deliveries attempted, with the receiver's answers
//	POST   /_sim/webhook/events/{id}/redeliver → 204, the event sent again byte for byte
//	GET    /_sim/manifests                    → scan forms
//
// Errors are {"error": "..."} with status 400.

func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /_sim/credentials", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Credentials())
	})
	m.HandleFunc("PUT /_sim/script", s.ctlSetScript)
	m.HandleFunc("DELETE /_sim/script", func(w http.ResponseWriter, r *http.Request) {
		s.SetScript(nil)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Fault Fault `json:"fault"`
			Count int   `json:"count"`
		}
		if !ctlDecode(w, r, &req) {
			return
		}
		if req.Count == 0 {
			req.Count = 1
		}
		if err := s.InjectFault(req.Fault, req.Count); err != nil {
			ctlError(w, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("PUT /_sim/carriers/{carrier}/failing", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Failing bool `json:"failing"`
		}
		if !ctlDecode(w, r, &req) {
			return
		}
		s.SetCarrierFailing(r.PathValue("carrier"), req.Failing)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/labels", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Labels())
	})
	m.HandleFunc("POST /_sim/tracking/{code}/advance", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Status string `json:"status"`
		}
		if !ctlDecode(w, r, &req) {
			return
		}
		if err := s.Advance(r.PathValue("code"), req.Status); err != nil {
			ctlError(w, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/tick", func(w http.ResponseWriter, r *http.Request) {
		s.Tick()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("PUT /_sim/webhook", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			URL    string      `json:"url"`
			Secret string      `json:"secret"`
			Mode   outbox.Mode `json:"mode"`
		}
		if !ctlDecode(w, r, &req) {
			return
		}
		if err := s.SetDeliveryMode(req.Mode); err != nil {
			ctlError(w, err.Error())
			return
		}
		s.SetWebhook(req.URL, req.Secret)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/webhook/flush", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"sent": s.FlushWebhooks()})
	})
	m.HandleFunc("GET /_sim/webhook/events", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Events())
	})
	m.HandleFunc("POST /_sim/webhook/events/{id}/redeliver", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Redeliver(r.PathValue("id")); err != nil {
			ctlError(w, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/manifests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.ScanForms())
	})
}

func (s *Server) ctlSetScript(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if !ctlDecode(w, r, &raw) {
		return
	}
	doc, _ := json.Marshal(map[string]json.RawMessage{"easypost": raw})
	sc, err := carrierscript.Parse(bytes.NewReader(doc))
	if err != nil {
		ctlError(w, err.Error())
		return
	}
	p := sc["easypost"]
	s.SetScript(&p)
	w.WriteHeader(http.StatusNoContent)
}

// LabelView is a bought label as the control API lists it.
type LabelView struct {
	ShipmentID   string    `json:"shipment_id"`
	TrackingCode string    `json:"tracking_code"`
	Carrier      string    `json:"carrier"`
	Service      string    `json:"service"`
	Rate         string    `json:"rate"`
	Currency     string    `json:"currency"`
	LabelFormat  string    `json:"label_format"`
	Reference    string    `json:"reference,omitempty"`
	RefundStatus string    `json:"refund_status,omitempty"`
	ScanFormID   string    `json:"scan_form_id,omitempty"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
}

// Labels lists every label bought, oldest shipment first.
func (s *Server) Labels() []LabelView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []LabelView{}
	for _, sh := range s.order {
		if sh.Label == nil {
			continue
		}
		s.materialize(sh.tracker)
		out = append(out, LabelView{ShipmentID: sh.ID, TrackingCode: sh.TrackingCode, Carrier: sh.Selected.Carrier,
			Service: sh.Selected.Service, Rate: sh.Selected.Rate, Currency: sh.Selected.Currency, LabelFormat: sh.labelFormat,
			Reference: sh.Reference, RefundStatus: sh.RefundStatus, ScanFormID: sh.FormID, Status: sh.tracker.status(),
			CreatedAt: sh.Created})
	}
	return out
}

func ctlDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		ctlError(w, "invalid JSON: "+err.Error())
		return false
	}
	return true
}

func ctlError(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
}
