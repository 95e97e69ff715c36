package woocommerce

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/shared/domain"
)

// Order statuses of WooCommerce core.
const (
	StatusPending       = "pending"
	StatusProcessing    = "processing"
	StatusOnHold        = "on-hold"
	StatusCompleted     = "completed"
	StatusCancelled     = "cancelled"
	StatusRefunded      = "refunded"
	StatusFailed        = "failed"
	StatusTrash         = "trash"
	StatusCheckoutDraft = "checkout-draft"
)

// editableStatuses are the values the REST API accepts for an order's status.
func editableStatuses() []string {
	return []string{StatusPending, StatusProcessing, StatusOnHold, StatusCompleted, StatusCancelled,
		StatusRefunded, StatusFailed, StatusCheckoutDraft}
}

func editable(status string) bool {
	for _, v := range editableStatuses() {
		if v == status {
			return true
		}
	}
	return false
}

func knownStatus(s string) bool { return editable(s) || s == StatusTrash }

// Address is a billing or shipping address as WooCommerce stores it; blank
// fields stay "". Email is used for billing only.
type Address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

// OrderInput is an order a simulated buyer places, in WooCommerce's terms.
type OrderInput struct {
	// Status is the order's status after checkout; processing (paid) when empty.
	Status  string  `json:"status"`
	Billing Address `json:"billing"`
	// Shipping is the ship-to address; nil leaves every field "" (virtual
	// goods, or "ship to billing address").
	Shipping *Address    `json:"shipping"`
	Lines    []LineInput `json:"lines"`
	// ShippingMethod is the shipping line's method_id (flat_rate,
	// free_shipping, local_pickup …); empty means no shipping line.
	ShippingMethod string `json:"shipping_method"`
	ShippingTitle  string `json:"shipping_title"`
	// ShippingTotal is a decimal string; "0.00" when empty.
	ShippingTotal string `json:"shipping_total"`
	CustomerNote  string `json:"customer_note"`
	// PlacedAt is when the order was placed; the store's clock when zero.
	PlacedAt time.Time `json:"placed_at"`
}

// LineInput is a line of an OrderInput. The product is found by SKU among
// products and variations, or named by ProductID (and VariationID); a line
// shows the product's current SKU, "" for a product without one.
type LineInput struct {
	SKU         string `json:"sku"`
	ProductID   int64  `json:"product_id"`
	VariationID int64  `json:"variation_id"`
	Name        string `json:"name"`
	Quantity    int    `json:"quantity"`
	// UnitPrice is a decimal string.
	UnitPrice string `json:"unit_price"`
	// Total is the line total after discounts; UnitPrice × Quantity when empty.
	Total string `json:"total"`
}

// ProductInput is a product to create: simple when it has no Variations,
// variable otherwise.
type ProductInput struct {
	Name  string `json:"name"`
	SKU   string `json:"sku"`
	Price string `json:"price"`
	// Unmanaged turns stock management off (stock_quantity is null).
	Unmanaged     bool             `json:"unmanaged"`
	StockQuantity int              `json:"stock_quantity"`
	Variations    []VariationInput `json:"variations"`
}

// VariationInput is a variation of a variable product.
type VariationInput struct {
	SKU           string `json:"sku"`
	Price         string `json:"price"`
	Unmanaged     bool   `json:"unmanaged"`
	StockQuantity int    `json:"stock_quantity"`
	// Attributes name the variation, e.g. {"Color": "Green"}.
	Attributes map[string]string `json:"attributes"`
}

// ProductIDs are the ids a created product received.
type ProductIDs struct {
	ID           int64   `json:"id"`
	VariationIDs []int64 `json:"variation_ids"`
}

type order struct {
	id             int64
	key            string
	status         string
	currency       string
	created        time.Time
	modified       time.Time
	paid           *time.Time
	completed      *time.Time
	billing        Address
	shipping       Address
	lines          []lineItem
	shippingLineID int64
	shippingMethod string
	shippingTitle  string
	shippingTotal  int64
	customerNote   string
	stockReduced   bool
}

type lineItem struct {
	id          int64
	productID   int64
	variationID int64
	name        string
	sku         string // used when the product is unknown
	quantity    int
	subtotal    int64
	total       int64
}

