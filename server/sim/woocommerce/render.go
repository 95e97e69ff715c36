package woocommerce

import (
	"strings"
	"time"

	"github.com/manifold-oms/manifold/shared/domain"
)

// wcTime is WooCommerce's date format: no offset, in the store's zone for
// the plain fields and in UTC for the _gmt twins.
const wcTime = "2006-01-02T15:04:05"

func (s *Server) local(t time.Time) string { return t.In(s.opts.Timezone).Format(wcTime) }

func gmt(t time.Time) string { return t.UTC().Format(wcTime) }

func (s *Server) localPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := s.local(*t)
	return &v
}

func gmtPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := gmt(*t)
	return &v
}

type link struct {
	Href string `json:"href"`
}

type links struct {
	Self       []link `json:"self"`
	Collection []link `json:"collection"`
	Up         []link `json:"up,omitempty"`
}

type billingJSON struct {
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

type shippingJSON struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Phone     string `json:"phone"`
}

type metaJSON struct {
	ID           int64  `json:"id"`
	Key          string `json:"key"`
	Value        string `json:"value"`
	DisplayKey   string `json:"display_key"`
	DisplayValue string `json:"display_value"`
}

type imageJSON struct {
	ID  string `json:"id"`
	Src string `json:"src"`
}

type lineJSON struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	ProductID   int64      `json:"product_id"`
	VariationID int64      `json:"variation_id"`
	Quantity    int        `json:"quantity"`
	TaxClass    string     `json:"tax_class"`
	Subtotal    string     `json:"subtotal"`
	SubtotalTax string     `json:"subtotal_tax"`
	Total       string     `json:"total"`
	TotalTax    string     `json:"total_tax"`
	Taxes       []any      `json:"taxes"`
	MetaData    []metaJSON `json:"meta_data"`
	SKU         string     `json:"sku"`
	Price       float64    `json:"price"`
	Image       imageJSON  `json:"image"`
	ParentName  *string    `json:"parent_name"`
}

type shippingLineJSON struct {
	ID          int64  `json:"id"`
	MethodTitle string `json:"method_title"`
	MethodID    string `json:"method_id"`
	InstanceID  string `json:"instance_id"`
	Total       string `json:"total"`
	TotalTax    string `json:"total_tax"`
	Taxes       []any  `json:"taxes"`
	MetaData    []any  `json:"meta_data"`
}

type refundJSON struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
	Total  string `json:"total"`
}

type orderJSON struct {
	ID                 int64              `json:"id"`
	ParentID           int64              `json:"parent_id"`
	Status             string             `json:"status"`
	Currency           string             `json:"currency"`
	Version            string             `json:"version"`
	PricesIncludeTax   bool               `json:"prices_include_tax"`
	DateCreated        string             `json:"date_created"`
	DateModified       string             `json:"date_modified"`
	DiscountTotal      string             `json:"discount_total"`
	DiscountTax        string             `json:"discount_tax"`
	ShippingTotal      string             `json:"shipping_total"`
	ShippingTax        string             `json:"shipping_tax"`
	CartTax            string             `json:"cart_tax"`
	Total              string             `json:"total"`
	TotalTax           string             `json:"total_tax"`
	CustomerID         int64              `json:"customer_id"`
	OrderKey           string             `json:"order_key"`
	Billing            billingJSON        `json:"billing"`
	Shipping           shippingJSON       `json:"shipping"`
	PaymentMethod      string             `json:"payment_method"`
	PaymentMethodTitle string             `json:"payment_method_title"`
	TransactionID      string             `json:"transaction_id"`
	CustomerIPAddress  string             `json:"customer_ip_address"`
	CustomerUserAgent  string             `json:"customer_user_agent"`
	CreatedVia         string             `json:"created_via"`
	CustomerNote       string             `json:"customer_note"`
	DateCompleted      *string            `json:"date_completed"`
	DatePaid           *string            `json:"date_paid"`
	CartHash           string             `json:"cart_hash"`
	Number             string             `json:"number"`
	MetaData           []any              `json:"meta_data"`
	LineItems          []lineJSON         `json:"line_items"`
	TaxLines           []any              `json:"tax_lines"`
	ShippingLines      []shippingLineJSON `json:"shipping_lines"`
	FeeLines           []any              `json:"fee_lines"`
	CouponLines        []any              `json:"coupon_lines"`
	Refunds            []refundJSON       `json:"refunds"`
	PaymentURL         string             `json:"payment_url"`
	IsEditable         bool               `json:"is_editable"`
	NeedsPayment       bool               `json:"needs_payment"`
	NeedsProcessing    bool               `json:"needs_processing"`
	DateCreatedGMT     string             `json:"date_created_gmt"`
	DateModifiedGMT    string             `json:"date_modified_gmt"`
	DateCompletedGMT   *string            `json:"date_completed_gmt"`
	DatePaidGMT        *string            `json:"date_paid_gmt"`
	CurrencySymbol     string             `json:"currency_symbol"`
	Links              links              `json:"_links"`
}

