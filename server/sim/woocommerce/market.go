package woocommerce

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

// AddListing implements sim.Marketplace: a simple product with that SKU
// managing its stock (an existing product or variation gets the quantity).
func (s *Server) AddListing(sku string, quantity int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.productBySKU(sku); p != nil {
		p.manageStock, p.stock, p.modified = true, quantity, s.now()
		return
	}
	_, _ = s.addProduct(ProductInput{Name: sku, SKU: sku, Price: "10.00", StockQuantity: quantity})
}

// AddProduct creates a simple product, or a variable one with its
// variations, and returns the ids they received.
func (s *Server) AddProduct(in ProductInput) (ProductIDs, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addProduct(in)
}

// Quantity implements sim.Marketplace: the stock a product or variation
// with that SKU shows; false when there is none or it shows no quantity.
func (s *Server) Quantity(sku string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.productBySKU(sku)
	if p == nil {
		return 0, false
	}
	_, qty, _ := s.stockOf(p)
	if qty == nil {
		return 0, false
	}
	return *qty, true
}

// Stock is what the product or variation id shows: its stock_quantity, and
// whether it has one (false when stock is not managed or the id is unknown).
func (s *Server) Stock(id int64) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return 0, false
	}
	_, qty, _ := s.stockOf(p)
	if qty == nil {
		return 0, false
	}
	return *qty, true
}

// CreateOrder implements sim.Marketplace: a paid (processing) order with a
// shipping line named by ServiceLevel (flat_rate when empty). It returns ""
// when the order is invalid; PlaceOrder says why.
func (s *Server) CreateOrder(o sim.Order) string {
	first, last, _ := strings.Cut(strings.TrimSpace(o.BuyerName), " ")
	addr := Address{FirstName: first, LastName: last, Address1: o.Address.Line1, Address2: o.Address.Line2,
		City: o.Address.City, State: o.Address.Region, Postcode: o.Address.PostalCode, Country: o.Address.Country,
		Phone: o.Address.Phone}
	billing := addr
	billing.Email = o.BuyerEmail
	method := o.ServiceLevel
	if method == "" {
		method = "flat_rate"
	}
	in := OrderInput{Billing: billing, Shipping: &addr, ShippingMethod: method, PlacedAt: o.PlacedAt}
	for _, l := range o.Lines {
		in.Lines = append(in.Lines, LineInput{SKU: l.SKU, Name: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice})
	}
	id, err := s.PlaceOrder(in)
	if err != nil {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// PlaceOrder places an order as checkout does (stock is reduced once it is
// paid) and delivers order.created. It returns the order id.
func (s *Server) PlaceOrder(in OrderInput) (int64, error) {
	s.mu.Lock()
	o, err := s.addOrder(in)
	if err != nil {
		s.mu.Unlock()
		return 0, err
	}
	sends := s.orderEvent(o, topicCreated)
	s.mu.Unlock()
	s.deliver(sends)
	return o.id, nil
}

// CancelOrder implements sim.Marketplace: the order becomes cancelled, its
// stock goes back, and order.updated is delivered.
func (s *Server) CancelOrder(externalID string) error {
	id, err := strconv.ParseInt(externalID, 10, 64)
	if err != nil {
		return fmt.Errorf("woocommerce sim: order id %q is not a number", externalID)
	}
	return s.SetOrderStatus(id, StatusCancelled)
}

// SetOrderStatus changes an order's status as the shop manager would in the
// admin: order.updated is delivered, or order.deleted for trash.
func (s *Server) SetOrderStatus(id int64, status string) error {
	if !knownStatus(status) {
		return fmt.Errorf("woocommerce sim: unknown order status %q", status)
	}
	s.mu.Lock()
	o, ok := s.orders[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("woocommerce sim: no order %d", id)
	}
	var sends []delivery
	if s.setStatus(o, status, s.now()) {
		topic := topicUpdated
		if status == StatusTrash {
			topic = topicDeleted
		}
		sends = s.orderEvent(o, topic)
	}
	s.mu.Unlock()
	s.deliver(sends)
	return nil
}

// OrderStatus returns an order's status.
func (s *Server) OrderStatus(id int64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return "", false
	}
	return o.status, true
}

// Note is an order note as the store recorded it.
type Note struct {
	ID           int64     `json:"id"`
	OrderID      int64     `json:"order_id"`
	Note         string    `json:"note"`
	CustomerNote bool      `json:"customer_note"`
	At           time.Time `json:"at"`
}

// Notes lists every order note, oldest first.
func (s *Server) Notes() []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Note, len(s.notes))
	for i, n := range s.notes {
		out[i] = Note{ID: n.id, OrderID: n.orderID, Note: n.text, CustomerNote: n.customer, At: n.created}
	}
	return out
}

// trackingNote is the conventional phrasing of a shipment note, as in
// "Shipped via UPS, tracking 1Z999AA10123456784".
var trackingNote = regexp.MustCompile(`(?m)^Shipped(?: via ([^,\n]+))?, tracking (\S+)`)

// Shipments implements sim.Marketplace. WooCommerce core has no shipment
// records: a completed order is a shipment, and its tracking lives in order
// notes. Each completed order yields one shipment per note phrased
// "Shipped via <carrier>, tracking <number>", or one without tracking when
// no note is; every line counts as shipped.
func (s *Server) Shipments() []sim.Shipment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var done []*order
	for _, id := range s.orderIDs {
		if o := s.orders[id]; o.completed != nil {
			done = append(done, o)
		}
	}
	sort.SliceStable(done, func(i, j int) bool { return done[i].completed.Before(*done[j].completed) })
	var out []sim.Shipment
	for _, o := range done {
		lines := map[string]int{}
		for _, l := range o.lines {
			lines[idString(l.id)] = l.quantity
		}
		found := false
		for _, n := range s.notes {
			m := trackingNote.FindStringSubmatch(n.text)
			if n.orderID != o.id || m == nil {
				continue
			}
			found = true
			out = append(out, sim.Shipment{ExternalOrderID: idString(o.id), Carrier: m[1], TrackingNumber: m[2],
				Lines: lines, At: n.created})
		}
		if !found {
			out = append(out, sim.Shipment{ExternalOrderID: idString(o.id), Lines: lines, At: *o.completed})
		}
	}
	return out
}
