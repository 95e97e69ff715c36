package woocommerce

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// The control API, under /_sim/, speaks JSON and needs no credentials:
//
//	GET    /_sim/credentials           the accepted credentials, by connector field name
//	GET    /_sim/orders                every order as GET /orders/{id} renders it (trash included)
//	POST   /_sim/orders                place an order: OrderInput → {"id":…}
//	POST   /_sim/orders/{id}/cancel    cancel as the buyer would (order.updated)
//	POST   /_sim/orders/{id}/status    {"status":"refunded"} as the shop manager would
//	GET    /_sim/products              every product and variation
//	POST   /_sim/products              ProductInput → ProductIDs
//	POST   /_sim/listings              {"sku":…,"quantity":…}: AddListing
//	GET    /_sim/stock?sku=…|?id=…     {"quantity":…,"found":…}
//	GET    /_sim/notes                 every order note
//	GET    /_sim/shipments             completed orders with their tracking notes
//	GET    /_sim/requests              the REST requests received
//	POST   /_sim/faults                {"kind":"429"|"500"|"malformed","count":n,"retry_after_seconds":s}
//	DELETE /_sim/faults                drop queued faults
//	POST   /_sim/webhook               {"url":…,"secret":…,"mode":"normal"|"duplicate"|"out_of_order"}
//	POST   /_sim/webhook/flush         send held deliveries, newest first
//	POST   /_sim/webhook/ping          send the activation ping
//	GET    /_sim/webhook/deliveries    the deliveries sent and their answers
func (s *Server) controlMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_sim/credentials", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Credentials())
	})
	mux.HandleFunc("GET /_sim/orders", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		out := make([]orderJSON, 0, len(s.orderIDs))
		for _, id := range s.orderIDs {
			out = append(out, s.orderJSON(s.orders[id]))
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /_sim/orders", func(w http.ResponseWriter, r *http.Request) {
		var in OrderInput
		if !decode(w, r, &in) {
			return
		}
		id, err := s.PlaceOrder(in)
		if err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
	})
	mux.HandleFunc("POST /_sim/orders/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		if err := s.CancelOrder(r.PathValue("id")); err != nil {
			controlError(w, http.StatusNotFound, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sim/orders/{id}/status", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Status string `json:"status"`
		}
		if !decode(w, r, &in) {
			return
		}
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err == nil {
			err = s.SetOrderStatus(id, in.Status)
		}
		if err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sim/products", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		out := make([]productJSON, 0, len(s.prodIDs))
		for _, id := range s.prodIDs {
			out = append(out, s.productJSON(s.products[id]))
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /_sim/products", func(w http.ResponseWriter, r *http.Request) {
		var in ProductInput
		if !decode(w, r, &in) {
			return
		}
		ids, err := s.AddProduct(in)
		if err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, ids)
	})
	mux.HandleFunc("POST /_sim/listings", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			SKU      string `json:"sku"`
			Quantity int    `json:"quantity"`
		}
		if !decode(w, r, &in) {
			return
		}
		if in.SKU == "" {
			controlError(w, http.StatusBadRequest, "sku is required")
			return
		}
		s.AddListing(in.SKU, in.Quantity)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sim/stock", func(w http.ResponseWriter, r *http.Request) {
		var qty int
		var found bool
		if v := r.URL.Query().Get("id"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				controlError(w, http.StatusBadRequest, "id must be a number")
				return
			}
			qty, found = s.Stock(id)
		} else {
			qty, found = s.Quantity(r.URL.Query().Get("sku"))
		}
		writeJSON(w, http.StatusOK, map[string]any{"quantity": qty, "found": found})
	})
	mux.HandleFunc("GET /_sim/notes", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Notes()))
	})
	mux.HandleFunc("GET /_sim/shipments", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Shipments()))
	})
	mux.HandleFunc("GET /_sim/requests", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Requests()))
	})
	mux.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Kind       FaultKind `json:"kind"`
			Count      int       `json:"count"`
			RetryAfter int       `json:"retry_after_seconds"`
		}
		if !decode(w, r, &in) {
			return
		}
		if err := s.FailNext(in.Kind, in.Count, time.Duration(in.RetryAfter)*time.Second); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sim/webhook", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			URL    string       `json:"url"`
			Secret string       `json:"secret"`
			Mode   DeliveryMode `json:"mode"`
		}
		if !decode(w, r, &in) {
			return
		}
		if in.Mode != "" {
			if err := s.SetDeliveryMode(in.Mode); err != nil {
				controlError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		s.SetWebhookTarget(in.URL, in.Secret)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sim/webhook/flush", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"sent": s.FlushWebhooks()})
	})
	mux.HandleFunc("POST /_sim/webhook/ping", func(w http.ResponseWriter, _ *http.Request) {
		status, err := s.Ping()
		if err != nil {
			controlError(w, http.StatusBadGateway, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"status": status})
	})
	mux.HandleFunc("GET /_sim/webhook/deliveries", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Deliveries()))
	})
	return mux
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		controlError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
