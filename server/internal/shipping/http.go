package shipping

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/httpx"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/shared/api"
)

// Handlers serves the shipping endpoints.
type Handlers struct{ svc *Service }

// NewHandlers returns the shipping handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

func tenantOf(c *fiber.Ctx) uuid.UUID { return identity.PrincipalOf(c).TenantID }

// QuickRate answers POST /api/v1/rates with 201 and the stored quote.
func (h *Handlers) QuickRate(c *fiber.Ctx) error {
	var req api.QuickRateRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	sh, err := h.svc.QuickRate(c.UserContext(), tenantOf(c), inventory.Actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sh)
}

// RateOrder answers POST /api/v1/orders/{id}/rates with 201 and the stored
// decision; one that needs review is a shipment with status needs_review.
func (h *Handlers) RateOrder(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	var req api.RateOrderRequest
	if len(c.Body()) > 0 {
		if err := httpx.BindJSON(c, &req); err != nil {
			return err
		}
	}
	sh, err := h.svc.RateOrder(c.UserContext(), tenantOf(c), id, inventory.Actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sh)
}

// BuyLabel answers POST /api/v1/orders/{id}/label with 201 and the labeled shipment.
func (h *Handlers) BuyLabel(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	sh, err := h.svc.BuyLabel(c.UserContext(), tenantOf(c), id, inventory.Actor(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sh)
}

// GetShipment answers GET /api/v1/shipments/{id}.
func (h *Handlers) GetShipment(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	sh, err := h.svc.GetShipment(c.UserContext(), tenantOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(sh)
}

// ListShipments answers GET /api/v1/shipments?order_id=&possible_lost=true&limit=.
func (h *Handlers) ListShipments(c *fiber.Ctx) error {
	var orderID *uuid.UUID
	if raw := c.Query("order_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return apperr.Invalid("order_id %q is not a valid id (a UUID is expected)", raw)
		}
		orderID = &id
	}
	lost := false
	if raw := c.Query("possible_lost"); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return apperr.Invalid("possible_lost %q must be true or false", raw)
		}
		lost = b
	}
	limit, err := httpx.QueryLimit(c, 100, maxListed)
	if err != nil {
		return err
	}
	list, err := h.svc.ListShipments(c.UserContext(), tenantOf(c), orderID, lost, limit)
	if err != nil {
		return err
	}
	return c.JSON(api.ShipmentList{Shipments: list})
}

// Label answers GET /api/v1/shipments/{id}/label?format=zpl|pdf with the
// stored label, unchanged; it is also the reprint.
func (h *Handlers) Label(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	format := strings.ToLower(strings.TrimSpace(c.Query("format", api.LabelZPL)))
	data, err := h.svc.Label(c.UserContext(), tenantOf(c), id, format)
	if err != nil {
		return err
	}
	ct := "application/pdf"
	if format == api.LabelZPL {
		ct = "application/x-zpl"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="label-`+id.String()+`.`+format+`"`)
	return c.Send(data)
}

// Void answers POST /api/v1/shipments/{id}/void.
func (h *Handlers) Void(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	sh, err := h.svc.Void(c.UserContext(), tenantOf(c), id, inventory.Actor(c))
	if err != nil {
		return err
	}
	return c.JSON(sh)
}

// CloseOut answers POST /api/v1/manifests with 201 and the manifest.
func (h *Handlers) CloseOut(c *fiber.Ctx) error {
	var req api.CloseOutRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	m, err := h.svc.CloseOut(c.UserContext(), tenantOf(c), inventory.Actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

// ManifestDocument answers GET /api/v1/manifests/{id}/document with the printable form.
func (h *Handlers) ManifestDocument(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	doc, err := h.svc.ManifestDocument(c.UserContext(), tenantOf(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	return c.Send(doc)
}

// StartHandoff answers POST /api/v1/handoffs with 201.
func (h *Handlers) StartHandoff(c *fiber.Ctx) error {
	var req api.StartHandoffRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	out, err := h.svc.StartHandoff(c.UserContext(), tenantOf(c), inventory.Actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// Scan answers POST /api/v1/handoffs/{id}/scans with 201, the scan's result
// and the updated reconciliation.
func (h *Handlers) Scan(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	var req api.HandoffScanRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	out, err := h.svc.Scan(c.UserContext(), tenantOf(c), id, inventory.Actor(c), req.Code)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// GetHandoff answers GET /api/v1/handoffs/{id}.
func (h *Handlers) GetHandoff(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	out, err := h.svc.Handoff(c.UserContext(), tenantOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// CloseHandoff answers POST /api/v1/handoffs/{id}/close.
func (h *Handlers) CloseHandoff(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	out, err := h.svc.CloseHandoff(c.UserContext(), tenantOf(c), id, inventory.Actor(c))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// Savings answers GET /api/v1/reports/shipping-savings?from=&to=&currency=.
func (h *Handlers) Savings(c *fiber.Ctx) error {
	r, err := h.svc.SavingsReport(c.UserContext(), tenantOf(c), c.Query("from"), c.Query("to"), c.Query("currency"))
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// CreateAccount answers POST /api/v1/carrier-accounts with 201.
func (h *Handlers) CreateAccount(c *fiber.Ctx) error {
	var req api.CreateCarrierAccountRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	a, err := h.svc.CreateAccount(c.UserContext(), tenantOf(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// UpdateAccount answers PATCH /api/v1/carrier-accounts/{id}.
func (h *Handlers) UpdateAccount(c *fiber.Ctx) error {
	id, err := httpx.ParamUUID(c, "id")
	if err != nil {
		return err
	}
	var req api.UpdateCarrierAccountRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	a, err := h.svc.UpdateAccount(c.UserContext(), tenantOf(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// ListAccounts answers GET /api/v1/carrier-accounts.
func (h *Handlers) ListAccounts(c *fiber.Ctx) error {
	as, err := h.svc.ListAccounts(c.UserContext(), tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(api.CarrierAccountList{Accounts: as})
}

// GetSettings answers GET /api/v1/shipping-settings.
func (h *Handlers) GetSettings(c *fiber.Ctx) error {
	st, err := h.svc.Settings(c.UserContext(), tenantOf(c))
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// PutSettings answers PUT /api/v1/shipping-settings.
func (h *Handlers) PutSettings(c *fiber.Ctx) error {
	var req api.ShippingSettings
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	st, err := h.svc.PutSettings(c.UserContext(), tenantOf(c), inventory.Actor(c), req)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// Webhook answers POST /webhooks/carriers/{provider}/{account}?token= with
// 200 and what was done. It needs no signed-in user: the account's token in
// the URL, and the provider's signature where it has one, are checked over
// the raw body before anything is read or stored (401 when missing or
// wrong); an address that is no account's webhook is 404.
func (h *Handlers) Webhook(c *fiber.Ctx) error {
	header := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
	reply, err := h.svc.ReceiveWebhook(c.UserContext(), WebhookDelivery{
		Provider: c.Params("provider"), AccountID: c.Params("account"), Token: c.Query("token"),
		Header: header, Body: append([]byte(nil), c.Body()...),
	})
	if err != nil {
		return err
	}
	return c.JSON(reply)
}
