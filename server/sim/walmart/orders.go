package walmart

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Walmart line statuses.
const (
	StatusCreated      = "Created"
	StatusAcknowledged = "Acknowledged"
	StatusShipped      = "Shipped"
	StatusDelivered    = "Delivered"
	StatusCancelled    = "Cancelled"
)

// Walmart's shipping method codes.
var methodCodes = []string{"Standard", "Express", "OneDay", "Freight", "WhiteGlove", "Value"}

// order is a purchase order as the simulator keeps it.
type order struct {
	po, customerOrderID, email string
	placed                     time.Time
	phone, method              string
	addr                       wAddress
	shipBy, deliverBy          *time.Time
	lines                      []*line
}

type line struct {
	number, sku, title string
	qty                int
	price, tax         int64 // line totals, in cents
	hasTax             bool
	statusDate         time.Time
	statuses           []*lineStatus
}

type lineStatus struct {
	status   string
	qty      int
	reason   string
	tracking *wTracking
}

// OrderSpec is an order placed through the control API, in Walmart's terms.
// Empty fields get defaults; Omit* leaves optional fields out of the answers.
type OrderSpec struct {
	PurchaseOrderID string      `json:"purchaseOrderId,omitempty"`
	CustomerOrderID string      `json:"customerOrderId,omitempty"`
	BuyerEmail      string      `json:"buyerEmail,omitempty"`
	Address         sim.Address `json:"address"`
	// MethodCode is shippingInfo.methodCode (Standard when empty).
	MethodCode string    `json:"methodCode,omitempty"`
	PlacedAt   time.Time `json:"placedAt,omitzero"`
	// OmitShipDates leaves out estimatedShipDate and estimatedDeliveryDate.
	OmitShipDates bool       `json:"omitShipDates,omitempty"`
	Lines         []LineSpec `json:"lines"`
}

// LineSpec is one line of an OrderSpec. UnitPrice and Tax (per line) are
// decimal strings; an empty Tax leaves the tax out.
type LineSpec struct {
	SKU       string `json:"sku"`
	Title     string `json:"title,omitempty"`
	Quantity  int    `json:"quantity"`
	UnitPrice string `json:"unitPrice"`
	Tax       string `json:"tax,omitempty"`
}

// CreateOrder implements sim.Marketplace. A service level Walmart does not
// name is read as the nearest method code (SecondDay → Express, NextDay →
// OneDay, anything else → Standard). An order PlaceOrder refuses (no lines,
// a price that is not a decimal) is a programming error and panics.
func (s *Server) CreateOrder(o sim.Order) string {
	spec := OrderSpec{BuyerEmail: o.BuyerEmail, Address: o.Address, MethodCode: nearestMethod(o.ServiceLevel), PlacedAt: o.PlacedAt}
	if spec.Address.Name == "" {
		spec.Address.Name = o.BuyerName
	}
	for _, l := range o.Lines {
		spec.Lines = append(spec.Lines, LineSpec{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, UnitPrice: l.UnitPrice})
	}
	po, err := s.PlaceOrder(spec)
	if err != nil {
		panic("walmart sim: CreateOrder: " + err.Error())
	}
	return po
}

func nearestMethod(level string) string {
	if slices.Contains(methodCodes, level) {
		return level
	}
	switch strings.ToUpper(strings.NewReplacer("_", "", "-", "", " ", "").Replace(level)) {
	case "SECONDDAY", "TWODAY", "EXPEDITED", "EXPRESS", "PRIORITY":
		return "Express"
	case "NEXTDAY", "ONEDAY", "OVERNIGHT", "SAMEDAY":
		return "OneDay"
	}
	return "Standard"
}

