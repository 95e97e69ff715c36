package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/manifold-oms/manifold/shared/api"
)

// CreateProduct adds a product to the caller's tenant.
func (c *Client) CreateProduct(ctx context.Context, req api.CreateProductRequest) (api.Product, error) {
	var out api.Product
	err := c.Do(ctx, http.MethodPost, api.Version+"/products", req, &out)
	return out, err
}

// GetProduct returns one product.
func (c *Client) GetProduct(ctx context.Context, id string) (api.Product, error) {
	var out api.Product
	err := c.Do(ctx, http.MethodGet, api.Version+"/products/"+url.PathEscape(id), nil, &out)
	return out, err
}

// UpdateProduct replaces a product, barcodes included.
func (c *Client) UpdateProduct(ctx context.Context, id string, req api.CreateProductRequest) (api.Product, error) {
	var out api.Product
	err := c.Do(ctx, http.MethodPut, api.Version+"/products/"+url.PathEscape(id), req, &out)
	return out, err
}

// ListProducts returns a page of products ordered by SKU. Pass "" for the
// first page, then the NextCursor of the previous one; limit 0 means the
// server's default.
func (c *Client) ListProducts(ctx context.Context, cursor string, limit int) (api.ProductList, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := api.Version + "/products"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out api.ProductList
	err := c.Do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// ProductByBarcode returns the product a scanned code identifies. The code
// may be sent as the scanner typed it; the server normalizes it.
func (c *Client) ProductByBarcode(ctx context.Context, code string) (api.Product, error) {
	var out api.Product
	err := c.Do(ctx, http.MethodGet, api.Version+"/barcodes/"+url.PathEscape(code), nil, &out)
	return out, err
}

// ImportProducts uploads a CSV file of products. When rows have errors the
// server imports nothing: the result then lists every error and err is an
// *Error with status 422, so a caller that only checks err stops, and one
// that wants the rows finds them in the result.
func (c *Client) ImportProducts(ctx context.Context, csv io.Reader) (api.ImportResult, error) {
	req, err := c.newRequest(ctx, http.MethodPost, api.Version+"/products/import", csv)
	if err != nil {
		return api.ImportResult{}, err
	}
	req.Header.Set("Content-Type", "text/csv")
	resp, err := c.http.Do(req)
	if err != nil {
		return api.ImportResult{}, fmt.Errorf("client: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return api.ImportResult{}, fmt.Errorf("client: read answer: %w", err)
	}
	var out struct {
		api.ImportResult
		Error *api.ErrorDetail `json:"error"`
	}
	decodeErr := json.Unmarshal(data, &out)
	switch {
	case resp.StatusCode == http.StatusOK && decodeErr == nil:
		return out.ImportResult, nil
	case resp.StatusCode == http.StatusUnprocessableEntity && decodeErr == nil && out.Error != nil:
		return out.ImportResult, &Error{Status: resp.StatusCode, Code: out.Error.Code, Message: out.Error.Message, RequestID: out.Error.RequestID}
	case resp.StatusCode < 400:
		return api.ImportResult{}, fmt.Errorf("client: decode %s answer: %v", req.URL.Path, decodeErr)
	}
	return api.ImportResult{}, errorFromBody(resp, data)
}

// ExportProducts writes every product of the caller's tenant to w as CSV, in
// the columns ImportProducts reads.
func (c *Client) ExportProducts(ctx context.Context, w io.Writer) error {
	req, err := c.newRequest(ctx, http.MethodGet, api.Version+"/products/export", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/csv")
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
		return fmt.Errorf("client: read export: %w", err)
	}
	return nil
}
