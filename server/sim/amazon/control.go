package amazon

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

// The control API, JSON under /_sim/:
//
//	POST /_sim/orders                 {"buyer_name","buyer_email","address":{...},"lines":[{"sku","title","quantity","unit_price"}],
//	                                   "service_level","placed_at","status"} → 201 {"amazon_order_id"}
//	GET  /_sim/orders                 → every order, unredacted, with its items
//	POST /_sim/orders/{id}/cancel     → 204
//	POST /_sim/orders/{id}/status     {"status":"Unshipped"} → 204
//	GET  /_sim/listings               → {"SKU": quantity, ...}
//	PUT  /_sim/listings/{sku}         {"quantity": 12} → 204
//	GET  /_sim/shipments              → recorded packages
//	POST /_sim/faults                 {"fault":"429"|"500"|"503"|"403"|"malformed"|"expire_tokens","count":N} → 204
//	GET  /_sim/credentials            → the credentials the simulator accepts
//
// Errors are {"error": "..."} with status 400 or 404.

type controlAddress struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Phone      string `json:"phone,omitempty"`
}

type controlLine struct {
	SKU       string `json:"sku"`
	Title     string `json:"title,omitempty"`
	Quantity  int    `json:"quantity"`
	UnitPrice string `json:"unit_price,omitempty"`
}

type controlOrder struct {
	BuyerName    string         `json:"buyer_name"`
	BuyerEmail   string         `json:"buyer_email,omitempty"`
	Address      controlAddress `json:"address"`
	Lines        []controlLine  `json:"lines"`
	ServiceLevel string         `json:"service_level,omitempty"`
	PlacedAt     *time.Time     `json:"placed_at,omitempty"`
	Status       string         `json:"status,omitempty"`
}

// OrderView is an order as the control API lists it: unredacted, with items.
type OrderView struct {
	Order json.RawMessage   `json:"order"`
	Items []json.RawMessage `json:"items"`
}

func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/orders", s.ctlCreateOrder)
	m.HandleFunc("GET /_sim/orders", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Orders()) })
	m.HandleFunc("POST /_sim/orders/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		ctlResult(w, s.CancelOrder(r.PathValue("id")))
	})
	m.HandleFunc("POST /_sim/orders/{id}/status", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Status string `json:"status"`
		}
		if !ctlDecode(w, r, &b) {
			return
		}
		ctlResult(w, s.SetOrderStatus(r.PathValue("id"), b.Status))
	})
	m.HandleFunc("GET /_sim/listings", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Listings()) })
	m.HandleFunc("PUT /_sim/listings/{sku}", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Quantity *int `json:"quantity"`
		}
		if !ctlDecode(w, r, &b) {
			return
		}
		if b.Quantity == nil || *b.Quantity < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "quantity must be a number ≥ 0"})
			return
		}
		s.AddListing(r.PathValue("sku"), *b.Quantity)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sim/shipments", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Packages()) })
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var b struct {
			Fault Fault `json:"fault"`
			Count int   `json:"count"`
		}
		if !ctlDecode(w, r, &b) {
			return
		}
		if b.Count == 0 {
			b.Count = 1
		}
		ctlResult(w, s.InjectFault(b.Fault, b.Count))
	})
	m.HandleFunc("GET /_sim/credentials", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Credentials()) })
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

func (s *Server) ctlCreateOrder(w http.ResponseWriter, r *http.Request) {
	var b controlOrder
	if !ctlDecode(w, r, &b) {
		return
	}
	o := sim.Order{BuyerName: b.BuyerName, BuyerEmail: b.BuyerEmail, ServiceLevel: b.ServiceLevel,
		Address: sim.Address{Name: b.Address.Name, Line1: b.Address.Line1, Line2: b.Address.Line2, City: b.Address.City,
			Region: b.Address.Region, PostalCode: b.Address.PostalCode, Country: b.Address.Country, Phone: b.Address.Phone}}
	if b.PlacedAt != nil {
		o.PlacedAt = *b.PlacedAt
	}
	for _, l := range b.Lines {
		o.Lines = append(o.Lines, sim.Line{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice})
	}
	status := b.Status
	if status == "" {
		status = StatusUnshipped
	}
	id, err := s.createOrder(o, status)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"amazon_order_id": id})
}

// CreateOrderWithStatus places an order in any Orders v0 status, e.g.
// Pending for one whose payment is not yet authorized.
func (s *Server) CreateOrderWithStatus(o sim.Order, status string) (string, error) {
	return s.createOrder(o, status)
}

// Orders lists every order, unredacted, by LastUpdateDate.
func (s *Server) Orders() []OrderView {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := access{rdt: true, elements: map[string]bool{"buyerInfo": true, "shippingAddress": true}}
	list := s.sortedOrders(false)
	out := make([]OrderView, 0, len(list))
	for _, o := range list {
		v := OrderView{Order: s.render(o, all), Items: []json.RawMessage{}}
		for _, it := range o.items {
			b, _ := json.Marshal(s.renderItem(o, it))
			v.Items = append(v.Items, b)
		}
		out = append(out, v)
	}
	return out
}
