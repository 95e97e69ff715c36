package amazon

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

const ordersPath = "/orders/v0/orders"

// windowLag is how far before now a getOrders window must end; skew keeps
// our clock running slightly ahead of Amazon's from breaking that rule.
const (
	windowLag  = 2 * time.Minute
	windowSkew = 10 * time.Second
)

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *client) ordersQuery() url.Values {
	return url.Values{"MarketplaceIds": {s.marketplace}}
}

// FetchOrders implements channel.Connector: every merchant-fulfilled order
// last updated in [since, now−2 min], all pages, read with a restricted data
// token so names and addresses come back, then each order's items. The
// returned watermark is the LastUpdatedBefore Amazon echoes.
func (c *Connector) FetchOrders(ctx context.Context, conn channel.Conn, since time.Time) ([]channel.Order, time.Time, error) {
	s, err := c.open(conn)
	if err != nil {
		return nil, since, err
	}
	now := c.now()
	before := now.Add(-windowLag - windowSkew).Truncate(time.Second)
	since = since.UTC()
	if !since.Before(before) {
		return nil, since, nil // the window is still too recent for Amazon to answer
	}
	q := s.ordersQuery()
	q.Set("LastUpdatedAfter", iso(since))
	q.Set("LastUpdatedBefore", iso(before))
	q.Set("FulfillmentChannels", "MFN")
	q.Set("MaxResultsPerPage", strconv.Itoa(c.pageSize))

	until := before
	var orders []channel.Order
	index := map[string]int{}
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return nil, since, err
		}
		var out ordersResponse
		if err := s.do(ctx, request{op: opGetOrders, method: "GET", path: ordersPath, query: q, token: tokenRDT}, &out); err != nil {
			return nil, since, err
		}
		if out.Payload == nil {
			return nil, since, fmt.Errorf("amazon: getOrders page %d: malformed answer: payload is missing", page)
		}
		if page == 1 && out.Payload.LastUpdatedBefore != "" {
			t, err := parseTime(out.Payload.LastUpdatedBefore)
			if err != nil {
				return nil, since, fmt.Errorf("amazon: getOrders: malformed answer: LastUpdatedBefore: %w", err)
			}
			until = t
		}
		for i, raw := range out.Payload.Orders {
			o, err := parseOrder(raw)
			if err != nil {
				return nil, since, fmt.Errorf("amazon: getOrders page %d, order %d: %w", page, i+1, err)
			}
			if j, dup := index[o.ExternalID]; dup {
				orders[j] = o
				continue
			}
			index[o.ExternalID] = len(orders)
			orders = append(orders, o)
		}
		if out.Payload.NextToken == "" {
			break
		}
		q = s.ordersQuery()
		q.Set("NextToken", out.Payload.NextToken)
	}
	for i := range orders {
		if err := s.fillLines(ctx, &orders[i]); err != nil {
			return nil, since, err
		}
	}
	if until.After(now) {
		until = before
	}
	return orders, until, nil
}

// FetchOrder implements channel.Connector: getOrder under a restricted data
// token, then its items. An unknown id is a *channel.Rejection (404 NotFound).
func (c *Connector) FetchOrder(ctx context.Context, conn channel.Conn, externalID string) (channel.Order, error) {
	s, err := c.open(conn)
	if err != nil {
		return channel.Order{}, err
	}
	if externalID == "" {
		return channel.Order{}, errors.New("amazon: getOrder: the order id is empty")
	}
	var out orderResponse
	err = s.do(ctx, request{op: opGetOrder, method: "GET", path: ordersPath + "/" + url.PathEscape(externalID), token: tokenRDT}, &out)
	if err != nil {
		return channel.Order{}, err
	}
	if len(out.Payload) == 0 || string(out.Payload) == "null" {
		return channel.Order{}, errors.New("amazon: getOrder: malformed answer: payload is missing")
	}
	o, err := parseOrder(out.Payload)
	if err != nil {
		return channel.Order{}, fmt.Errorf("amazon: getOrder: %w", err)
	}
	if o.ExternalID != externalID {
		return channel.Order{}, fmt.Errorf("amazon: getOrder: asked for %s, answered %s", externalID, o.ExternalID)
	}
	if err := s.fillLines(ctx, &o); err != nil {
		return channel.Order{}, err
	}
	return o, nil
}

// fillLines reads every page of an order's items into o.Lines.
func (s *client) fillLines(ctx context.Context, o *channel.Order) error {
	path := ordersPath + "/" + url.PathEscape(o.ExternalID) + "/orderItems"
	var q url.Values
	seen := map[string]bool{}
	for page := 1; ; page++ {
		var out itemsResponse
		if err := s.do(ctx, request{op: opGetOrderItems, method: "GET", path: path, query: q, token: tokenLWA}, &out); err != nil {
			return err
		}
		where := fmt.Sprintf("amazon: getOrderItems %s page %d", o.ExternalID, page)
		if out.Payload == nil {
			return fmt.Errorf("%s: malformed answer: payload is missing", where)
		}
		if id := out.Payload.AmazonOrderID; id != "" && id != o.ExternalID {
			return fmt.Errorf("%s: malformed answer: items of order %s", where, id)
		}
		for i, it := range out.Payload.OrderItems {
			l, cur, err := parseItem(it, o.Status)
			if err != nil {
				return fmt.Errorf("%s, item %d: %w", where, i+1, err)
			}
			if seen[l.ChannelLineID] {
				continue
			}
			seen[l.ChannelLineID] = true
			if o.Currency == "" {
				o.Currency = cur
			}
			o.Lines = append(o.Lines, l)
		}
		if out.Payload.NextToken == "" {
			break
		}
		q = url.Values{"NextToken": {out.Payload.NextToken}}
	}
	if len(o.Lines) == 0 && o.Status != channel.OrderCancelled {
		return fmt.Errorf("amazon: getOrderItems %s: the order has no items", o.ExternalID)
	}
	return nil
}