// PlaceOrder places an order and returns its purchase order id. Listings of
// its SKUs go down by the quantities ordered, and the webhook target, if
// any, is told (PO_CREATED).
func (s *Server) PlaceOrder(spec OrderSpec) (string, error) {
	if len(spec.Lines) == 0 {
		return "", errors.New("an order needs at least one line")
	}
	method := "Standard"
	if spec.MethodCode != "" {
		if !slices.Contains(methodCodes, spec.MethodCode) {
			return "", fmt.Errorf("methodCode %q is not one of %s", spec.MethodCode, strings.Join(methodCodes, ", "))
		}
		method = spec.MethodCode
	}
	now := s.now()
	placed := spec.PlacedAt.UTC()
	if spec.PlacedAt.IsZero() {
		placed = now
	}
	placed = placed.Truncate(time.Millisecond)
	o := &order{po: spec.PurchaseOrderID, customerOrderID: spec.CustomerOrderID, placed: placed,
		phone: spec.Address.Phone, method: method, addr: wireAddress(spec.Address)}
	o.email = relayEmail(spec.BuyerEmail, spec.Address.Name)
	if !spec.OmitShipDates {
		ship, deliver := shipDates(placed, method)
		o.shipBy, o.deliverBy = &ship, &deliver
	}
	for i, ls := range spec.Lines {
		if strings.TrimSpace(ls.SKU) == "" || ls.Quantity <= 0 {
			return "", fmt.Errorf("line %d needs a sku and a positive quantity", i+1)
		}
		unit, err := domain.ParseCents(ls.UnitPrice)
		if err != nil {
			return "", fmt.Errorf("line %d unitPrice: %w", i+1, err)
		}
		l := &line{number: strconv.Itoa(i + 1), sku: ls.SKU, title: ls.Title, qty: ls.Quantity,
			price: unit * int64(ls.Quantity), statusDate: placed}
		if l.title == "" {
			l.title = ls.SKU
		}
		if ls.Tax != "" {
			if l.tax, err = domain.ParseCents(ls.Tax); err != nil {
				return "", fmt.Errorf("line %d tax: %w", i+1, err)
			}
			l.hasTax = true
		}
		l.statuses = []*lineStatus{{status: StatusCreated, qty: ls.Quantity}}
		o.lines = append(o.lines, l)
	}

	s.mu.Lock()
	s.seq++
	if o.po == "" {
		o.po = strconv.FormatInt(108829675619000+s.seq, 10)
	}
	if o.customerOrderID == "" {
		o.customerOrderID = strconv.FormatInt(200012786349000+s.seq, 10)
	}
	if _, dup := s.orders[o.po]; dup {
		s.mu.Unlock()
		return "", fmt.Errorf("purchase order %s already exists", o.po)
	}
	s.orders[o.po] = o
	for _, l := range o.lines {
		if q, ok := s.listings[l.sku]; ok {
			s.listings[l.sku] = max(q-l.qty, 0)
		}
	}
	ev := s.poCreatedEvent(o)
	s.mu.Unlock()
	s.emit(ev)
	return o.po, nil
}

func wireAddress(a sim.Address) wAddress {
	country := strings.ToUpper(strings.TrimSpace(a.Country))
	if country == "" || country == "US" {
		country = "USA"
	}
	return wAddress{Name: a.Name, Address1: a.Line1, Address2: a.Line2, City: a.City, State: a.Region,
		PostalCode: a.PostalCode, Country: country, AddressType: "RESIDENTIAL"}
}

// relayEmail is the relay address Walmart shows instead of the buyer's own.
func relayEmail(email, name string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email + "|" + name)))
	return strings.ToUpper(hex.EncodeToString(sum[:16])) + "@relay.walmart.com"
}

func shipDates(placed time.Time, method string) (ship, deliver time.Time) {
	day := 24 * time.Hour
	switch method {
	case "OneDay":
		return placed.Add(8 * time.Hour), placed.Add(day)
	case "Express":
		return placed.Add(day), placed.Add(2 * day)
	case "Freight", "WhiteGlove":
		return placed.Add(3 * day), placed.Add(10 * day)
	}
	return placed.Add(2 * day), placed.Add(6 * day)
}

