package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// wcTime is WooCommerce's date format: no offset (the _gmt fields are UTC).
const wcTime = "2006-01-02T15:04:05"

// FetchOrders implements channel.Connector.
func (k *Connector) FetchOrders(ctx context.Context, c channel.Conn, since time.Time) ([]channel.Order, time.Time, error) {
	until := k.now().UTC()
	q := url.Values{"dates_are_gmt": {"true"}, "orderby": {"id"}, "order": {"asc"}, "dp": {"2"}}
	if !since.IsZero() {
		// modified_after is exclusive and to the second.
		q.Set("modified_after", since.UTC().Truncate(time.Second).Add(-time.Second).Format(wcTime))
	}
	var orders []channel.Order
	seen := map[string]bool{}
	err := k.eachPage(ctx, c, "/orders", q, func(page int, items []json.RawMessage) error {
		for i, raw := range items {
			o, err := parseOrder(raw)
			if err != nil {
				return fmt.Errorf("woocommerce: GET /orders page %d, order %d of the page: %w", page, i+1, err)
			}
			if !seen[o.ExternalID] {
				seen[o.ExternalID] = true
				orders = append(orders, o)
			}
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return orders, until, nil
}

// FetchOrder implements channel.Connector.
func (k *Connector) FetchOrder(ctx context.Context, c channel.Conn, externalID string) (channel.Order, error) {
	id, err := orderID(externalID)
	if err != nil {
		return channel.Order{}, err
	}
	path := "/orders/" + id
	r, err := k.do(ctx, c, "GET", path, url.Values{"dp": {"2"}}, nil)
	if err != nil {
		return channel.Order{}, err
	}
	o, err := parseOrder(r.body)
	if err != nil {
		return channel.Order{}, fmt.Errorf("woocommerce: GET %s: %w", path, err)
	}
	return o, nil
}

// orderID checks that an external id is a WooCommerce order id.
func orderID(externalID string) (string, error) {
	n, err := strconv.ParseInt(externalID, 10, 64)
	if err != nil || n <= 0 {
		return "", fmt.Errorf("woocommerce: %q is not a WooCommerce order id (a positive integer)", externalID)
	}
	return strconv.FormatInt(n, 10), nil
}

// eachPage GETs every page of a list (per_page as configured) and hands
// each to fn, until X-WP-TotalPages (or, when a proxy dropped the header,
// a short page) says it was the last.
func (k *Connector) eachPage(ctx context.Context, c channel.Conn, path string, query url.Values,
	fn func(page int, items []json.RawMessage) error) error {
	const maxPages = 10000
	q := url.Values{}
	for name, vs := range query {
		q[name] = vs
	}
	q.Set("per_page", strconv.Itoa(k.perPage))
	for page := 1; page <= maxPages; page++ {
		q.Set("page", strconv.Itoa(page))
		r, err := k.do(ctx, c, "GET", path, q, nil)
		if err != nil {
			return err
		}
		var items []json.RawMessage
		if err := json.Unmarshal(r.body, &items); err != nil {
			return fmt.Errorf("woocommerce: GET %s page %d: malformed answer, not a JSON array: %w (%s)",
				path, page, err, snippet(r.body))
		}
		if err := fn(page, items); err != nil {
			return err
		}
		last := len(items) < k.perPage
		if v := r.header.Get("X-WP-TotalPages"); v != "" {
			pages, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || pages < 0 {
				return fmt.Errorf("woocommerce: GET %s page %d: malformed X-WP-TotalPages header %q", path, page, v)
			}
			last = page >= pages
		}
		if last || len(items) == 0 {
			return nil
		}
	}
	return fmt.Errorf("woocommerce: GET %s: more than %d pages", path, maxPages)
}

// flexString decodes a JSON string, a number (as its literal text) or null ("").
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case len(b) > 0 && (b[0] == '-' || ('0' <= b[0] && b[0] <= '9')):
		*f = flexString(b)
	default:
		return fmt.Errorf("expected a string or a number, got %s", snippet(b))
	}
	return nil
}

type wcAddress struct {
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

// UnmarshalJSON accepts null and PHP's empty array [] as a blank address.
func (a *wcAddress) UnmarshalJSON(b []byte) error {
	if s := strings.TrimSpace(string(b)); s == "null" || s == "[]" {
		*a = wcAddress{}
		return nil
	}
	type plain wcAddress
	return json.Unmarshal(b, (*plain)(a))
}

func (a wcAddress) blank() bool {
	return a.Address1 == "" && a.Address2 == "" && a.City == "" && a.Postcode == "" && a.Country == ""
}

func (a wcAddress) name() string { return strings.TrimSpace(a.FirstName + " " + a.LastName) }

type wcLine struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	ProductID   int64      `json:"product_id"`
	VariationID int64      `json:"variation_id"`
	Quantity    int        `json:"quantity"`
	SKU         flexString `json:"sku"`
	Total       flexString `json:"total"`
}

type wcShippingLine struct {
	MethodID string `json:"method_id"`
}

type wcOrder struct {
	ID              int64            `json:"id"`
	Number          flexString       `json:"number"`
	Status          string           `json:"status"`
	Currency        string           `json:"currency"`
	DateCreatedGMT  *string          `json:"date_created_gmt"`
	DateModifiedGMT *string          `json:"date_modified_gmt"`
	CustomerNote    string           `json:"customer_note"`
	Billing         wcAddress        `json:"billing"`
	Shipping        wcAddress        `json:"shipping"`
	LineItems       []wcLine         `json:"line_items"`
	ShippingLines   []wcShippingLine `json:"shipping_lines"`
}

// parseOrder normalizes one order. Any field it needs that is missing or of
// the wrong type is an error naming the order and the field.
func parseOrder(raw []byte) (channel.Order, error) {
	var w wcOrder
	if err := json.Unmarshal(raw, &w); err != nil {
		var head struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(raw, &head) == nil && len(head.ID) > 0 {
			return channel.Order{}, fmt.Errorf("malformed order %s: %w", head.ID, err)
		}
		return channel.Order{}, fmt.Errorf("malformed order: %w (%s)", err, snippet(raw))
	}
	if w.ID <= 0 {
		return channel.Order{}, fmt.Errorf("malformed order: no id (%s)", snippet(raw))
	}
	bad := func(format string, args ...any) (channel.Order, error) {
		return channel.Order{}, fmt.Errorf("malformed order %d: %s", w.ID, fmt.Sprintf(format, args...))
	}
	if w.Status == "" {
		return bad("no status")
	}
	placed, ok, err := gmtTime(w.DateCreatedGMT)
	if err != nil {
		return bad("date_created_gmt: %v", err)
	}
	if !ok {
		return bad("no date_created_gmt")
	}
	modified, ok, err := gmtTime(w.DateModifiedGMT)
	if err != nil {
		return bad("date_modified_gmt: %v", err)
	}
	if !ok {
		modified = placed
	}
	status := mapStatus(w.Status)
	o := channel.Order{ExternalID: strconv.FormatInt(w.ID, 10), DisplayNumber: string(w.Number), Status: status,
		CustomerName: w.Billing.name(), CustomerEmail: w.Billing.Email, PlacedAt: placed, ModifiedAt: modified,
		Currency: w.Currency, Notes: w.CustomerNote, Lines: make([]channel.Line, 0, len(w.LineItems))}
	if o.DisplayNumber == "" {
		o.DisplayNumber = o.ExternalID
	}
	if o.CustomerName == "" {
		o.CustomerName = w.Shipping.name()
	}
	o.ShipTo = shipTo(w.Shipping, w.Billing)
	if len(w.ShippingLines) > 0 {
		o.ServiceLevel = w.ShippingLines[0].MethodID
	}
	for i, l := range w.LineItems {
		line, err := parseLine(l, status == channel.OrderCancelled)
		if err != nil {
			return bad("line_items[%d]: %v", i, err)
		}
		o.Lines = append(o.Lines, line)
	}
	return o, nil
}

func parseLine(l wcLine, cancelled bool) (channel.Line, error) {
	if l.ID <= 0 {
		return channel.Line{}, errors.New("no id")
	}
	if l.Quantity <= 0 {
		return channel.Line{}, fmt.Errorf("line %d: quantity %d is not positive", l.ID, l.Quantity)
	}
	total, err := domain.ParseCents(string(l.Total))
	if err != nil {
		return channel.Line{}, fmt.Errorf("line %d: total %q: %w", l.ID, string(l.Total), err)
	}
	sku := string(l.SKU)
	if sku == "" {
		sku = "wc:" + strconv.FormatInt(l.ProductID, 10)
		if l.VariationID > 0 {
			sku += ":" + strconv.FormatInt(l.VariationID, 10)
		}
	}
	return channel.Line{ChannelLineID: strconv.FormatInt(l.ID, 10), ChannelSKU: sku, Title: l.Name,
		Quantity: l.Quantity, UnitPriceCents: divRound(total, int64(l.Quantity)), Cancelled: cancelled}, nil
}

// divRound divides exactly in integers, rounding half away from zero.
func divRound(a, b int64) int64 {
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	if 2*r >= b {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// gmtTime parses a _gmt field: UTC without an offset (an offset, if a
// plugin adds one, is honoured). ok is false for null or "".
func gmtTime(s *string) (t time.Time, ok bool, err error) {
	if s == nil || *s == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.ParseInLocation(wcTime, *s, time.UTC); err == nil {
		return t, true, nil
	}
	if t, err := time.Parse(time.RFC3339, *s); err == nil {
		return t.UTC(), true, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date like 2026-03-14T14:12:44", *s)
}

// mapStatus normalizes a WooCommerce order status.
func mapStatus(s string) string {
	switch s {
	case "processing":
		return channel.OrderReady
	case "completed":
		return channel.OrderShipped
	case "cancelled", "failed", "trash", "refunded":
		return channel.OrderCancelled
	}
	// pending, on-hold, checkout-draft and statuses added by plugins.
	return channel.OrderPending
}

// shipTo is the shipping address, or the billing one when shipping is blank
// (virtual goods, "ship to billing address").
func shipTo(ship, bill wcAddress) api.Address {
	a := ship
	if ship.blank() {
		a = bill
	}
	out := api.Address{Name: a.name(), Company: a.Company, Line1: a.Address1, Line2: a.Address2, City: a.City,
		Region: a.State, PostalCode: a.Postcode, Country: a.Country, Phone: a.Phone, Email: bill.Email}
	if out.Name == "" {
		out.Name = bill.name()
	}
	if out.Phone == "" {
		out.Phone = bill.Phone
	}
	return out
}
