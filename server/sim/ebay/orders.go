package ebay

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
	"github.com/manifold-oms/manifold/shared/domain"
)

// OrderSpec is an order a simulated buyer places, with the eBay-specific
// details sim.Order cannot express. Zero fields take defaults.
type OrderSpec struct {
	BuyerUsername string      `json:"buyerUsername,omitempty"`
	BuyerName     string      `json:"buyerName,omitempty"`
	BuyerEmail    string      `json:"buyerEmail,omitempty"`
	ShipTo        AddressSpec `json:"shipTo"`
	// ShippingCarrierCode and ShippingServiceCode are the buyer's chosen
	// shipping; "USPS" and "USPSPriority" by default.
	ShippingCarrierCode string `json:"shippingCarrierCode,omitempty"`
	ShippingServiceCode string `json:"shippingServiceCode,omitempty"`
	// DeliveryCost is the buyer's shipping charge, a decimal string.
	DeliveryCost string `json:"deliveryCost,omitempty"`
	// PaymentStatus is orderPaymentStatus; PAID by default.
	PaymentStatus string     `json:"paymentStatus,omitempty"`
	Notes         string     `json:"buyerCheckoutNotes,omitempty"`
	Currency      string     `json:"currency,omitempty"` // USD by default
	PlacedAt      time.Time  `json:"placedAt,omitzero"`
	ShipBy        time.Time  `json:"shipByDate,omitzero"`
	Lines         []LineSpec `json:"lines"`
}