// modified is the latest line status date: Walmart has no order-level one.
func (o *order) modified() time.Time {
	t := o.placed
	for _, l := range o.lines {
		if l.statusDate.After(t) {
			t = l.statusDate
		}
	}
	return t
}

func (o *order) line(number string) *line {
	for _, l := range o.lines {
		if l.number == number {
			return l
		}
	}
	return nil
}

// count is how many of the line's units are in one of the statuses.
func (l *line) count(statuses ...string) int {
	n := 0
	for _, st := range l.statuses {
		if slices.Contains(statuses, st.status) {
			n += st.qty
		}
	}
	return n
}

// move takes up to n units out of the "from" statuses into a new status
// entry built by to; it returns how many units moved.
func (l *line) move(n int, from []string, to *lineStatus) int {
	moved := 0
	var kept []*lineStatus
	for _, st := range l.statuses {
		if moved < n && slices.Contains(from, st.status) {
			k := min(st.qty, n-moved)
			st.qty -= k
			moved += k
		}
		if st.qty > 0 {
			kept = append(kept, st)
		}
	}
	if moved > 0 {
		to.qty = moved
		merged := false
		for _, st := range kept {
			if st.status == to.status && st.reason == to.reason && st.tracking == nil && to.tracking == nil {
				st.qty += moved
				merged = true
			}
		}
		if !merged {
			kept = append(kept, to)
		}
	}
	l.statuses = kept
	return moved
}

// Wire shapes of an order as Walmart returns it. Absent optional fields are
// left out rather than sent as null.
type wOrder struct {
	PurchaseOrderID string        `json:"purchaseOrderId"`
	CustomerOrderID string        `json:"customerOrderId"`
	CustomerEmailID string        `json:"customerEmailId"`
	OrderDate       int64         `json:"orderDate"`
	ShippingInfo    wShippingInfo `json:"shippingInfo"`
	OrderLines      struct {
		OrderLine []wLine `json:"orderLine"`
	} `json:"orderLines"`
}

type wShippingInfo struct {
	Phone                 string   `json:"phone,omitempty"`
	EstimatedDeliveryDate int64    `json:"estimatedDeliveryDate,omitempty"`
	EstimatedShipDate     int64    `json:"estimatedShipDate,omitempty"`
	MethodCode            string   `json:"methodCode"`
	PostalAddress         wAddress `json:"postalAddress"`
}

type wAddress struct {
	Name        string `json:"name"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2,omitempty"`
	City        string `json:"city"`
	State       string `json:"state"`
	PostalCode  string `json:"postalCode"`
	Country     string `json:"country"`
	AddressType string `json:"addressType,omitempty"`
}

type wLine struct {
	LineNumber string `json:"lineNumber"`
	Item       struct {
		ProductName string `json:"productName"`
		Sku         string `json:"sku"`
	} `json:"item"`
	Charges struct {
		Charge []wCharge `json:"charge"`
	} `json:"charges"`
	OrderLineQuantity wQuantity `json:"orderLineQuantity"`
	StatusDate        int64     `json:"statusDate"`
	OrderLineStatuses struct {
		OrderLineStatus []wStatus `json:"orderLineStatus"`
	} `json:"orderLineStatuses"`
	Fulfillment struct {
		FulfillmentOption string `json:"fulfillmentOption"`
		ShipMethod        string `json:"shipMethod"`
		PickUpDateTime    int64  `json:"pickUpDateTime,omitempty"`
	} `json:"fulfillment"`
}

type wCharge struct {
	ChargeType   string `json:"chargeType"`
	ChargeName   string `json:"chargeName"`
	ChargeAmount wMoney `json:"chargeAmount"`
	Tax          *struct {
		TaxName   string `json:"taxName"`
		TaxAmount wMoney `json:"taxAmount"`
	} `json:"tax,omitempty"`
}

type wMoney struct {
	Currency string      `json:"currency"`
	Amount   json.Number `json:"amount"`
}

type wQuantity struct {
	UnitOfMeasurement string `json:"unitOfMeasurement"`
	Amount            string `json:"amount"`
}