type attribute struct{ name, option string }

type product struct {
	id          int64
	parentID    int64
	typ         string // simple, variable, variation
	name        string
	sku         string
	price       int64
	manageStock bool
	stock       int
	variations  []int64
	attributes  []attribute
	created     time.Time
	modified    time.Time
}

type note struct {
	id       int64
	orderID  int64
	text     string
	customer bool
	byUser   bool
	created  time.Time
}

// productBySKU finds a product or variation by exact SKU. Caller holds s.mu.
func (s *Server) productBySKU(sku string) *product {
	if sku == "" {
		return nil
	}
	for _, id := range s.prodIDs {
		if p := s.products[id]; p.sku == sku {
			return p
		}
	}
	return nil
}

func (s *Server) newPostID() int64 {
	s.nextPost++
	return s.nextPost
}

// addProduct creates a product and its variations. Caller holds s.mu.
func (s *Server) addProduct(in ProductInput) (ProductIDs, error) {
	if strings.TrimSpace(in.Name) == "" {
		in.Name = in.SKU
	}
	if in.Name == "" {
		return ProductIDs{}, errors.New("a product needs a name or a SKU")
	}
	skus := map[string]bool{}
	for _, sku := range append([]string{in.SKU}, variationSKUs(in.Variations)...) {
		if sku == "" {
			continue
		}
		if skus[sku] || s.productBySKU(sku) != nil {
			return ProductIDs{}, fmt.Errorf("invalid or duplicated SKU %q", sku)
		}
		skus[sku] = true
	}
	price, err := priceOf(in.Price)
	if err != nil {
		return ProductIDs{}, err
	}
	now := s.now()
	p := &product{id: s.newPostID(), typ: "simple", name: in.Name, sku: in.SKU, price: price,
		manageStock: !in.Unmanaged, created: now, modified: now}
	if !in.Unmanaged {
		p.stock = in.StockQuantity
	}
	out := ProductIDs{ID: p.id, VariationIDs: []int64{}}
	var vars []*product
	if len(in.Variations) > 0 {
		p.typ = "variable"
		p.manageStock, p.stock = false, 0
		for _, v := range in.Variations {
			vp, err := priceOf(v.Price)
			if err != nil {
				return ProductIDs{}, err
			}
			if vp == 0 {
				vp = price
			}
			pv := &product{id: s.newPostID(), parentID: p.id, typ: "variation", name: p.name, sku: v.SKU, price: vp,
				manageStock: !v.Unmanaged, created: now, modified: now}
			if !v.Unmanaged {
				pv.stock = v.StockQuantity
			}
			for _, k := range sortedKeys(v.Attributes) {
				pv.attributes = append(pv.attributes, attribute{k, v.Attributes[k]})
			}
			p.variations = append(p.variations, pv.id)
			out.VariationIDs = append(out.VariationIDs, pv.id)
			vars = append(vars, pv)
		}
	}
	for _, q := range append([]*product{p}, vars...) {
		s.products[q.id] = q
		s.prodIDs = append(s.prodIDs, q.id)
	}
	return out, nil
}

func variationSKUs(vs []VariationInput) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.SKU
	}
	return out
}

func priceOf(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	c, err := domain.ParseCents(s)
	if err != nil {
		return 0, fmt.Errorf("price: %w", err)
	}
	return c, nil
}

