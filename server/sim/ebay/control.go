package ebay

import (
	"net/http"
	"strings"
)

// Fault is a failure injected into the next API calls (token endpoint and
// /_sim/ excluded).
type Fault string

// Faults.
const (
	// Fault429 answers 429 with eBay's errorId 2001 body.
	Fault429 Fault = "429"
	// Fault500 answers 500 with the API's system error body.
	Fault500 Fault = "500"
	// FaultMalformed answers 200 with truncated JSON.
	FaultMalformed Fault = "malformed"
)

// InjectFault makes the next n API calls fail with f.
func (s *Server) InjectFault(f Fault, n int) {
	s.mu.Lock()
	for range n {
		s.faults = append(s.faults, f)
	}
	s.mu.Unlock()
}

// The control API, all JSON:
//
//	POST /_sim/orders                 OrderSpec → 201 {"orderId"}
//	GET  /_sim/orders                 → {"orders": [Order as getOrder renders it]}
//	POST /_sim/orders/{id}/cancel     → 200 {"orderId"}
//	POST /_sim/orders/{id}/payment    {"status": "PAID"} → 200
//	GET  /_sim/listings               → {"listings": [Listing]}
//	POST /_sim/listings               {"sku", "quantity"} → 201 Listing
//	GET  /_sim/fulfillments           → {"fulfillments": [sim.Shipment]}
//	POST /_sim/faults                 {"fault": "429"|"500"|"malformed"|"expire_tokens", "count": n} → 204
//	GET  /_sim/usage                  → {"usage": {family: calls today}}
//	POST /_sim/notifications/target   {"url", "verificationToken"} → 204
//	POST /_sim/notifications/mode     {"mode": "normal"|"duplicate"|"out_of_order"} → 204
//	POST /_sim/notifications/flush    → {"delivered": n}
//	POST /_sim/notifications/challenge → 204, or 502 with the reason
//	GET  /_sim/notifications          → {"deliveries": [Delivery]}
//	POST /_sim/keys/rotate            → {"kid"}
func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/orders", func(w http.ResponseWriter, r *http.Request) {
		var spec OrderSpec
		if !decodeControl(w, r, &spec) {
			return
		}
		id, err := s.PlaceOrder(spec)
		if err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"orderId": id})
	})
	m.HandleFunc("GET /_sim/orders", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"orders": s.Orders()})
	})
	m.HandleFunc("POST /_sim/orders/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		if err := s.CancelOrder(r.PathValue("id")); err != nil {
			controlError(w, http.StatusNotFound, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"orderId": r.PathValue("id")})
	})
	m.HandleFunc("POST /_sim/orders/{id}/payment", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Status string `json:"status"`
		}
		if !decodeControl(w, r, &body) {
			return
		}
		if err := s.SetPaymentStatus(r.PathValue("id"), body.Status); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"orderId": r.PathValue("id")})
	})
	m.HandleFunc("GET /_sim/listings", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"listings": s.Listings()})
	})
	m.HandleFunc("POST /_sim/listings", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			SKU      string `json:"sku"`
			Quantity int    `json:"quantity"`
		}
		if !decodeControl(w, r, &body) {
			return
		}
		if strings.TrimSpace(body.SKU) == "" || body.Quantity < 0 {
			controlError(w, http.StatusBadRequest, "a listing needs a sku and a quantity of 0 or more")
			return
		}
		s.AddListing(body.SKU, body.Quantity)
		for _, l := range s.Listings() {
			if l.SKU == body.SKU {
				writeJSON(w, http.StatusCreated, l)
			}
		}
	})
	m.HandleFunc("GET /_sim/fulfillments", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"fulfillments": s.Shipments()})
	})
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Fault string `json:"fault"`
			Count int    `json:"count"`
		}
		if !decodeControl(w, r, &body) {
			return
		}
		switch f := Fault(body.Fault); f {
		case "expire_tokens":
			s.ExpireTokens()
		case Fault429, Fault500, FaultMalformed:
			s.InjectFault(f, max(body.Count, 1))
		default:
			controlError(w, http.StatusBadRequest, `fault must be "429", "500", "malformed" or "expire_tokens"`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/usage", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"usage": s.Usage()})
	})
	m.HandleFunc("POST /_sim/notifications/target", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			URL               string `json:"url"`
			VerificationToken string `json:"verificationToken"`
		}
		if !decodeControl(w, r, &body) {
			return
		}
		s.SetWebhookTarget(body.URL, body.VerificationToken)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/notifications/mode", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Mode DeliveryMode `json:"mode"`
		}
		if !decodeControl(w, r, &body) {
			return
		}
		if err := s.SetDeliveryMode(body.Mode); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sim/notifications/flush", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"delivered": s.FlushNotifications()})
	})
	m.HandleFunc("POST /_sim/notifications/challenge", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Challenge(r.Context()); err != nil {
			controlError(w, http.StatusBadGateway, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/notifications", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"deliveries": s.Deliveries()})
	})
	m.HandleFunc("POST /_sim/keys/rotate", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"kid": s.RotateKey()})
	})
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength == 0 {
		return true
	}
	if err := jsonDecodeStrict(r, v); err != nil {
		controlError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}