type wStatus struct {
	Status             string     `json:"status"`
	StatusQuantity     wQuantity  `json:"statusQuantity"`
	CancellationReason string     `json:"cancellationReason,omitempty"`
	TrackingInfo       *wTracking `json:"trackingInfo,omitempty"`
}

type wTracking struct {
	ShipDateTime int64 `json:"shipDateTime"`
	CarrierName  struct {
		Carrier      string `json:"carrier,omitempty"`
		OtherCarrier string `json:"otherCarrier,omitempty"`
	} `json:"carrierName"`
	MethodCode     string `json:"methodCode"`
	TrackingNumber string `json:"trackingNumber"`
	TrackingURL    string `json:"trackingURL,omitempty"`
}

func money(cents int64) wMoney {
	return wMoney{Currency: "USD", Amount: json.Number(domain.FormatCents(cents))}
}

// wire renders the order. Callers hold s.mu.
func (o *order) wire() wOrder {
	w := wOrder{PurchaseOrderID: o.po, CustomerOrderID: o.customerOrderID, CustomerEmailID: o.email,
		OrderDate: o.placed.UnixMilli()}
	w.ShippingInfo = wShippingInfo{Phone: o.phone, MethodCode: o.method, PostalAddress: o.addr}
	if o.shipBy != nil {
		w.ShippingInfo.EstimatedShipDate = o.shipBy.UnixMilli()
		w.ShippingInfo.EstimatedDeliveryDate = o.deliverBy.UnixMilli()
	}
	shipMethod := map[string]string{"Express": "EXPEDITED", "OneDay": "ONE_DAY", "Freight": "FREIGHT",
		"WhiteGlove": "WHITE_GLOVE", "Value": "VALUE"}[o.method]
	if shipMethod == "" {
		shipMethod = "STANDARD"
	}
	for _, l := range o.lines {
		wl := wLine{LineNumber: l.number, StatusDate: l.statusDate.UnixMilli(),
			OrderLineQuantity: wQuantity{UnitOfMeasurement: "EACH", Amount: strconv.Itoa(l.qty)}}
		wl.Item.ProductName, wl.Item.Sku = l.title, l.sku
		ch := wCharge{ChargeType: "PRODUCT", ChargeName: "ItemPrice", ChargeAmount: money(l.price)}
		if l.hasTax {
			ch.Tax = &struct {
				TaxName   string `json:"taxName"`
				TaxAmount wMoney `json:"taxAmount"`
			}{TaxName: "Tax1", TaxAmount: money(l.tax)}
		}
		wl.Charges.Charge = []wCharge{ch}
		for _, st := range l.statuses {
			wl.OrderLineStatuses.OrderLineStatus = append(wl.OrderLineStatuses.OrderLineStatus, wStatus{
				Status: st.status, StatusQuantity: wQuantity{UnitOfMeasurement: "EACH", Amount: strconv.Itoa(st.qty)},
				CancellationReason: st.reason, TrackingInfo: st.tracking})
		}
		wl.Fulfillment.FulfillmentOption, wl.Fulfillment.ShipMethod = "S2H", shipMethod
		if o.deliverBy != nil {
			wl.Fulfillment.PickUpDateTime = o.deliverBy.UnixMilli()
		}
		w.OrderLines.OrderLine = append(w.OrderLines.OrderLine, wl)
	}
	return w
}

// Orders returns every order as GET /v3/orders/{po} would, oldest first.
func (s *Server) Orders() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []json.RawMessage
	for _, o := range s.sorted(false) {
		data, _ := json.Marshal(o.wire())
		out = append(out, data)
	}
	return out
}

// sorted lists orders by order date, newest first when desc. Callers hold s.mu.
func (s *Server) sorted(desc bool) []*order {
	out := make([]*order, 0, len(s.orders))
	for _, o := range s.orders {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b *order) int {
		c := a.placed.Compare(b.placed)
		if c == 0 {
			c = strings.Compare(a.po, b.po)
		}
		if desc {
			return -c
		}
		return c
	})
	return out
}

