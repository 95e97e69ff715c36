package amazon

import (
	"net/http"
	"strconv"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

// recorded is one accepted package of a confirmShipment call.
type recorded struct {
	order          string
	ref            string
	carrierCode    string
	carrierName    string
	shippingMethod string
	tracking       string
	shipDate       time.Time
	items          map[string]int
	at             time.Time
}

// Package is a shipment confirmation as the simulator recorded it, with
// every field Amazon keeps.
type Package struct {
	AmazonOrderID      string         `json:"amazon_order_id"`
	PackageReferenceID string         `json:"package_reference_id"`
	CarrierCode        string         `json:"carrier_code"`
	CarrierName        string         `json:"carrier_name,omitempty"`
	ShippingMethod     string         `json:"shipping_method,omitempty"`
	TrackingNumber     string         `json:"tracking_number"`
	ShipDate           time.Time      `json:"ship_date"`
	Items              map[string]int `json:"items"`
	At                 time.Time      `json:"at"`
}

// Packages lists accepted packages in the order they were first confirmed
// (a re-sent packageReferenceId edits its package in place).
func (s *Server) Packages() []Package {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Package, 0, len(s.shipments))
	for _, p := range s.shipments {
		items := make(map[string]int, len(p.items))
		for k, v := range p.items {
			items[k] = v
		}
		out = append(out, Package{AmazonOrderID: p.order, PackageReferenceID: p.ref, CarrierCode: p.carrierCode,
			CarrierName: p.carrierName, ShippingMethod: p.shippingMethod, TrackingNumber: p.tracking,
			ShipDate: p.shipDate, Items: items, At: p.at})
	}
	return out
}

// Shipments implements sim.Marketplace. Carrier is the carrierCode sent
// (carrierName when the code is Other).
func (s *Server) Shipments() []sim.Shipment {
	pkgs := s.Packages()
	out := make([]sim.Shipment, len(pkgs))
	for i, p := range pkgs {
		c := p.CarrierCode
		if c == "Other" {
			c = p.CarrierName
		}
		out[i] = sim.Shipment{ExternalOrderID: p.AmazonOrderID, Carrier: c, TrackingNumber: p.TrackingNumber, Lines: p.Items, At: p.At}
	}
	return out
}

type confirmBody struct {
	MarketplaceID *string `json:"marketplaceId"`
	PackageDetail *struct {
		PackageReferenceID *string `json:"packageReferenceId"`
		CarrierCode        *string `json:"carrierCode"`
		CarrierName        *string `json:"carrierName"`
		ShippingMethod     *string `json:"shippingMethod"`
		TrackingNumber     *string `json:"trackingNumber"`
		ShipDate           *string `json:"shipDate"`
		OrderItems         []struct {
			OrderItemID *string `json:"orderItemId"`
			Quantity    *int    `json:"quantity"`
		} `json:"orderItems"`
	} `json:"packageDetail"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// handleConfirmShipment is POST /orders/v0/orders/{orderId}/shipmentConfirmation:
// 204 on success; re-sending a packageReferenceId edits that package.
func (s *Server) handleConfirmShipment(w http.ResponseWriter, r *http.Request, _ access) {
	id := r.PathValue("orderId")
	var b confirmBody
	if !decodeBody(w, r, &b) {
		return
	}
	if str(b.MarketplaceID) == "" {
		invalidInput(w, "Missing required field marketplaceId.")
		return
	}
	if *b.MarketplaceID != s.opts.MarketplaceID {
		invalidInput(w, "Invalid marketplaceId: %s.", *b.MarketplaceID)
		return
	}
	d := b.PackageDetail
	if d == nil {
		invalidInput(w, "Missing required field packageDetail.")
		return
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"packageReferenceId", d.PackageReferenceID}, {"carrierCode", d.CarrierCode},
		{"trackingNumber", d.TrackingNumber}, {"shipDate", d.ShipDate}} {
		if str(f.v) == "" {
			invalidInput(w, "Missing required field packageDetail.%s.", f.name)
			return
		}
	}
	ref := *d.PackageReferenceID
	if n, err := strconv.ParseUint(ref, 10, 64); err != nil || n == 0 {
		invalidInput(w, "packageReferenceId %q must be a positive number.", ref)
		return
	}
	code := *d.CarrierCode
	if !s.carriers[code] {
		invalidInput(w, "Invalid carrierCode: %s.", code)
		return
	}
	if code == "Other" && str(d.CarrierName) == "" {
		invalidInput(w, "carrierName is required when carrierCode is Other.")
		return
	}
	shipDate, ok := parseISO(*d.ShipDate)
	if !ok {
		invalidInput(w, "shipDate %q is not in ISO 8601 date time format.", *d.ShipDate)
		return
	}
	if len(d.OrderItems) == 0 {
		invalidInput(w, "Missing required field packageDetail.orderItems.")
		return
	}
	items := map[string]int{}
	for i, it := range d.OrderItems {
		if str(it.OrderItemID) == "" {
			invalidInput(w, "Missing required field packageDetail.orderItems[%d].orderItemId.", i)
			return
		}
		if it.Quantity == nil || *it.Quantity <= 0 {
			invalidInput(w, "packageDetail.orderItems[%d].quantity must be a positive integer.", i)
			return
		}
		items[*it.OrderItemID] += *it.Quantity
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "Invalid AmazonOrderId: "+id, "")
		return
	}
	switch o.status {
	case StatusUnshipped, StatusPartiallyShipped, StatusShipped:
	default:
		invalidInput(w, "Order %s is in status %s and cannot be confirmed as shipped.", id, o.status)
		return
	}
	prev := o.packages[ref]
	byID := map[string]*item{}
	for _, it := range o.items {
		byID[it.id] = it
	}
	for itemID, q := range items {
		it, ok := byID[itemID]
		if !ok {
			invalidInput(w, "orderItemId %s does not belong to order %s.", itemID, id)
			return
		}
		already := it.shipped
		if prev != nil {
			already -= prev.items[itemID]
		}
		if already+q > it.qty {
			invalidInput(w, "Quantity %d for orderItemId %s exceeds the %d unit(s) left to ship.", q, itemID, it.qty-already)
			return
		}
	}
	if prev != nil {
		for itemID, q := range prev.items {
			byID[itemID].shipped -= q
		}
	}
	for itemID, q := range items {
		byID[itemID].shipped += q
	}
	now := s.now()
	p := &recorded{order: id, ref: ref, carrierCode: code, carrierName: str(d.CarrierName),
		shippingMethod: str(d.ShippingMethod), tracking: *d.TrackingNumber, shipDate: shipDate, items: items, at: now}
	if prev != nil {
		*prev = *p
	} else {
		o.packages[ref] = p
		s.shipments = append(s.shipments, p)
	}
	all, some := true, false
	for _, it := range o.items {
		all = all && it.shipped == it.qty
		some = some || it.shipped > 0
	}
	switch {
	case all:
		o.status = StatusShipped
	case some:
		o.status = StatusPartiallyShipped
	}
	o.lastUpdate = now.Truncate(time.Second)
	w.WriteHeader(http.StatusNoContent)
}
