package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/manifold-oms/manifold/shared/api"
)

// CreateOrder enters a manual order; with a known external id it returns the existing one.
func (c *Client) CreateOrder(ctx context.Context, req api.CreateOrderRequest) (api.Order, error) {
	var out api.Order
	err := c.Do(ctx, http.MethodPost, api.Version+"/orders", req, &out)
	return out, err
}

// GetOrder returns one order with its lines and history.
func (c *Client) GetOrder(ctx context.Context, id string) (api.Order, error) {
	var out api.Order
	err := c.Do(ctx, http.MethodGet, api.Version+"/orders/"+url.PathEscape(id), nil, &out)
	return out, err
}

// ListOrders lists orders, newest first; status and cursor may be empty.
func (c *Client) ListOrders(ctx context.Context, status, cursor string, limit int) (api.OrderList, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", itoa(limit))
	}
	var out api.OrderList
	err := c.Do(ctx, http.MethodGet, api.Version+"/orders?"+q.Encode(), nil, &out)
	return out, err
}

// CancelOrder cancels an order and releases its stock.
func (c *Client) CancelOrder(ctx context.Context, id, reason string) (api.Order, error) {
	var out api.Order
	err := c.Do(ctx, http.MethodPost, api.Version+"/orders/"+url.PathEscape(id)+"/cancel", api.CancelOrderRequest{Reason: reason}, &out)
	return out, err
}

// TransitionOrder moves an order along its lifecycle.
func (c *Client) TransitionOrder(ctx context.Context, id, status, reason string) (api.Order, error) {
	var out api.Order
	err := c.Do(ctx, http.MethodPost, api.Version+"/orders/"+url.PathEscape(id)+"/transitions", api.TransitionRequest{Status: status, Reason: reason}, &out)
	return out, err
}

// PickQueue returns the pick/pack queue.
func (c *Client) PickQueue(ctx context.Context) (api.PickQueue, error) {
	var out api.PickQueue
	err := c.Do(ctx, http.MethodGet, api.Version+"/pick-queue", nil, &out)
	return out, err
}

// ClaimOrder claims an order for picking.
func (c *Client) ClaimOrder(ctx context.Context, id string) (api.Order, error) {
	var out api.Order
	err := c.Do(ctx, http.MethodPost, api.Version+"/pick-queue/"+url.PathEscape(id)+"/claim", nil, &out)
	return out, err
}

// Mappings returns the SKU mappings and the review queue.
func (c *Client) Mappings(ctx context.Context) (api.Mappings, error) {
	var out api.Mappings
	err := c.Do(ctx, http.MethodGet, api.Version+"/mappings", nil, &out)
	return out, err
}

// PutMapping maps a channel SKU to a catalog SKU.
func (c *Client) PutMapping(ctx context.Context, req api.PutMappingRequest) (api.PutMappingResult, error) {
	var out api.PutMappingResult
	err := c.Do(ctx, http.MethodPut, api.Version+"/mappings", req, &out)
	return out, err
}

// AdjustStock records a receipt, correction or count.
func (c *Client) AdjustStock(ctx context.Context, req api.StockAdjustmentRequest) (api.LedgerEntry, error) {
	var out api.LedgerEntry
	err := c.Do(ctx, http.MethodPost, api.Version+"/stock/adjustments", req, &out)
	return out, err
}

// Stock returns a SKU's stock and per-channel quantities.
func (c *Client) Stock(ctx context.Context, sku string) (api.StockLevel, error) {
	var out api.StockLevel
	err := c.Do(ctx, http.MethodGet, api.Version+"/stock/"+url.PathEscape(sku), nil, &out)
	return out, err
}

// AllocationPolicies returns the allocation policies.
func (c *Client) AllocationPolicies(ctx context.Context) (api.AllocationPolicies, error) {
	var out api.AllocationPolicies
	err := c.Do(ctx, http.MethodGet, api.Version+"/allocation-policy", nil, &out)
	return out, err
}

// PutAllocationPolicies replaces the allocation policies.
func (c *Client) PutAllocationPolicies(ctx context.Context, p api.AllocationPolicies) (api.AllocationPolicies, error) {
	var out api.AllocationPolicies
	err := c.Do(ctx, http.MethodPut, api.Version+"/allocation-policy", p, &out)
	return out, err
}