// handleGetOrder is GET /v3/orders/{purchaseOrderId}.
func (s *Server) handleGetOrder(w http.ResponseWriter, r *http.Request) {
	po := r.PathValue("po")
	s.mu.Lock()
	o, ok := s.orders[po]
	var body any
	if ok {
		body = map[string]wOrder{"order": o.wire()}
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, notFound(gmpOrders, "No order found for purchaseOrderId "+po))
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// Acknowledgement is one POST /v3/orders/{po}/acknowledge the simulator accepted.
type Acknowledgement struct {
	PurchaseOrderID string    `json:"purchaseOrderId"`
	At              time.Time `json:"at"`
	// Lines is how many lines moved from Created to Acknowledged: 0 for a
	// repeat, which is answered 200 with the order unchanged.
	Lines int `json:"lines"`
}

// Acknowledgements lists the acknowledgements accepted, oldest first.
func (s *Server) Acknowledgements() []Acknowledgement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Acknowledgement(nil), s.acks...)
}

// handleAcknowledge is POST /v3/orders/{po}/acknowledge. Acknowledging an
// acknowledged order answers 200 with it unchanged; an order with nothing
// left open (all lines shipped or cancelled) is refused.
func (s *Server) handleAcknowledge(w http.ResponseWriter, r *http.Request) {
	status, body := s.acknowledge(r.PathValue("po"))
	writeJSON(w, status, body)
}

func (s *Server) acknowledge(po string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[po]
	if !ok {
		return http.StatusNotFound, notFound(gmpOrders, "No order found for purchaseOrderId "+po).envelope()
	}
	now := s.now()
	open, moved := 0, 0
	for _, l := range o.lines {
		open += l.count(StatusCreated, StatusAcknowledged)
	}
	if open == 0 {
		return http.StatusBadRequest, badContent(gmpOrders,
			fmt.Sprintf("Unable to process this request. PO: %s has no lines in Created or Acknowledged status", po)).envelope()
	}
	for _, l := range o.lines {
		if n := l.count(StatusCreated); n > 0 {
			l.move(n, []string{StatusCreated}, &lineStatus{status: StatusAcknowledged})
			l.statusDate = now
			moved++
		}
	}
	s.acks = append(s.acks, Acknowledgement{PurchaseOrderID: po, At: now, Lines: moved})
	return http.StatusOK, map[string]wOrder{"order": o.wire()}
}

// Cancellation reasons Walmart accepts from a seller.
var cancelReasons = []string{"CUSTOMER_REQUESTED_SELLER_TO_CANCEL", "SELLER_CANCEL_PRICING_ERROR",
	"SELLER_CANCEL_OUT_OF_STOCK", "SELLER_CANCEL_FRAUD_STOP_SHIPMENT", "SELLER_CANCEL_ADDRESS_NOT_SERVICEABLE"}

// CancelOrder implements sim.Marketplace: every unit not yet shipped is
// cancelled, as when the buyer's cancellation goes through, and the webhook
// target is told (PO_LINE_AUTOCANCELLED).
func (s *Server) CancelOrder(externalID string) error {
	return s.CancelLines(externalID, nil, "CUSTOMER_REQUESTED_SELLER_TO_CANCEL")
}

// CancelLines cancels the open units of the given lines (every line when
// none are named) with a reason.
func (s *Server) CancelLines(po string, lines []string, reason string) error {
	s.mu.Lock()
	o, ok := s.orders[po]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("no purchase order %s", po)
	}
	targets := o.lines
	if len(lines) > 0 {
		targets = nil
		for _, n := range lines {
			l := o.line(n)
			if l == nil {
				s.mu.Unlock()
				return fmt.Errorf("purchase order %s has no line %s", po, n)
			}
			targets = append(targets, l)
		}
	}
	now, moved := s.now(), 0
	for _, l := range targets {
		if n := l.count(StatusCreated, StatusAcknowledged); n > 0 {
			l.move(n, []string{StatusCreated, StatusAcknowledged}, &lineStatus{status: StatusCancelled, reason: reason})
			l.statusDate = now
			moved += n
		}
	}
	if moved == 0 {
		s.mu.Unlock()
		return fmt.Errorf("purchase order %s has nothing left to cancel", po)
	}
	ev := s.orderEvent("PO_LINE_AUTOCANCELLED", o)
	s.mu.Unlock()
	s.emit(ev)
	return nil
}