// orderJSON renders an order as GET /orders/{id} does. Caller holds s.mu.
func (s *Server) orderJSON(o *order) orderJSON {
	api := s.opts.SiteURL + "/wp-json/wc/v3"
	out := orderJSON{ID: o.id, Status: o.status, Currency: o.currency, Version: "9.8.0",
		DateCreated: s.local(o.created), DateModified: s.local(o.modified),
		DiscountTotal: "0.00", DiscountTax: "0.00", ShippingTotal: domain.FormatCents(o.shippingTotal),
		ShippingTax: "0.00", CartTax: "0.00", TotalTax: "0.00", OrderKey: o.key,
		Billing:       billingJSON(o.billing),
		Shipping:      shippingJSON{o.shipping.FirstName, o.shipping.LastName, o.shipping.Company, o.shipping.Address1, o.shipping.Address2, o.shipping.City, o.shipping.State, o.shipping.Postcode, o.shipping.Country, o.shipping.Phone},
		PaymentMethod: "bacs", PaymentMethodTitle: "Direct bank transfer", CreatedVia: "checkout",
		CustomerUserAgent: "", CustomerNote: o.customerNote,
		DateCompleted: s.localPtr(o.completed), DatePaid: s.localPtr(o.paid), Number: idString(o.id),
		MetaData: []any{}, LineItems: []lineJSON{}, TaxLines: []any{}, ShippingLines: []shippingLineJSON{},
		FeeLines: []any{}, CouponLines: []any{}, Refunds: []refundJSON{},
		PaymentURL: s.opts.SiteURL + "/checkout/order-pay/" + idString(o.id) + "/?pay_for_order=true&key=" + o.key,
		IsEditable: o.status == StatusPending || o.status == StatusOnHold, NeedsPayment: o.status == StatusPending,
		NeedsProcessing: true, DateCreatedGMT: gmt(o.created), DateModifiedGMT: gmt(o.modified),
		DateCompletedGMT: gmtPtr(o.completed), DatePaidGMT: gmtPtr(o.paid), CurrencySymbol: currencySymbol(o.currency),
		Links: links{Self: []link{{api + "/orders/" + idString(o.id)}}, Collection: []link{{api + "/orders"}}}}
	total := o.shippingTotal
	for _, l := range o.lines {
		total += l.total
		lj := lineJSON{ID: l.id, Name: l.name, ProductID: l.productID, VariationID: l.variationID, Quantity: l.quantity,
			Subtotal: domain.FormatCents(l.subtotal), SubtotalTax: "0.00", Total: domain.FormatCents(l.total),
			TotalTax: "0.00", Taxes: []any{}, MetaData: []metaJSON{}, SKU: l.sku,
			// WooCommerce's one float: the line total over the quantity.
			Price: float64(l.total) / 100 / float64(l.quantity), Image: imageJSON{ID: "", Src: ""}}
		if p, ok := s.products[l.productID]; ok {
			lj.SKU = p.sku
		}
		if v, ok := s.products[l.variationID]; ok {
			lj.SKU = v.sku
			parent := v.name
			lj.ParentName = &parent
			for i, a := range v.attributes {
				lj.MetaData = append(lj.MetaData, metaJSON{ID: l.id*10 + int64(i), Key: "pa_" + strings.ToLower(a.name),
					Value: strings.ToLower(a.option), DisplayKey: a.name, DisplayValue: a.option})
			}
		}
		out.LineItems = append(out.LineItems, lj)
	}
	out.Total = domain.FormatCents(total)
	if o.shippingLineID != 0 {
		out.ShippingLines = append(out.ShippingLines, shippingLineJSON{ID: o.shippingLineID, MethodTitle: o.shippingTitle,
			MethodID: o.shippingMethod, InstanceID: "1", Total: domain.FormatCents(o.shippingTotal), TotalTax: "0.00",
			Taxes: []any{}, MetaData: []any{}})
	}
	if o.status == StatusRefunded {
		out.Refunds = append(out.Refunds, refundJSON{ID: o.id + 100000, Total: "-" + out.Total})
	}
	return out
}

func currencySymbol(c string) string {
	switch c {
	case "USD", "CAD", "AUD":
		return "$"
	case "EUR":
		return "€"
	case "GBP":
		return "£"
	}
	return c
}

type attributeJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Option string `json:"option"`
}

// productJSON is a product (or, in a SKU search, a variation) as GET
// /products renders it.
type productJSON struct {
	ID              int64           `json:"id"`
	Name            string          `json:"name"`
	Slug            string          `json:"slug"`
	Permalink       string          `json:"permalink"`
	DateCreated     string          `json:"date_created"`
	DateCreatedGMT  string          `json:"date_created_gmt"`
	DateModified    string          `json:"date_modified"`
	DateModifiedGMT string          `json:"date_modified_gmt"`
	Type            string          `json:"type"`
	Status          string          `json:"status"`
	SKU             string          `json:"sku"`
	Price           string          `json:"price"`
	RegularPrice    string          `json:"regular_price"`
	SalePrice       string          `json:"sale_price"`
	ManageStock     any             `json:"manage_stock"`
	StockQuantity   *int            `json:"stock_quantity"`
	StockStatus     string          `json:"stock_status"`
	Backorders      string          `json:"backorders"`
	ParentID        int64           `json:"parent_id"`
	Attributes      []attributeJSON `json:"attributes"`
	Variations      []int64         `json:"variations"`
	Links           links           `json:"_links"`
}

// productJSON renders a product or variation. Caller holds s.mu.
func (s *Server) productJSON(p *product) productJSON {
	api := s.opts.SiteURL + "/wp-json/wc/v3"
	slug := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(p.name), " ", "-"))
	out := productJSON{ID: p.id, Name: p.name, Slug: slug, Permalink: s.opts.SiteURL + "/product/" + slug + "/",
		DateCreated: s.local(p.created), DateCreatedGMT: gmt(p.created), DateModified: s.local(p.modified),
		DateModifiedGMT: gmt(p.modified), Type: p.typ, Status: "publish", SKU: p.sku,
		Price: domain.FormatCents(p.price), RegularPrice: domain.FormatCents(p.price), SalePrice: "",
		Backorders: "no", ParentID: p.parentID, Attributes: []attributeJSON{}, Variations: []int64{},
		Links: links{Self: []link{{api + "/products/" + idString(p.id)}}, Collection: []link{{api + "/products"}}}}
	out.ManageStock, out.StockQuantity, out.StockStatus = s.stockOf(p)
	if p.typ == "variation" {
		out.Permalink = s.opts.SiteURL + "/product/" + slug + "/?variation=" + idString(p.id)
		out.Links = links{Self: []link{{api + "/products/" + idString(p.parentID) + "/variations/" + idString(p.id)}},
			Collection: []link{{api + "/products/" + idString(p.parentID) + "/variations"}},
			Up:         []link{{api + "/products/" + idString(p.parentID)}}}
		for i, a := range p.attributes {
			out.Attributes = append(out.Attributes, attributeJSON{ID: int64(i + 1), Name: a.name, Option: a.option})
		}
	}
	out.Variations = append(out.Variations, p.variations...)
	return out
}

// stockOf is what a product shows: manage_stock (true, false, or "parent"
// for a variation whose parent manages stock), stock_quantity (null when
// nothing manages it) and the derived stock_status.
func (s *Server) stockOf(p *product) (any, *int, string) {
	managed, qty := any(p.manageStock), p.stock
	if !p.manageStock {
		parent, ok := s.products[p.parentID]
		if p.typ != "variation" || !ok || !parent.manageStock {
			return false, nil, "instock"
		}
		managed, qty = "parent", parent.stock
	}
	status := "outofstock"
	if qty > 0 {
		status = "instock"
	}
	return managed, &qty, status
}

type noteJSON struct {
	ID             int64  `json:"id"`
	Author         string `json:"author"`
	DateCreated    string `json:"date_created"`
	DateCreatedGMT string `json:"date_created_gmt"`
	Note           string `json:"note"`
	CustomerNote   bool   `json:"customer_note"`
	AddedByUser    bool   `json:"added_by_user"`
	Links          links  `json:"_links"`
}

func (s *Server) noteJSON(n *note) noteJSON {
	api := s.opts.SiteURL + "/wp-json/wc/v3/orders/" + idString(n.orderID)
	author := "system"
	if n.byUser {
		author = "shop_manager"
	}
	return noteJSON{ID: n.id, Author: author, DateCreated: s.local(n.created), DateCreatedGMT: gmt(n.created),
		Note: n.text, CustomerNote: n.customer, AddedByUser: n.byUser,
		Links: links{Self: []link{{api + "/notes/" + idString(n.id)}}, Collection: []link{{api + "/notes"}},
			Up: []link{{api}}}}
}
