package amazon

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Order statuses of Orders v0.
const (
	StatusPendingAvailability = "PendingAvailability"
	StatusPending             = "Pending"
	StatusUnshipped           = "Unshipped"
	StatusPartiallyShipped    = "PartiallyShipped"
	StatusShipped             = "Shipped"
	StatusInvoiceUnconfirmed  = "InvoiceUnconfirmed"
	StatusCanceled            = "Canceled"
	StatusUnfulfillable       = "Unfulfillable"
)

var statuses = map[string]bool{
	StatusPendingAvailability: true, StatusPending: true, StatusUnshipped: true, StatusPartiallyShipped: true,
	StatusShipped: true, StatusInvoiceUnconfirmed: true, StatusCanceled: true, StatusUnfulfillable: true,
}

// addressStatuses are the statuses whose orders carry a ShippingAddress.
var addressStatuses = map[string]bool{
	StatusUnshipped: true, StatusPartiallyShipped: true, StatusShipped: true, StatusInvoiceUnconfirmed: true,
}

type order struct {
	id         string
	purchase   time.Time
	lastUpdate time.Time
	status     string
	category   string
	buyerName  string
	buyerEmail string
	address    sim.Address
	items      []*item
	overrides  map[string]json.RawMessage
	packages   map[string]*recorded // packageReferenceId → package
}

type item struct {
	id, sku, asin, title string
	qty, shipped         int
	unitCents            int64
	priced               bool
}

// ship-by days after purchase per ShipmentServiceLevelCategory.
var shipDays = map[string]int{
	"SameDay": 0, "NextDay": 1, "SecondDay": 1, "Expedited": 1, "Priority": 1,
	"Standard": 2, "FreeEconomy": 3, "Scheduled": 2,
}

// shipServiceLevel is the free-text ShipServiceLevel Amazon shows beside a category.
var shipServiceLevel = map[string]string{
	"SameDay": "Same US D2D Dom", "NextDay": "Next US D2D Dom", "SecondDay": "Second US D2D Dom",
	"Expedited": "Expedited US Std", "Priority": "Priority US D2D Dom", "Standard": "Std US D2D Dom",
	"FreeEconomy": "FreeEconomy US D2D Dom", "Scheduled": "Scheduled US D2D Dom",
}

// CreateOrder implements sim.Marketplace: an MFN order in status Unshipped.
// Its LastUpdateDate is o.PlacedAt when given and not in the future (a
// back-dated order is visible to getOrders at once), else now. Each line
// lowers the quantity of a known listing, as a sale does on Amazon. A
// line's UnitPrice may be empty (no ItemPrice) and must otherwise be a
// decimal; an invalid one panics, as a broken test fixture should.
func (s *Server) CreateOrder(o sim.Order) string {
	id, err := s.createOrder(o, StatusUnshipped)
	if err != nil {
		panic("amazon sim: " + err.Error())
	}
	return id
}