// AddressSpec is a ship-to address.
type AddressSpec struct {
	Name       string `json:"fullName,omitempty"`
	Company    string `json:"companyName,omitempty"`
	Line1      string `json:"addressLine1,omitempty"`
	Line2      string `json:"addressLine2,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"stateOrProvince,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Country    string `json:"countryCode,omitempty"`
	Phone      string `json:"phoneNumber,omitempty"`
	Email      string `json:"email,omitempty"`
}

// LineSpec is a line of an OrderSpec. A line without SKU is a purchase from
// a listing created without one: the order shows only legacyItemId (and
// legacyVariationId when given).
type LineSpec struct {
	SKU               string `json:"sku,omitempty"`
	LegacyItemID      string `json:"legacyItemId,omitempty"`
	LegacyVariationID string `json:"legacyVariationId,omitempty"`
	Title             string `json:"title,omitempty"`
	Quantity          int    `json:"quantity"`
	UnitPrice         string `json:"unitPrice"` // decimal, e.g. "44.99"
}

type order struct {
	id, salesRecord   string
	created, modified time.Time
	paymentStatus     string
	buyerUsername     string
	buyerName         string
	buyerEmail        string
	shipTo            AddressSpec
	carrierCode       string
	serviceCode       string
	notes             string
	currency          string
	deliveryCents     int64
	lines             []*line
	cancelled         bool
	cancelledAt       time.Time
	cancelRequestedAt time.Time
	fulfillments      []fulfillment
	paidAt            time.Time
}

type line struct {
	id, sku, legacyItemID, legacyVariationID, title string
	quantity, fulfilled                             int
	unitCents                                       int64
	shipBy                                          time.Time
}

func (l *line) status() string {
	switch {
	case l.fulfilled >= l.quantity:
		return "FULFILLED"
	case l.fulfilled > 0:
		return "IN_PROGRESS"
	}
	return "NOT_STARTED"
}

func (o *order) fulfillmentStatus() string {
	done, started := 0, 0
	for _, l := range o.lines {
		switch l.status() {
		case "FULFILLED":
			done++
			started++
		case "IN_PROGRESS":
			started++
		}
	}
	switch {
	case done == len(o.lines):
		return "FULFILLED"
	case started > 0:
		return "IN_PROGRESS"
	}
	return "NOT_STARTED"
}

// PlaceOrder places an order as a buyer would: it appears in getOrders,
// sold quantities come off the listings, and a notification target, if
// set, is sent ORDER_CONFIRMATION for each line. It returns the orderId.
func (s *Server) PlaceOrder(spec OrderSpec) (string, error) {
	if len(spec.Lines) == 0 {
		return "", errors.New("ebay sim: an order needs at least one line")
	}
	now := s.now()
	placed := spec.PlacedAt.UTC()
	if spec.PlacedAt.IsZero() {
		placed = now
	}
	placed = placed.Truncate(time.Millisecond)
	o := &order{
		created:       placed,
		modified:      placed,
		paymentStatus: orDefault(spec.PaymentStatus, "PAID"),
		buyerUsername: orDefault(spec.BuyerUsername, "buyer_"+strconv.FormatInt(placed.Unix()%100000, 10)),
		buyerName:     orDefault(spec.BuyerName, spec.ShipTo.Name),
		buyerEmail:    spec.BuyerEmail,
		shipTo:        spec.ShipTo,
		carrierCode:   orDefault(spec.ShippingCarrierCode, "USPS"),
		serviceCode:   orDefault(spec.ShippingServiceCode, "USPSPriority"),
		notes:         spec.Notes,
		currency:      orDefault(spec.Currency, "USD"),
	}
	switch o.paymentStatus {
	case "PENDING", "PAID", "FAILED", "PARTIALLY_REFUNDED", "FULLY_REFUNDED":
	default:
		return "", fmt.Errorf("ebay sim: unknown payment status %q", o.paymentStatus)
	}
	if o.paymentStatus == "PAID" {
		o.paidAt = placed
	}
	if o.shipTo.Email == "" {
		o.shipTo.Email = o.buyerEmail
	}
	if spec.DeliveryCost != "" {
		c, err := domain.ParseCents(spec.DeliveryCost)
		if err != nil || c < 0 {
			return "", fmt.Errorf("ebay sim: delivery cost %q: not a price", spec.DeliveryCost)
		}
		o.deliveryCents = c
	}
	shipBy := spec.ShipBy.UTC().Truncate(time.Millisecond)
	if spec.ShipBy.IsZero() {
		d := placed.AddDate(0, 0, 2)
		shipBy = time.Date(d.Year(), d.Month(), d.Day(), 6, 59, 59, 0, time.UTC)
	}
	for i, ls := range spec.Lines {
		if ls.Quantity < 1 {
			return "", fmt.Errorf("ebay sim: line %d: quantity %d", i+1, ls.Quantity)
		}
		c, err := domain.ParseCents(ls.UnitPrice)
		if err != nil || c < 0 {
			return "", fmt.Errorf("ebay sim: line %d: unit price %q: not a price", i+1, ls.UnitPrice)
		}
		o.lines = append(o.lines, &line{
			sku: ls.SKU, legacyItemID: ls.LegacyItemID, legacyVariationID: ls.LegacyVariationID,
			title: orDefault(ls.Title, ls.SKU), quantity: ls.Quantity, unitCents: c, shipBy: shipBy,
		})
	}

	s.mu.Lock()
	s.seq++
	o.id = fmt.Sprintf("%02d-%05d-%05d", 10+s.seq%89, 13000+s.seq*7%87000, 60000+s.seq)
	o.salesRecord = strconv.Itoa(1000 + s.seq)
	for i, l := range o.lines {
		s.seq++
		l.id = strconv.FormatInt(10075538290000+int64(s.seq), 10)
		if l.title == "" {
			l.title = "eBay item " + strconv.Itoa(i+1)
		}
		if li, ok := s.listings[l.sku]; ok && l.sku != "" {
			if l.legacyItemID == "" {
				l.legacyItemID = li.itemID
			}
			li.quantity = max(li.quantity-l.quantity, 0)
		}
		if l.legacyItemID == "" {
			s.seq++
			l.legacyItemID = strconv.FormatInt(296114830000+int64(s.seq), 10)
		}
	}
	s.orders[o.id] = o
	s.orderList = append(s.orderList, o)
	var notes []notification
	if o.paymentStatus == "PAID" {
		notes = s.orderConfirmationsLocked(o, now)
	}
	s.mu.Unlock()
	s.deliver(notes)
	return o.id, nil
}

// CreateOrder implements sim.Marketplace. It returns "" when the order
// cannot be placed (no lines, a bad price).
func (s *Server) CreateOrder(o sim.Order) string {
	spec := OrderSpec{
		BuyerName:           o.BuyerName,
		BuyerEmail:          o.BuyerEmail,
		ShippingServiceCode: o.ServiceLevel,
		PlacedAt:            o.PlacedAt,
		ShipTo: AddressSpec{
			Name: o.Address.Name, Line1: o.Address.Line1, Line2: o.Address.Line2, City: o.Address.City,
			Region: o.Address.Region, PostalCode: o.Address.PostalCode, Country: o.Address.Country, Phone: o.Address.Phone,
		},
	}
	for _, l := range o.Lines {
		spec.Lines = append(spec.Lines, LineSpec{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice})
	}
	id, err := s.PlaceOrder(spec)
	if err != nil {
		return ""
	}
	return id
}

// CancelOrder implements sim.Marketplace: the order is cancelled and
// refunded, as when the seller accepts a buyer's cancellation request.
func (s *Server) CancelOrder(externalID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[externalID]
	if !ok {
		return fmt.Errorf("ebay sim: no order %q", externalID)
	}
	if o.cancelled {
		return nil
	}
	if o.fulfillmentStatus() != "NOT_STARTED" {
		return fmt.Errorf("ebay sim: order %s has shipped lines and cannot be cancelled", externalID)
	}
	now := s.now().Truncate(time.Millisecond)
	o.cancelled = true
	o.cancelRequestedAt = now
	o.cancelledAt = now
	o.modified = now
	if o.paymentStatus == "PAID" || o.paymentStatus == "PARTIALLY_REFUNDED" {
		o.paymentStatus = "FULLY_REFUNDED"
	}
	return nil
}

// SetPaymentStatus changes an order's orderPaymentStatus (a pending payment
// clearing, a refund); a change to PAID sends ORDER_CONFIRMATION.
func (s *Server) SetPaymentStatus(orderID, status string) error {
	switch status {
	case "PENDING", "PAID", "FAILED", "PARTIALLY_REFUNDED", "FULLY_REFUNDED":
	default:
		return fmt.Errorf("ebay sim: unknown payment status %q", status)
	}
	s.mu.Lock()
	o, ok := s.orders[orderID]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("ebay sim: no order %q", orderID)
	}
	now := s.now()
	var notes []notification
	if status == "PAID" && o.paymentStatus != "PAID" {
		o.paidAt = now
		notes = s.orderConfirmationsLocked(o, now)
	}
	o.paymentStatus = status
	o.modified = now.Truncate(time.Millisecond)
	s.mu.Unlock()
	s.deliver(notes)
	return nil
}

// Orders returns every order as getOrder renders it, oldest first.
func (s *Server) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]Order, 0, len(s.orderList))
	for _, o := range s.orderList {
		out = append(out, s.renderLocked(o, now, true, ""))
	}
	return out
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