// addOrder places an order. Caller holds s.mu.
func (s *Server) addOrder(in OrderInput) (*order, error) {
	if in.Status == "" {
		in.Status = StatusProcessing
	}
	if !knownStatus(in.Status) {
		return nil, fmt.Errorf("unknown order status %q", in.Status)
	}
	if len(in.Lines) == 0 {
		return nil, errors.New("an order needs at least one line")
	}
	now := s.now()
	placed := now
	if !in.PlacedAt.IsZero() {
		placed = in.PlacedAt.Truncate(time.Second)
	}
	o := &order{id: s.newPostID(), currency: s.opts.Currency, created: placed, modified: placed,
		billing: in.Billing, customerNote: in.CustomerNote, shippingMethod: in.ShippingMethod, shippingTitle: in.ShippingTitle}
	if in.Shipping != nil {
		o.shipping = *in.Shipping
		o.shipping.Email = ""
	}
	o.key = "wc_order_" + hexDigest(fmt.Sprint(o.id, placed.UnixNano()))[:13]
	for i, l := range in.Lines {
		if l.Quantity <= 0 {
			return nil, fmt.Errorf("line %d: quantity must be positive", i+1)
		}
		unit, err := domain.ParseCents(l.UnitPrice)
		if err != nil {
			return nil, fmt.Errorf("line %d: unit price: %w", i+1, err)
		}
		li := lineItem{productID: l.ProductID, variationID: l.VariationID, name: l.Name, sku: l.SKU,
			quantity: l.Quantity, subtotal: unit * int64(l.Quantity)}
		li.total = li.subtotal
		if l.Total != "" {
			if li.total, err = domain.ParseCents(l.Total); err != nil {
				return nil, fmt.Errorf("line %d: total: %w", i+1, err)
			}
		}
		if li.productID == 0 {
			if p := s.productBySKU(l.SKU); p != nil {
				if p.typ == "variation" {
					li.productID, li.variationID = p.parentID, p.id
				} else {
					li.productID = p.id
				}
			}
		}
		if li.name == "" {
			li.name = s.lineName(li)
		}
		if li.name == "" {
			li.name = l.SKU
		}
		s.nextItem++
		li.id = s.nextItem
		o.lines = append(o.lines, li)
	}
	if o.shippingMethod != "" {
		s.nextItem++
		o.shippingLineID = s.nextItem
		if o.shippingTitle == "" {
			o.shippingTitle = methodTitle(o.shippingMethod)
		}
	}
	if in.ShippingTotal != "" {
		t, err := domain.ParseCents(in.ShippingTotal)
		if err != nil {
			return nil, fmt.Errorf("shipping total: %w", err)
		}
		o.shippingTotal = t
	}
	s.orders[o.id] = o
	s.orderIDs = append(s.orderIDs, o.id)
	s.setStatus(o, in.Status, placed)
	return o, nil
}

// lineName is how WooCommerce names a line: the product's name, and for a
// variation its attribute values.
func (s *Server) lineName(li lineItem) string {
	if v, ok := s.products[li.variationID]; ok {
		opts := make([]string, len(v.attributes))
		for i, a := range v.attributes {
			opts[i] = a.option
		}
		if len(opts) == 0 {
			return v.name
		}
		return v.name + " - " + strings.Join(opts, ", ")
	}
	if p, ok := s.products[li.productID]; ok {
		return p.name
	}
	return ""
}

func methodTitle(id string) string {
	switch id {
	case "flat_rate":
		return "Flat rate"
	case "free_shipping":
		return "Free shipping"
	case "local_pickup":
		return "Local pickup"
	}
	return strings.ReplaceAll(id, "_", " ")
}

// setStatus moves an order to a status as WooCommerce does: paid and
// completed dates, stock reduced when the order becomes paid (processing,
// on-hold, completed) and restored when it is cancelled or back to pending.
// Caller holds s.mu. It reports whether anything changed.
func (s *Server) setStatus(o *order, status string, at time.Time) bool {
	if o.status == status {
		return false
	}
	o.status = status
	o.modified = at
	switch status {
	case StatusProcessing, StatusCompleted:
		if o.paid == nil {
			t := at
			o.paid = &t
		}
	}
	if status == StatusCompleted && o.completed == nil {
		t := at
		o.completed = &t
	}
	switch status {
	case StatusProcessing, StatusOnHold, StatusCompleted:
		if !o.stockReduced {
			s.moveStock(o, -1)
			o.stockReduced = true
		}
	case StatusCancelled, StatusPending:
		if o.stockReduced {
			s.moveStock(o, +1)
			o.stockReduced = false
		}
	}
	return true
}

func (s *Server) moveStock(o *order, sign int) {
	for _, l := range o.lines {
		p := s.products[l.variationID]
		if p == nil || !p.manageStock {
			p = s.products[l.productID]
		}
		if p != nil && p.manageStock {
			p.stock += sign * l.quantity
			p.modified = o.modified
		}
	}
}

func hexDigest(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
