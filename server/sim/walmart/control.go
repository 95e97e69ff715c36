package walmart

import (
	"encoding/json"
	"net/http"
)

// The control API, JSON in and out, no authentication (loopback only):
//
//	GET  /_sim/credentials              the credentials the simulator accepts
//	POST /_sim/orders                   place an order (OrderSpec) → 201 {"purchaseOrderId"}
//	GET  /_sim/orders                   {"orders":[…]} as GET /v3/orders/{po} renders them
//	POST /_sim/orders/{po}/cancel       cancel open units; body {"lines":["1"],"reason":"…"} optional
//	POST /_sim/orders/{po}/deliver      mark shipped units Delivered
//	GET  /_sim/listings[?sku=]          {"listings":{sku:quantity}}, or one {"sku","quantity"}
//	POST /_sim/listings                 {"sku","quantity"}: make a SKU known with a quantity
//	GET  /_sim/shipments                {"shipments":[ShipmentRecord…]}
//	GET  /_sim/acknowledgements         {"acknowledgements":[Acknowledgement…]}
//	POST /_sim/faults                   {"fault":"429|500|401|malformed|token_expiry","count":n}
//	PUT  /_sim/webhook                  {"url","secret","mode":"once|duplicate|out_of_order"}
//	POST /_sim/webhook/flush            send held events and wait for deliveries
//	GET  /_sim/webhooks                 {"deliveries":[Delivery…]}
//	GET  /_sim/requests                 {"requests":[Request…]}
func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /_sim/credentials", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Credentials())
	})
	m.HandleFunc("POST /_sim/orders", func(w http.ResponseWriter, r *http.Request) {
		var spec OrderSpec
		if !decode(w, r, &spec) {
			return
		}
		po, err := s.PlaceOrder(spec)
		if err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"purchaseOrderId": po})
	})
	m.HandleFunc("GET /_sim/orders", func(w http.ResponseWriter, _ *http.Request) {
		orders := s.Orders()
		if orders == nil {
			orders = []json.RawMessage{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"orders": orders})
	})
	m.HandleFunc("POST /_sim/orders/{po}/cancel", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Lines  []string `json:"lines"`
			Reason string   `json:"reason"`
		}
		if r.ContentLength != 0 && !decode(w, r, &req) {
			return
		}
		if req.Reason == "" {
			req.Reason = "CUSTOMER_REQUESTED_SELLER_TO_CANCEL"
		}
		if err := s.CancelLines(r.PathValue("po"), req.Lines, req.Reason); err != nil {
			controlError(w, http.StatusConflict, err.Error())
			return
		}
		s.writeOrder(w, r.PathValue("po"))
	})
	m.HandleFunc("POST /_sim/orders/{po}/deliver", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Deliver(r.PathValue("po")); err != nil {
			controlError(w, http.StatusConflict, err.Error())
			return
		}
		s.writeOrder(w, r.PathValue("po"))
	})
	m.HandleFunc("GET /_sim/listings", func(w http.ResponseWriter, r *http.Request) {
		if sku := r.URL.Query().Get("sku"); sku != "" {
			q, ok := s.Quantity(sku)
			if !ok {
				controlError(w, http.StatusNotFound, "no listing "+sku)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"sku": sku, "quantity": q})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"listings": s.Listings()})
	})
	m.HandleFunc("POST /_sim/listings", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			SKU      string `json:"sku"`
			Quantity int    `json:"quantity"`
		}
		if !decode(w, r, &req) {
			return
		}
		if req.SKU == "" || req.Quantity < 0 {
			controlError(w, http.StatusBadRequest, "a listing needs a sku and a quantity of at least 0")
			return
		}
		s.AddListing(req.SKU, req.Quantity)
		writeJSON(w, http.StatusCreated, map[string]any{"sku": req.SKU, "quantity": req.Quantity})
	})
	m.HandleFunc("GET /_sim/shipments", func(w http.ResponseWriter, _ *http.Request) {
		out := s.ShipmentRecords()
		writeJSON(w, http.StatusOK, map[string]any{"shipments": out})
	})
	m.HandleFunc("GET /_sim/acknowledgements", func(w http.ResponseWriter, _ *http.Request) {
		out := s.Acknowledgements()
		if out == nil {
			out = []Acknowledgement{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"acknowledgements": out})
	})
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Fault Fault `json:"fault"`
			Count int   `json:"count"`
		}
		if !decode(w, r, &req) {
			return
		}
		if req.Count == 0 {
			req.Count = 1
		}
		if err := s.InjectFault(req.Fault, req.Count); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("PUT /_sim/webhook", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			URL    string `json:"url"`
			Secret string `json:"secret"`
			Mode   string `json:"mode"`
		}
		if !decode(w, r, &req) {
			return
		}
		if err := s.SetWebhookMode(req.Mode); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.SetWebhookTarget(req.URL, req.Secret)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/webhook/flush", func(w http.ResponseWriter, _ *http.Request) {
		s.FlushWebhooks()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/webhooks", func(w http.ResponseWriter, _ *http.Request) {
		out := s.Deliveries()
		if out == nil {
			out = []Delivery{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
	})
	m.HandleFunc("GET /_sim/requests", func(w http.ResponseWriter, _ *http.Request) {
		out := s.Requests()
		if out == nil {
			out = []Request{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"requests": out})
	})
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		controlError(w, http.StatusNotFound, r.Method+" "+r.URL.Path+" is not a control endpoint")
	})
}

func (s *Server) writeOrder(w http.ResponseWriter, po string) {
	s.mu.Lock()
	o, ok := s.orders[po]
	var body map[string]wOrder
	if ok {
		body = map[string]wOrder{"order": o.wire()}
	}
	s.mu.Unlock()
	if !ok {
		controlError(w, http.StatusNotFound, "no purchase order "+po)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		controlError(w, http.StatusBadRequest, "request body: "+err.Error())
		return false
	}
	return true
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
