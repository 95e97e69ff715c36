package ups

import (
	"encoding/json"
	"net/http"

	"github.com/manifold-oms/manifold/server/sim/carrierscript"
)

// The control API, JSON under /_sim/:
//
//	GET    /_sim/credentials                 → the credentials the simulator accepts
//	GET    /_sim/script                      → the ups_direct script entry, or null
//	PUT    /_sim/script                      {"latency_ms","failure","quotes":[...]} → 204
//	DELETE /_sim/script                      → 204 (computed quotes again)
//	POST   /_sim/faults                      {"fault":"429"|"503"|"hang"|"401","op":"oauth"|"rate"|"ship"|"void"|"track","count":N} → 204
//	POST   /_sim/tokens/expire               → 204, every token issued so far expires
//	GET    /_sim/labels                      → labels bought and voided, oldest first
//	POST   /_sim/labels/{tracking}/advance   {"status":"accepted"|"in_transit"|"out_for_delivery"|"delivered"|"exception"} → 204
//	GET    /_sim/calls                       → requests received per operation
//
// Errors are {"error": "..."} with status 400.
func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /_sim/credentials", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Credentials())
	})
	m.HandleFunc("GET /_sim/script", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.gate.Script())
	})
	m.HandleFunc("PUT /_sim/script", func(w http.ResponseWriter, r *http.Request) {
		var p carrierscript.Provider
		if ctlDecode(w, r, &p) {
			ctlResult(w, s.SetScript(&p))
		}
	})
	m.HandleFunc("DELETE /_sim/script", func(w http.ResponseWriter, r *http.Request) { ctlResult(w, s.SetScript(nil)) })
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if ctlDecode(w, r, &f) {
			ctlResult(w, s.InjectFault(f))
		}
	})
	m.HandleFunc("POST /_sim/tokens/expire", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/labels", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Labels()) })
	m.HandleFunc("POST /_sim/labels/{tracking}/advance", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Status string `json:"status"`
		}
		if ctlDecode(w, r, &b) {
			ctlResult(w, s.Advance(r.PathValue("tracking"), b.Status))
		}
	})
	m.HandleFunc("GET /_sim/calls", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.gate.AllCalls())
	})
}

func ctlDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON body: " + err.Error()})
		return false
	}
	return true
}

func ctlResult(w http.ResponseWriter, err error) {
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