// Deliver marks every shipped unit of an order Delivered.
func (s *Server) Deliver(po string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[po]
	if !ok {
		return fmt.Errorf("no purchase order %s", po)
	}
	now, moved := s.now(), 0
	for _, l := range o.lines {
		for _, st := range l.statuses {
			if st.status == StatusShipped {
				st.status = StatusDelivered
				l.statusDate = now
				moved++
			}
		}
	}
	if moved == 0 {
		return fmt.Errorf("purchase order %s has nothing shipped", po)
	}
	return nil
}

// handleCancel is POST /v3/orders/{po}/cancel, a seller's cancellation.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OrderCancellation struct {
			OrderLines struct {
				OrderLine []struct {
					LineNumber        string `json:"lineNumber"`
					OrderLineStatuses struct {
						OrderLineStatus []struct {
							Status             string    `json:"status"`
							CancellationReason string    `json:"cancellationReason"`
							StatusQuantity     wQuantity `json:"statusQuantity"`
						} `json:"orderLineStatus"`
					} `json:"orderLineStatuses"`
				} `json:"orderLine"`
			} `json:"orderLines"`
		} `json:"orderCancellation"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, badContent(gmpOrders, "Request body is not valid JSON: "+err.Error()))
		return
	}
	po := r.PathValue("po")
	s.mu.Lock()
	o, ok := s.orders[po]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, notFound(gmpOrders, "No order found for purchaseOrderId "+po))
		return
	}
	type cut struct {
		l      *line
		n      int
		reason string
	}
	var cuts []cut
	reqLines := req.OrderCancellation.OrderLines.OrderLine
	if len(reqLines) == 0 {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, badContent(gmpOrders, "orderCancellation.orderLines.orderLine is required"))
		return
	}
	for _, rl := range reqLines {
		l := o.line(rl.LineNumber)
		if l == nil {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, badContent(gmpOrders,
				fmt.Sprintf("Unable to process this request. The Line: %s of PO: %s doesn't exist", rl.LineNumber, po)))
			return
		}
		for _, st := range rl.OrderLineStatuses.OrderLineStatus {
			n, err := strconv.Atoi(st.StatusQuantity.Amount)
			switch {
			case st.Status != StatusCancelled:
				err = fmt.Errorf("status must be Cancelled, not %q", st.Status)
			case !slices.Contains(cancelReasons, st.CancellationReason):
				err = fmt.Errorf("cancellationReason %q is not valid", st.CancellationReason)
			case err != nil || n <= 0:
				err = fmt.Errorf("statusQuantity.amount %q is not a positive whole number", st.StatusQuantity.Amount)
			case n > l.count(StatusCreated, StatusAcknowledged):
				err = fmt.Errorf("Unable to process this request. The Line: %s of PO: %s doesn't have enough quantity to cancel requested quantity :: Qty requested: %d", l.number, po, n)
			}
			if err != nil {
				s.mu.Unlock()
				writeError(w, http.StatusBadRequest, badContent(gmpOrders, err.Error()))
				return
			}
			cuts = append(cuts, cut{l, n, st.CancellationReason})
		}
	}
	now := s.now()
	for _, c := range cuts {
		c.l.move(c.n, []string{StatusCreated, StatusAcknowledged}, &lineStatus{status: StatusCancelled, reason: c.reason})
		c.l.statusDate = now
	}
	body := map[string]wOrder{"order": o.wire()}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}
