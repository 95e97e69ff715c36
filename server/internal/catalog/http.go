package catalog

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
)

// Handlers serves the catalog endpoints.
type Handlers struct{ svc *Service }

// NewHandlers returns the catalog handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// CreateProduct answers POST /api/v1/products with 201 and the product.
func (h *Handlers) CreateProduct(c *fiber.Ctx) error {
	var req api.CreateProductRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	p, err := h.svc.Create(c.UserContext(), identity.PrincipalOf(c).TenantID, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

// ListProducts answers GET /api/v1/products?cursor=&limit= with a page of
// products ordered by SKU.
func (h *Handlers) ListProducts(c *fiber.Ctx) error {
	limit := DefaultPageSize
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > MaxPageSize {
			return apperr.Invalid("limit %q must be a whole number from 1 to %d", raw, MaxPageSize)
		}
		limit = n
	}
	list, err := h.svc.List(c.UserContext(), identity.PrincipalOf(c).TenantID, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(list)
}

// GetProduct answers GET /api/v1/products/:id.
func (h *Handlers) GetProduct(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.svc.Get(c.UserContext(), identity.PrincipalOf(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// UpdateProduct answers PUT /api/v1/products/:id: the body (a
// CreateProductRequest) replaces the product, barcodes included.
func (h *Handlers) UpdateProduct(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	var req api.CreateProductRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	p, err := h.svc.Update(c.UserContext(), identity.PrincipalOf(c).TenantID, id, req)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// ByBarcode answers GET /api/v1/barcodes/:code (the code path-escaped) with
// the product the scanned code identifies.
func (h *Handlers) ByBarcode(c *fiber.Ctx) error {
	code, err := url.PathUnescape(c.Params("code"))
	if err != nil {
		return apperr.Invalid("barcode in the path is not correctly escaped")
	}
	p, err := h.svc.ByBarcode(c.UserContext(), identity.PrincipalOf(c).TenantID, code)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// ImportRejected is the 422 answer of Import when rows have errors. It is the
// API's error envelope and an ImportResult at once: a client that knows only
// the envelope shows the message, an import-aware client reads every row.
type ImportRejected struct {
	Error api.ErrorDetail `json:"error"`
	api.ImportResult
}

// Import answers POST /api/v1/products/import. The CSV file is the body
// (Content-Type text/csv or application/csv) or the "file" field of a
// multipart/form-data upload. It answers 200 with the ImportResult when the
// file was imported, and 422 with an ImportRejected when any row has an error,
// in which case nothing was imported.
func (h *Handlers) Import(c *fiber.Ctx) error {
	body, err := csvBody(c)
	if err != nil {
		return err
	}
	defer body.Close()
	res, err := h.svc.Import(c.UserContext(), identity.PrincipalOf(c).TenantID, body)
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		rows := map[int]bool{}
		for _, e := range res.Errors {
			rows[e.Row] = true
		}
		noun := "rows have"
		if len(rows) == 1 {
			noun = "row has"
		}
		return c.Status(fiber.StatusUnprocessableEntity).JSON(ImportRejected{
			Error: api.ErrorDetail{Code: api.CodeValidation, RequestID: httpx.RequestID(c),
				Message: fmt.Sprintf("%d %s errors; nothing was imported", len(rows), noun)},
			ImportResult: res,
		})
	}
	return c.JSON(res)
}

// csvBody returns the uploaded CSV file of an import request.
func csvBody(c *fiber.Ctx) (io.ReadCloser, error) {
	ct := c.Get(fiber.HeaderContentType)
	media, _, err := mime.ParseMediaType(ct)
	if err != nil && ct != "" {
		media = ""
	}
	switch media {
	case "text/csv", "application/csv":
		return io.NopCloser(bytes.NewReader(c.Body())), nil
	case fiber.MIMEMultipartForm:
		fh, err := c.FormFile("file")
		if err != nil {
			return nil, apperr.Invalid("the multipart upload has no \"file\" field; send the CSV file in a field named file")
		}
		return fh.Open()
	}
	return nil, fiber.NewError(fiber.StatusUnsupportedMediaType, fmt.Sprintf(
		"Content-Type %q is not supported; send the CSV file as text/csv, or as the \"file\" field of multipart/form-data", ct))
}

// Export answers GET /api/v1/products/export with every product as a CSV
// attachment in the columns Import reads.
func (h *Handlers) Export(c *fiber.Ctx) error {
	var buf bytes.Buffer
	if err := h.svc.Export(c.UserContext(), identity.PrincipalOf(c).TenantID, &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="products-%s.csv"`, time.Now().UTC().Format("2006-01-02")))
	return c.Send(buf.Bytes())
}