func (s *Server) createOrder(o sim.Order, status string) (string, error) {
	if !statuses[status] {
		return "", fmt.Errorf("unknown order status %q", status)
	}
	if len(o.Lines) == 0 {
		return "", fmt.Errorf("an order needs at least one line")
	}
	if o.ServiceLevel != "" {
		if _, ok := shipDays[o.ServiceLevel]; !ok {
			return "", fmt.Errorf("unknown ShipmentServiceLevelCategory %q", o.ServiceLevel)
		}
	}
	items := make([]*item, 0, len(o.Lines))
	for i, l := range o.Lines {
		if l.Quantity <= 0 {
			return "", fmt.Errorf("line %d: quantity %d must be positive", i, l.Quantity)
		}
		it := &item{sku: l.SKU, asin: asinOf(l.SKU), title: l.Title, qty: l.Quantity}
		if l.UnitPrice != "" {
			c, err := domain.ParseCents(l.UnitPrice)
			if err != nil {
				return "", fmt.Errorf("line %d: %w", i, err)
			}
			it.unitCents, it.priced = c, true
		}
		items = append(items, it)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	placed := o.PlacedAt.UTC().Truncate(time.Second)
	if o.PlacedAt.IsZero() || placed.After(now) {
		placed = now.Truncate(time.Second)
	}
	var id string
	for {
		s.seq++
		n := s.seq
		id = fmt.Sprintf("11%d-%07d-%07d", n%10, (4829301+n*104729)%10000000, (7718625+n*1299709)%10000000)
		if _, dup := s.orders[id]; !dup {
			break
		}
	}
	for _, it := range items {
		s.itemSeq++
		it.id = fmt.Sprintf("%014d", int64(62714392958802)+int64(s.itemSeq)*12)
		if q, ok := s.listings[it.sku]; ok {
			s.listings[it.sku] = max(0, q-it.qty)
		}
	}
	s.orders[id] = &order{
		id: id, purchase: placed, lastUpdate: placed, status: status, category: o.ServiceLevel,
		buyerName: o.BuyerName, buyerEmail: o.BuyerEmail, address: o.Address, items: items,
		packages: map[string]*recorded{},
	}
	return id, nil
}

func asinOf(sku string) string {
	h := fnv.New64a()
	h.Write([]byte(sku))
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	v := h.Sum64()
	b := []byte("B0")
	for range 8 {
		b = append(b, alnum[v%36])
		v /= 36
	}
	return string(b)
}

// CancelOrder implements sim.Marketplace: the order becomes Canceled and
// its unshipped units return to their listings. Cancelling a cancelled
// order does nothing; a shipped one cannot be cancelled.
func (s *Server) CancelOrder(externalID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[externalID]
	if !ok {
		return fmt.Errorf("order %s not found", externalID)
	}
	switch o.status {
	case StatusCanceled:
		return nil
	case StatusShipped, StatusPartiallyShipped, StatusInvoiceUnconfirmed:
		return fmt.Errorf("order %s is %s and can no longer be cancelled", externalID, o.status)
	}
	for _, it := range o.items {
		if q, ok := s.listings[it.sku]; ok {
			s.listings[it.sku] = q + it.qty - it.shipped
		}
	}
	o.status = StatusCanceled
	o.lastUpdate = s.now().Truncate(time.Second)
	return nil
}

// SetOrderStatus moves an order to any Orders v0 status (e.g. Pending to
// Unshipped when payment clears) and stamps LastUpdateDate.
func (s *Server) SetOrderStatus(externalID, status string) error {
	if !statuses[status] {
		return fmt.Errorf("unknown order status %q", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[externalID]
	if !ok {
		return fmt.Errorf("order %s not found", externalID)
	}
	o.status = status
	o.lastUpdate = s.now().Truncate(time.Second)
	return nil
}

// PatchOrderJSON overrides one top-level field of the order as getOrders
// and getOrder render it, with raw JSON; a nil raw removes the field. Tests
// use it to serve malformed or incomplete orders.
func (s *Server) PatchOrderJSON(externalID, field string, raw json.RawMessage) error {
	if raw != nil && !json.Valid(raw) {
		return fmt.Errorf("override of %s is not valid JSON", field)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[externalID]
	if !ok {
		return fmt.Errorf("order %s not found", externalID)
	}
	if o.overrides == nil {
		o.overrides = map[string]json.RawMessage{}
	}
	o.overrides[field] = raw
	return nil
}

// Wire shapes of Orders v0.

type money struct {
	CurrencyCode string `json:"CurrencyCode"`
	Amount       string `json:"Amount"`
}

type wireAddress struct {
	Name          string `json:"Name,omitempty"`
	AddressLine1  string `json:"AddressLine1,omitempty"`
	AddressLine2  string `json:"AddressLine2,omitempty"`
	City          string `json:"City,omitempty"`
	StateOrRegion string `json:"StateOrRegion,omitempty"`
	PostalCode    string `json:"PostalCode,omitempty"`
	CountryCode   string `json:"CountryCode,omitempty"`
	Phone         string `json:"Phone,omitempty"`
	AddressType   string `json:"AddressType,omitempty"`
}

type wireBuyerInfo struct {
	BuyerEmail string `json:"BuyerEmail,omitempty"`
	BuyerName  string `json:"BuyerName,omitempty"`
}

type wireOrder struct {
	AmazonOrderID                string         `json:"AmazonOrderId"`
	PurchaseDate                 string         `json:"PurchaseDate"`
	LastUpdateDate               string         `json:"LastUpdateDate"`
	OrderStatus                  string         `json:"OrderStatus"`
	FulfillmentChannel           string         `json:"FulfillmentChannel"`
	SalesChannel                 string         `json:"SalesChannel"`
	ShipServiceLevel             string         `json:"ShipServiceLevel,omitempty"`
	ShipmentServiceLevelCategory string         `json:"ShipmentServiceLevelCategory,omitempty"`
	OrderTotal                   *money         `json:"OrderTotal,omitempty"`
	NumberOfItemsShipped         int            `json:"NumberOfItemsShipped"`
	NumberOfItemsUnshipped       int            `json:"NumberOfItemsUnshipped"`
	MarketplaceID                string         `json:"MarketplaceId"`
	OrderType                    string         `json:"OrderType"`
	EarliestShipDate             string         `json:"EarliestShipDate,omitempty"`
	LatestShipDate               string         `json:"LatestShipDate,omitempty"`
	IsPrime                      bool           `json:"IsPrime"`
	IsBusinessOrder              bool           `json:"IsBusinessOrder"`
	IsPremiumOrder               bool           `json:"IsPremiumOrder"`
	ShippingAddress              *wireAddress   `json:"ShippingAddress,omitempty"`
	BuyerInfo                    *wireBuyerInfo `json:"BuyerInfo,omitempty"`
}

type wireItem struct {
	ASIN            string `json:"ASIN"`
	SellerSKU       string `json:"SellerSKU,omitempty"`
	OrderItemID     string `json:"OrderItemId"`
	Title           string `json:"Title,omitempty"`
	QuantityOrdered int    `json:"QuantityOrdered"`
	QuantityShipped int    `json:"QuantityShipped"`
	ItemPrice       *money `json:"ItemPrice,omitempty"`
	ItemTax         *money `json:"ItemTax,omitempty"`
	ShippingPrice   *money `json:"ShippingPrice,omitempty"`
	IsGift          string `json:"IsGift"`
	ConditionID     string `json:"ConditionId"`
}

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) money(cents int64) *money {
	return &money{CurrencyCode: s.opts.Currency, Amount: domain.FormatCents(cents)}
}

func (o *order) cancelled() bool {
	return o.status == StatusCanceled || o.status == StatusUnfulfillable
}

func (o *order) pending() bool {
	return o.status == StatusPending || o.status == StatusPendingAvailability
}

// render is the order as getOrders and getOrder show it to a request with
// access a: PII only under an RDT with the matching data element. Callers hold s.mu.
func (s *Server) render(o *order, a access) json.RawMessage {
	w := wireOrder{
		AmazonOrderID: o.id, PurchaseDate: isoTime(o.purchase), LastUpdateDate: isoTime(o.lastUpdate),
		OrderStatus: o.status, FulfillmentChannel: "MFN", SalesChannel: "Amazon.com",
		MarketplaceID: s.opts.MarketplaceID, OrderType: "StandardOrder",
	}
	if o.category != "" {
		w.ShipmentServiceLevelCategory = o.category
		w.ShipServiceLevel = shipServiceLevel[o.category]
		w.IsPrime = o.category == "SecondDay" || o.category == "NextDay" || o.category == "SameDay"
		day := o.purchase.UTC().Truncate(24 * time.Hour)
		w.EarliestShipDate = isoTime(o.purchase)
		w.LatestShipDate = isoTime(day.AddDate(0, 0, shipDays[o.category]+1).Add(7*time.Hour - time.Second))
	}
	var total int64
	priced := false
	for _, it := range o.items {
		if it.priced {
			total += it.unitCents * int64(it.qty)
			priced = true
		}
		if !o.cancelled() {
			w.NumberOfItemsShipped += it.shipped
			w.NumberOfItemsUnshipped += it.qty - it.shipped
		}
	}
	if priced && !o.cancelled() {
		w.OrderTotal = s.money(total)
	}
	if addressStatuses[o.status] {
		ad := o.address
		w.ShippingAddress = &wireAddress{City: ad.City, StateOrRegion: ad.Region, PostalCode: ad.PostalCode, CountryCode: ad.Country}
		if a.has("shippingAddress") {
			w.ShippingAddress.Name = ad.Name
			w.ShippingAddress.AddressLine1 = ad.Line1
			w.ShippingAddress.AddressLine2 = ad.Line2
			w.ShippingAddress.Phone = ad.Phone
			w.ShippingAddress.AddressType = "Residential"
		}
	}
	if a.has("buyerInfo") && (o.buyerEmail != "" || o.buyerName != "") {
		w.BuyerInfo = &wireBuyerInfo{BuyerEmail: o.buyerEmail, BuyerName: o.buyerName}
	}
	b, _ := json.Marshal(w)
	if len(o.overrides) == 0 {
		return b
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	for k, v := range o.overrides {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ = json.Marshal(m)
	return b
}

// renderItem is an OrderItem: no pricing while the order is Pending, and
// QuantityOrdered 0 without pricing once it is cancelled.
func (s *Server) renderItem(o *order, it *item) wireItem {
	w := wireItem{
		ASIN: it.asin, SellerSKU: it.sku, OrderItemID: it.id, Title: it.title,
		QuantityOrdered: it.qty, QuantityShipped: it.shipped, IsGift: "false", ConditionID: "New",
	}
	if o.cancelled() {
		w.QuantityOrdered = 0
		return w
	}
	if it.priced && !o.pending() {
		w.ItemPrice = s.money(it.unitCents * int64(it.qty))
		w.ItemTax = s.money(0)
		w.ShippingPrice = s.money(0)
	}
	return w
}

// sortedOrders lists orders by the given date, then id: the stable order
// pagination walks. Callers hold s.mu.
func (s *Server) sortedOrders(byCreated bool) []*order {
	out := make([]*order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, o)
	}
	key := func(o *order) time.Time {
		if byCreated {
			return o.purchase
		}
		return o.lastUpdate
	}
	sort.Slice(out, func(i, j int) bool {
		ki, kj := key(out[i]), key(out[j])
		if !ki.Equal(kj) {
			return ki.Before(kj)
		}
		return out[i].id < out[j].id
	})
	return out
}
