package ebay

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

const ordersPath = "/sell/fulfillment/v1/order"

// ebayTimeLayout is how eBay writes and reads times: UTC, milliseconds, Z.
const ebayTimeLayout = "2006-01-02T15:04:05.000Z"

// maxLookback is how far back getOrders may look.
const maxLookback = 2 * 365 * 24 * time.Hour

type orderPage struct {
	Total  int         `json:"total"`
	Offset int         `json:"offset"`
	Next   string      `json:"next"`
	Orders []wireOrder `json:"orders"`
}

// Test implements channel.Connector: a token and one order.
func (c *Connector) Test(ctx context.Context, conn channel.Conn) error {
	s, err := c.session(conn)
	if err != nil {
		return err
	}
	var p orderPage
	return s.getJSON(ctx, "getOrders", s.apiURL(ordersPath+"?limit=1"), &p)
}

// FetchOrders implements channel.Connector with getOrders filtered on
// lastmodifieddate:[since..], following next links to the last page.
// Orders seen twice (offset paging over a set that changes while it is
// read) are kept once, the latest version. since is clamped to eBay's
// two-year lookback. until is the moment the sweep started.
func (c *Connector) FetchOrders(ctx context.Context, conn channel.Conn, since time.Time) ([]channel.Order, time.Time, error) {
	s, err := c.session(conn)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := c.now()
	start := since.UTC()
	if floor := now.Add(-maxLookback).Add(24 * time.Hour); start.Before(floor) {
		start = floor
	}
	if start.After(now) {
		start = now
	}
	// eBay wants the brackets percent-encoded; the colons may stay.
	next := s.apiURL(ordersPath + "?filter=lastmodifieddate:%5B" + start.Format(ebayTimeLayout) + "..%5D" +
		"&limit=" + strconv.Itoa(c.pageSize) + "&offset=0")
	var out []channel.Order
	index := map[string]int{}
	visited := map[string]bool{}
	for next != "" {
		if err := ctx.Err(); err != nil {
			return nil, time.Time{}, err
		}
		if visited[next] {
			return nil, time.Time{}, fmt.Errorf("ebay: getOrders: the next link %q repeats an earlier page", next)
		}
		visited[next] = true
		var p orderPage
		if err := s.getJSON(ctx, "getOrders", next, &p); err != nil {
			return nil, time.Time{}, err
		}
		for i, w := range p.Orders {
			o, err := w.normalize()
			if err != nil {
				return nil, time.Time{}, fmt.Errorf("ebay: getOrders page at offset %d, orders[%d]: %w", p.Offset, i, err)
			}
			if at, seen := index[o.ExternalID]; seen {
				if !o.ModifiedAt.Before(out[at].ModifiedAt) {
					out[at] = o
				}
				continue
			}
			index[o.ExternalID] = len(out)
			out = append(out, o)
		}
		next = ""
		if p.Next != "" {
			if next, err = s.sameOrigin(p.Next); err != nil {
				return nil, time.Time{}, fmt.Errorf("ebay: getOrders: %w", err)
			}
		}
	}
	return out, now, nil
}

// FetchOrder implements channel.Connector with getOrder.
func (c *Connector) FetchOrder(ctx context.Context, conn channel.Conn, externalID string) (channel.Order, error) {
	if externalID == "" {
		return channel.Order{}, fmt.Errorf("ebay: getOrder: no order id")
	}
	s, err := c.session(conn)
	if err != nil {
		return channel.Order{}, err
	}
	var w wireOrder
	resp, err := s.do(ctx, request{op: "getOrder", method: http.MethodGet, url: s.apiURL(ordersPath + "/" + url.PathEscape(externalID))})
	if err != nil {
		return channel.Order{}, err
	}
	if resp.status != http.StatusOK {
		return channel.Order{}, apiError("getOrder "+externalID, resp)
	}
	if err := decode("getOrder "+externalID, resp.body, &w); err != nil {
		return channel.Order{}, err
	}
	o, err := w.normalize()
	if err != nil {
		return channel.Order{}, fmt.Errorf("ebay: getOrder %s: %w", externalID, err)
	}
	return o, nil
}
