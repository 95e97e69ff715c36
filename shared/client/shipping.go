package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/manifold-oms/manifold/shared/api"
)

func shipmentPath(id string) string { return api.Version + "/shipments/" + url.PathEscape(id) }

func handoffPath(id string) string { return api.Version + "/handoffs/" + url.PathEscape(id) }

// QuickRate rate-shops a parcel without an order and returns the stored
// quote with its decision.
func (c *Client) QuickRate(ctx context.Context, req api.QuickRateRequest) (api.Shipment, error) {
	var out api.Shipment
	err := c.Do(ctx, http.MethodPost, api.Version+"/rates", req, &out)
	return out, err
}

// RateOrder rate-shops an order. A shipment that needs review is a
// successful answer: its decision says why nothing kept the promise.
func (c *Client) RateOrder(ctx context.Context, orderID string, req api.RateOrderRequest) (api.Shipment, error) {
	var out api.Shipment
	err := c.Do(ctx, http.MethodPost, api.Version+"/orders/"+url.PathEscape(orderID)+"/rates", req, &out)
	return out, err
}

// BuyLabel buys the label of an order's decided rate; the order becomes LABELED.
func (c *Client) BuyLabel(ctx context.Context, orderID string) (api.Shipment, error) {
	var out api.Shipment
	err := c.Do(ctx, http.MethodPost, api.Version+"/orders/"+url.PathEscape(orderID)+"/label", nil, &out)
	return out, err
}

// GetShipment returns a shipment with its stored decision and tracking.
func (c *Client) GetShipment(ctx context.Context, id string) (api.Shipment, error) {
	var out api.Shipment
	err := c.Do(ctx, http.MethodGet, shipmentPath(id), nil, &out)
	return out, err
}

// ListOrderShipments returns an order's shipments, newest first.
func (c *Client) ListOrderShipments(ctx context.Context, orderID string) ([]api.Shipment, error) {
	var out api.ShipmentList
	err := c.Do(ctx, http.MethodGet, api.Version+"/shipments?order_id="+url.QueryEscape(orderID), nil, &out)
	return out.Shipments, err
}

// VoidShipment voids an unused label; the order goes back to PACKED.
func (c *Client) VoidShipment(ctx context.Context, id string) (api.Shipment, error) {
	var out api.Shipment
	err := c.Do(ctx, http.MethodPost, shipmentPath(id)+"/void", nil, &out)
	return out, err
}

// DownloadLabel writes a shipment's label in format (api.LabelZPL or
// api.LabelPDF) to w, unchanged: ZPL goes to the printer as is.
func (c *Client) DownloadLabel(ctx context.Context, id, format string, w io.Writer) error {
	return c.download(ctx, shipmentPath(id)+"/label?format="+url.QueryEscape(format), w)
}

// DownloadManifest writes a manifest's printable form to w.
func (c *Client) DownloadManifest(ctx context.Context, id string, w io.Writer) error {
	return c.download(ctx, api.Version+"/manifests/"+url.PathEscape(id)+"/document", w)
}

func (c *Client) download(ctx context.Context, path string, w io.Writer) error {
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "*/*")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		data, _ := io.ReadAll(resp.Body)
		return errorFromBody(resp, data)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("client: read %s: %w", req.URL.Path, err)
	}
	return nil
}

// CloseOut closes out one provider's labeled parcels of a day.
func (c *Client) CloseOut(ctx context.Context, req api.CloseOutRequest) (api.Manifest, error) {
	var out api.Manifest
	err := c.Do(ctx, http.MethodPost, api.Version+"/manifests", req, &out)
	return out, err
}

// StartHandoff starts a hand-off scan for one carrier's truck.
func (c *Client) StartHandoff(ctx context.Context, req api.StartHandoffRequest) (api.Handoff, error) {
	var out api.Handoff
	err := c.Do(ctx, http.MethodPost, api.Version+"/handoffs", req, &out)
	return out, err
}

// ScanHandoff records one scanned label and returns its result with the
// updated reconciliation.
func (c *Client) ScanHandoff(ctx context.Context, id, code string) (api.HandoffScanResult, error) {
	var out api.HandoffScanResult
	err := c.Do(ctx, http.MethodPost, handoffPath(id)+"/scans", api.HandoffScanRequest{Code: code}, &out)
	return out, err
}

// GetHandoff returns a hand-off's reconciliation.
func (c *Client) GetHandoff(ctx context.Context, id string) (api.Handoff, error) {
	var out api.Handoff
	err := c.Do(ctx, http.MethodGet, handoffPath(id), nil, &out)
	return out, err
}

// CloseHandoff ends a hand-off; later scans are refused.
func (c *Client) CloseHandoff(ctx context.Context, id string) (api.Handoff, error) {
	var out api.Handoff
	err := c.Do(ctx, http.MethodPost, handoffPath(id)+"/close", nil, &out)
	return out, err
}

// ShippingSavings reports the savings of labels bought from one date to
// another, inclusive (YYYY-MM-DD).
func (c *Client) ShippingSavings(ctx context.Context, from, to string) (api.SavingsReport, error) {
	q := url.Values{}
	q.Set("from", from)
	q.Set("to", to)
	var out api.SavingsReport
	err := c.Do(ctx, http.MethodGet, api.Version+"/reports/shipping-savings?"+q.Encode(), nil, &out)
	return out, err
}

// CreateCarrierAccount connects a shipping provider account. Credentials are
// sent once and never returned.
func (c *Client) CreateCarrierAccount(ctx context.Context, req api.CreateCarrierAccountRequest) (api.CarrierAccount, error) {
	var out api.CarrierAccount
	err := c.Do(ctx, http.MethodPost, api.Version+"/carrier-accounts", req, &out)
	return out, err
}

// ListCarrierAccounts returns the tenant's carrier accounts.
func (c *Client) ListCarrierAccounts(ctx context.Context) ([]api.CarrierAccount, error) {
	var out api.CarrierAccountList
	err := c.Do(ctx, http.MethodGet, api.Version+"/carrier-accounts", nil, &out)
	return out.Accounts, err
}

// UpdateCarrierAccount changes a carrier account's name, base URL, enabled
// state, preference or credentials; nil fields are left alone.
func (c *Client) UpdateCarrierAccount(ctx context.Context, id string, req api.UpdateCarrierAccountRequest) (api.CarrierAccount, error) {
	var out api.CarrierAccount
	err := c.Do(ctx, http.MethodPatch, api.Version+"/carrier-accounts/"+url.PathEscape(id), req, &out)
	return out, err
}

// GetShippingSettings returns the tenant's shipping settings.
func (c *Client) GetShippingSettings(ctx context.Context) (api.ShippingSettings, error) {
	var out api.ShippingSettings
	err := c.Do(ctx, http.MethodGet, api.Version+"/shipping-settings", nil, &out)
	return out, err
}

// PutShippingSettings replaces the tenant's shipping settings.
func (c *Client) PutShippingSettings(ctx context.Context, s api.ShippingSettings) (api.ShippingSettings, error) {
	var out api.ShippingSettings
	err := c.Do(ctx, http.MethodPut, api.Version+"/shipping-settings", s, &out)
	return out, err
}
