package ebay

import (
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

type fulfillment struct {
	id       string
	carrier  string
	tracking string
	shipped  time.Time
	lineIDs  []string
	lineQty  map[string]int
}

// ShippingFulfillment is a fulfillment as getShippingFulfillment returns it.
type ShippingFulfillment struct {
	FulfillmentID          string              `json:"fulfillmentId"`
	LineItems              []LineItemReference `json:"lineItems"`
	ShipmentTrackingNumber string              `json:"shipmentTrackingNumber,omitempty"`
	ShippedDate            string              `json:"shippedDate"`
	ShippingCarrierCode    string              `json:"shippingCarrierCode,omitempty"`
}

// LineItemReference is a line and quantity in a fulfillment.
type LineItemReference struct {
	LineItemID string `json:"lineItemId"`
	Quantity   int    `json:"quantity"`
}

func (f fulfillment) wire() ShippingFulfillment {
	out := ShippingFulfillment{
		FulfillmentID: f.id, ShipmentTrackingNumber: f.tracking,
		ShippedDate: ebayTime(f.shipped), ShippingCarrierCode: f.carrier,
	}
	for _, id := range f.lineIDs {
		out.LineItems = append(out.LineItems, LineItemReference{LineItemID: id, Quantity: f.lineQty[id]})
	}
	return out
}

type fulfillmentRequest struct {
	LineItems []struct {
		LineItemID string `json:"lineItemId"`
		Quantity   *int   `json:"quantity"`
	} `json:"lineItems"`
	ShippedDate         string `json:"shippedDate"`
	ShippingCarrierCode string `json:"shippingCarrierCode"`
	TrackingNumber      string `json:"trackingNumber"`
}

func validTracking(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// handleCreateFulfillment answers POST
// /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment.
func (s *Server) handleCreateFulfillment(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r) {
		writeErrors(w, http.StatusUnsupportedMediaType, errInvalidRequest())
		return
	}
	var req fulfillmentRequest
	if !decodeBody(w, r, &req) {
		return
	}
	orderID := r.PathValue("orderId")
	bad := func(status, id int, msg, long string) {
		e := fulfillmentError(id, msg)
		e.LongMessage = long
		writeErrors(w, status, e)
	}
	if (req.ShippingCarrierCode == "") != (req.TrackingNumber == "") || (req.TrackingNumber != "" && !validTracking(req.TrackingNumber)) {
		bad(http.StatusBadRequest, 32300, "Invalid shipment tracking number or carrier", "")
		return
	}
	if req.ShippingCarrierCode != "" {
		known := false
		for _, c := range s.opts.CarrierCodes {
			known = known || strings.EqualFold(c, req.ShippingCarrierCode)
		}
		if !known {
			bad(http.StatusBadRequest, 32300, "Invalid shipment tracking number or carrier", "")
			return
		}
	}
	if len(req.LineItems) == 0 {
		bad(http.StatusBadRequest, 32600, "Invalid input data", "lineItems is required.")
		return
	}
	now := s.now()
	shipped := now.Truncate(time.Millisecond)
	if req.ShippedDate != "" {
		t, err := time.Parse(time.RFC3339Nano, req.ShippedDate)
		if err != nil || t.After(now.Add(time.Minute)) {
			bad(http.StatusBadRequest, 32500, "Invalid shipped date", "")
			return
		}
		shipped = t.UTC()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[orderID]
	if !ok {
		bad(http.StatusBadRequest, 32100, "Invalid Order Id: "+orderID, "")
		return
	}
	if shipped.Before(o.created) {
		bad(http.StatusBadRequest, 32500, "Invalid shipped date", "")
		return
	}
	byID := map[string]*line{}
	for _, l := range o.lines {
		byID[l.id] = l
	}
	f := fulfillment{carrier: req.ShippingCarrierCode, tracking: req.TrackingNumber, shipped: shipped, lineQty: map[string]int{}}
	for _, li := range req.LineItems {
		l, ok := byID[li.LineItemID]
		if !ok {
			bad(http.StatusBadRequest, 32200, "Invalid line item id: "+li.LineItemID, "")
			return
		}
		if _, dup := f.lineQty[li.LineItemID]; dup {
			bad(http.StatusBadRequest, 32210, "Duplicate line item in the request", "")
			return
		}
		left := l.quantity - l.fulfilled
		qty := left
		if li.Quantity != nil {
			qty = *li.Quantity
			if qty < 1 {
				bad(http.StatusBadRequest, 32600, "Invalid input data", "Line item "+l.id+": quantity must be at least 1.")
				return
			}
		}
		if qty > left || qty == 0 {
			bad(http.StatusConflict, 32600, "Invalid input data",
				fmt.Sprintf("Line item %s: quantity %d exceeds the unfulfilled quantity %d.", l.id, qty, left))
			return
		}
		f.lineIDs = append(f.lineIDs, l.id)
		f.lineQty[l.id] = qty
	}
	if o.cancelled {
		bad(http.StatusConflict, 32600, "Invalid input data", "The order has been cancelled.")
		return
	}
	for _, prev := range o.fulfillments {
		if f.tracking != "" && prev.tracking == f.tracking {
			bad(http.StatusBadRequest, 34500, "Please use PUT operation for updating shipping fulfillment", "")
			return
		}
	}
	if f.tracking != "" {
		f.id = f.tracking
	} else {
		s.seq++
		f.id = "94055" + strconv.FormatInt(10000000000000000+int64(s.seq), 10)
	}
	for id, q := range f.lineQty {
		byID[id].fulfilled += q
	}
	o.fulfillments = append(o.fulfillments, f)
	o.modified = now.Truncate(time.Millisecond)
	s.shipments = append(s.shipments, sim.Shipment{
		ExternalOrderID: o.id, Carrier: f.carrier, TrackingNumber: f.tracking,
		Lines: maps.Clone(f.lineQty), At: f.shipped,
	})
	w.Header().Set("Location", baseURL(r)+"/sell/fulfillment/v1/order/"+o.id+"/shipping_fulfillment/"+f.id)
	writeJSON(w, http.StatusCreated, struct{}{})
}

// handleListFulfillments answers GET …/order/{orderId}/shipping_fulfillment.
func (s *Server) handleListFulfillments(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("orderId")
	s.mu.Lock()
	o, ok := s.orders[id]
	list := []ShippingFulfillment{}
	if ok {
		for _, f := range o.fulfillments {
			list = append(list, f.wire())
		}
	}
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusBadRequest, fulfillmentError(32100, "Invalid order ID: "+id))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillments": list, "total": len(list)})
}

// handleGetFulfillment answers GET …/shipping_fulfillment/{fulfillmentId}.
func (s *Server) handleGetFulfillment(w http.ResponseWriter, r *http.Request) {
	id, fid := r.PathValue("orderId"), r.PathValue("fulfillmentId")
	s.mu.Lock()
	o, ok := s.orders[id]
	var found *ShippingFulfillment
	if ok {
		for _, f := range o.fulfillments {
			if f.id == fid {
				wf := f.wire()
				found = &wf
			}
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeErrors(w, http.StatusBadRequest, fulfillmentError(32100, "Invalid order ID: "+id))
	case found == nil:
		writeErrors(w, http.StatusNotFound, fulfillmentError(32110, "Invalid shipping fulfillment ID: "+fid))
	default:
		writeJSON(w, http.StatusOK, found)
	}
}

// Shipments implements sim.Marketplace: every fulfillment accepted, in order.
func (s *Server) Shipments() []sim.Shipment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]sim.Shipment, 0, len(s.shipments))
	for _, sh := range s.shipments {
		sh.Lines = maps.Clone(sh.Lines)
		out = append(out, sh)
	}
	return out
}
