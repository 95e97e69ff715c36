package usps

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// The control API, JSON under /_sim/:
//
//	GET    /_sim/credentials                 → the credentials the simulator accepts
//	PUT    /_sim/script                      {"latency_ms","failure","quotes":[...]} (a carrierscript entry) → 204
//	DELETE /_sim/script                      → 204, back to computed quotes
//	POST   /_sim/faults                      {"fault":"429"|"503"|"hang"|"401"|"expire_tokens","count":N} → 204
//	POST   /_sim/tokens/expire               → 204
//	GET    /_sim/labels                      → labels sold, canceled ones included
//	POST   /_sim/tracking/{number}/advance   {"status":"accepted"|"in_transit"|"out_for_delivery"|"delivered"} → 204
//	GET    /_sim/manifests                   → SCAN forms produced
//
// Errors are {"error": "..."} with status 400 or 404.

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
			ctlError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/tokens/expire", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTokens()
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
			ctlError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/manifests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.SCANForms())
	})
}

// ctlSetScript validates the entry as the script file's usps_direct entry.
func (s *Server) ctlSetScript(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if !ctlDecode(w, r, &raw) {
		return
	}
	doc, _ := json.Marshal(map[string]json.RawMessage{"usps_direct": raw})
	sc, err := carrierscript.Parse(bytes.NewReader(doc))
	if err != nil {
		ctlError(w, http.StatusBadRequest, err.Error())
		return
	}
	p := sc["usps_direct"]
	s.SetScript(&p)
	w.WriteHeader(http.StatusNoContent)
}

// LabelView is a label as the control API lists it.
type LabelView struct {
	TrackingNumber string    `json:"tracking_number"`
	MailClass      string    `json:"mail_class"`
	Postage        string    `json:"postage"`
	ImageType      string    `json:"image_type"`
	MailingDate    string    `json:"mailing_date"`
	Reference      string    `json:"reference,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	ToZIP          string    `json:"to_zip"`
	CreatedAt      time.Time `json:"created_at"`
	Canceled       bool      `json:"canceled"`
	ManifestNumber string    `json:"manifest_number,omitempty"`
	// Status is the parcel's stage now: pre_transit, accepted, in_transit,
	// out_for_delivery or delivered.
	Status string `json:"status"`
}

var stageLabels = [stageCount]string{"pre_transit", "accepted", "in_transit", "out_for_delivery", "delivered"}

// Labels lists every label sold, oldest first.
func (s *Server) Labels() []LabelView {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LabelView, 0, len(s.labels))
	for _, l := range s.labels {
		if !l.Canceled {
			l.track.materialize(now)
		}
		out = append(out, LabelView{TrackingNumber: l.TrackingNumber, MailClass: l.MailClass, Postage: l.Postage,
			ImageType: l.ImageType, MailingDate: l.MailingDate, Reference: l.Reference, IdempotencyKey: l.IdempotencyKey,
			ToZIP: l.To.ZIPCode, CreatedAt: l.CreatedAt, Canceled: l.Canceled, ManifestNumber: l.ManifestNumber,
			Status: stageLabels[l.track.reached]})
	}
	return out
}

func ctlDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		ctlError(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return false
	}
	return true
}

func ctlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
