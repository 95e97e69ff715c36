package shippo

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
//	GET    /_sim/carrier_accounts             → the account's carrier accounts
//	PUT    /_sim/script                       {"latency_ms","failure","quotes":[...]} (a carrierscript entry) → 204
//	DELETE /_sim/script                       → 204, back to computed rates
//	POST   /_sim/faults                       {"fault":"429"|"503"|"hang"|"401"|"label_error","count":N} → 204
//	PUT    /_sim/carriers/{carrier}/failing   {"failing":true} → 204 (usps, ups, fedex)
//	GET    /_sim/labels                       → transactions, refunded and failed ones included
//	POST   /_sim/tracking/{number}/advance    {"status":"accepted"|"in_transit"|"out_for_delivery"|"delivered"} → 204
//	POST   /_sim/tick                         → 204, records due scans and sends their webhooks
//	PUT    /_sim/webhook                      {"url","mode":"normal"|"duplicate"|"out_of_order"} → 204 (the token goes in the url's query)
//	POST   /_sim/webhook/flush                → {"sent":N}, the events held in out_of_order mode, newest first
//	GET    /_sim/webhook/events               → webhook deliveries attempted, with the receiver's answers
//	POST   /_sim/webhook/events/{id}/redeliver → 204, the event sent again byte for byte
//	GET    /_sim/manifests                    → manifests
//
// Errors are {"error": "..."} with status 400.

func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /_sim/credentials", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Credentials())
	})
	m.HandleFunc("GET /_sim/carrier_accounts", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, http.StatusOK, s.accounts)
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
	m.HandleFunc("POST /_sim/tracking/{number}/advance", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Status string `json:"status"`
		}
		if !ctlDecode(w, r, &req) {
			return
		}
		if err := s.Advance(r.PathValue("number"), req.Status); err != nil {
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
			URL  string      `json:"url"`
			Mode outbox.Mode `json:"mode"`
		}
		if !ctlDecode(w, r, &req) {
			return
		}
		if err := s.SetDeliveryMode(req.Mode); err != nil {
			ctlError(w, err.Error())
			return
		}
		s.SetWebhook(req.URL)
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
		writeJSON(w, http.StatusOK, s.Manifests())
	})
}

func (s *Server) ctlSetScript(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if !ctlDecode(w, r, &raw) {
		return
	}
	doc, _ := json.Marshal(map[string]json.RawMessage{"shippo": raw})
	sc, err := carrierscript.Parse(bytes.NewReader(doc))
	if err != nil {
		ctlError(w, err.Error())
		return
	}
	p := sc["shippo"]
	s.SetScript(&p)
	w.WriteHeader(http.StatusNoContent)
}

// LabelView is a transaction as the control API lists it.
type LabelView struct {
	TransactionID  string    `json:"transaction_id"`
	Status         string    `json:"status"`
	TrackingNumber string    `json:"tracking_number,omitempty"`
	Carrier        string    `json:"carrier"`
	Servicelevel   string    `json:"servicelevel"`
	Amount         string    `json:"amount"`
	CarrierAccount string    `json:"carrier_account"`
	LabelFileType  string    `json:"label_file_type"`
	Metadata       string    `json:"metadata,omitempty"`
	ManifestID     string    `json:"manifest_id,omitempty"`
	Tracking       string    `json:"tracking_status,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// Labels lists every transaction, oldest first.
func (s *Server) Labels() []LabelView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LabelView, 0, len(s.txOrder))
	for _, t := range s.txOrder {
		v := LabelView{TransactionID: t.ID, Status: t.Status, TrackingNumber: t.TrackingNumber, Carrier: t.rate.carrier,
			Servicelevel: t.rate.Servicelevel.Token, Amount: t.rate.Amount, CarrierAccount: t.rate.CarrierAccount,
			LabelFileType: t.LabelFileType, Metadata: t.Metadata, ManifestID: t.ManifestID, CreatedAt: t.Created}
		if t.Status != "ERROR" {
			s.materialize(t)
			v.Tracking = trackingStages[t.track.reached].status
		}
		out = append(out, v)
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