// mapStatus normalizes an Orders v0 OrderStatus.
func mapStatus(s string) (string, bool) {
	switch s {
	case "Pending", "PendingAvailability":
		return channel.OrderPending, true
	case "Unshipped", "PartiallyShipped":
		return channel.OrderReady, true
	case "Shipped", "InvoiceUnconfirmed":
		return channel.OrderShipped, true
	case "Canceled", "Unfulfillable":
		return channel.OrderCancelled, true
	}
	return "", false
}

func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO-8601 time", v)
	}
	return t.UTC(), nil
}

// parseOrder decodes and checks one Orders v0 Order. Required fields
// (AmazonOrderId, PurchaseDate, LastUpdateDate, OrderStatus) must be
// present and valid; optional ones may be absent but not malformed.
func parseOrder(raw json.RawMessage) (channel.Order, error) {
	var w wireOrder
	if err := json.Unmarshal(raw, &w); err != nil {
		return channel.Order{}, fmt.Errorf("malformed order: %w", err)
	}
	if w.AmazonOrderID == "" {
		return channel.Order{}, errors.New("malformed order: AmazonOrderId is missing")
	}
	bad := func(field string, err error) (channel.Order, error) {
		return channel.Order{}, fmt.Errorf("order %s: malformed %s: %w", w.AmazonOrderID, field, err)
	}
	o := channel.Order{ExternalID: w.AmazonOrderID, DisplayNumber: w.AmazonOrderID}
	var ok bool
	if o.Status, ok = mapStatus(w.OrderStatus); !ok {
		return bad("OrderStatus", fmt.Errorf("unknown status %q", w.OrderStatus))
	}
	var err error
	if o.PlacedAt, err = parseTime(w.PurchaseDate); err != nil {
		return bad("PurchaseDate", err)
	}
	if o.ModifiedAt, err = parseTime(w.LastUpdateDate); err != nil {
		return bad("LastUpdateDate", err)
	}
	if w.LatestShipDate != "" {
		t, err := parseTime(w.LatestShipDate)
		if err != nil {
			return bad("LatestShipDate", err)
		}
		o.ShipBy = &t
	}
	if w.OrderTotal != nil {
		if _, err := domain.ParseCents(w.OrderTotal.Amount); err != nil {
			return bad("OrderTotal.Amount", err)
		}
		o.Currency = w.OrderTotal.CurrencyCode
	}
	o.ServiceLevel = w.ShipmentServiceLevelCategory
	if o.ServiceLevel == "" {
		o.ServiceLevel = w.ShipServiceLevel
	}
	if a := w.ShippingAddress; a != nil {
		line2 := a.AddressLine2
		if a.AddressLine3 != "" {
			line2 = strings.TrimPrefix(line2+", "+a.AddressLine3, ", ")
		}
		o.ShipTo = api.Address{Name: a.Name, Company: a.CompanyName, Line1: a.AddressLine1, Line2: line2, City: a.City,
			Region: a.StateOrRegion, PostalCode: a.PostalCode, Country: a.CountryCode, Phone: a.Phone}
	}
	if b := w.BuyerInfo; b != nil {
		o.CustomerName, o.CustomerEmail = b.BuyerName, b.BuyerEmail
		o.ShipTo.Email = b.BuyerEmail
		if b.PurchaseOrderNumber != "" {
			o.Notes = "Purchase order " + b.PurchaseOrderNumber
		}
	}
	if o.CustomerName == "" {
		o.CustomerName = o.ShipTo.Name
	}
	return o, nil
}

// parseItem normalizes one OrderItem. ItemPrice is the line total (unit ×
// quantity); the unit price is that total divided by the quantity, rounded
// to the nearest cent. Pending orders carry no price (0); cancelled orders
// report QuantityOrdered 0 and their lines are marked cancelled.
func parseItem(it wireItem, orderStatus string) (channel.Line, string, error) {
	if it.OrderItemID == "" {
		return channel.Line{}, "", errors.New("malformed item: OrderItemId is missing")
	}
	bad := func(field string, err error) (channel.Line, string, error) {
		return channel.Line{}, "", fmt.Errorf("item %s: malformed %s: %w", it.OrderItemID, field, err)
	}
	if it.QuantityOrdered == nil {
		return bad("QuantityOrdered", errors.New("it is missing"))
	}
	q := *it.QuantityOrdered
	if q < 0 {
		return bad("QuantityOrdered", fmt.Errorf("%d is negative", q))
	}
	l := channel.Line{ChannelLineID: it.OrderItemID, ChannelSKU: it.SellerSKU, Title: it.Title, Quantity: q,
		Cancelled: orderStatus == channel.OrderCancelled || q == 0}
	cur := ""
	if it.ItemPrice != nil {
		total, err := domain.ParseCents(it.ItemPrice.Amount)
		if err != nil {
			return bad("ItemPrice.Amount", err)
		}
		cur = it.ItemPrice.CurrencyCode
		if q > 0 {
			l.UnitPriceCents = (total + int64(q)/2) / int64(q)
		}
	}
	return l, cur, nil
}
