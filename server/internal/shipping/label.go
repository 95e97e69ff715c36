package shipping

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

const (
	// labelTimeout bounds one label purchase or void.
	labelTimeout = 45 * time.Second
	// quoteTTL is how long a decision stays good to buy: aggregators' rate
	// ids expire and prices change.
	quoteTTL = 4 * time.Hour
	// purchaseStale is when a purchase that never finished (the process
	// stopped mid-call) may be tried again; the idempotency key, the
	// shipment id, keeps providers that honour it from selling twice.
	purchaseStale = 10 * time.Minute
)

// BuyLabel buys the label of the order's decided winner, in ZPL for the
// thermal printer and in PDF 4×6, and moves the order to LABELED. Without a
// fresh decision it rate-shops first. A decision that needs review buys
// nothing: the promise is never downgraded behind a person's back.
func (s *Service) BuyLabel(ctx context.Context, tenantID, orderID uuid.UUID, actor string) (api.Shipment, error) {
	o, err := s.orders.Get(ctx, tenantID, orderID)
	if err != nil {
		return api.Shipment{}, err
	}
	if !domain.CanTransition(domain.OrderStatus(o.Status), domain.StatusLabeled) {
		return api.Shipment{}, apperr.Conflict("order %d is %s; a label is bought for a PACKED order", o.Number, o.Status)
	}
	shipmentID, err := s.currentQuote(ctx, tenantID, orderID)
	if err != nil {
		return api.Shipment{}, err
	}
	if shipmentID == uuid.Nil {
		sh, err := s.RateOrder(ctx, tenantID, orderID, actor, api.RateOrderRequest{})
		if err != nil {
			return api.Shipment{}, err
		}
		if shipmentID, err = uuid.Parse(sh.ID); err != nil {
			return api.Shipment{}, err
		}
	}
	r, acct, err := s.claimPurchase(ctx, tenantID, shipmentID)
	if err != nil {
		return api.Shipment{}, err
	}
	d, err := r.decision()
	if err == nil && d.Winner == nil {
		err = fmt.Errorf("shipping: shipment %s has no winning quote", r.ID)
	}
	if err != nil {
		return api.Shipment{}, s.releasePurchase(ctx, tenantID, r.ID, err)
	}
	from, to := r.addresses()
	p := r.parcel()
	req := carrier.LabelRequest{From: toRateAddress(from), To: toRateAddress(to),
		Parcel:  carrier.Parcel{WeightOz: p.WeightOz, LengthIn: p.LengthIn, WidthIn: p.WidthIn, HeightIn: p.HeightIn},
		Carrier: d.Winner.Quote.Carrier, Service: r.Service, RateID: r.RateID, ShipDate: rateshop.DateOf(r.ShipDate),
		Format: api.LabelZPL, Reference: strconv.FormatInt(o.Number, 10), IdempotencyKey: r.ID.String()}
	callCtx, cancel := context.WithTimeout(ctx, labelTimeout)
	label, err := acct.adapter.BuyLabel(callCtx, acct.conn, req)
	cancel()
	if err != nil {
		return api.Shipment{}, s.purchaseFailed(ctx, tenantID, r, err)
	}
	if label.TrackingNumber == "" || len(label.Data) == 0 {
		return api.Shipment{}, s.purchaseFailed(ctx, tenantID, r, errors.New("the provider answered without a tracking number or label"))
	}
	if err := s.storeLabel(ctx, tenantID, r, label); err != nil {
		return api.Shipment{}, err
	}
	if _, err := s.orders.Transition(ctx, tenantID, orderID, domain.StatusLabeled, actor,
		fmt.Sprintf("label %s %s %s", strings.ToUpper(label.Carrier), label.Service, label.TrackingNumber)); err != nil {
		return api.Shipment{}, apperr.Conflict("the label was bought (tracking %s) but order %d could not become LABELED: %s; void the label if the order will not ship",
			label.TrackingNumber, o.Number, messageOf(err))
	}
	return s.GetShipment(ctx, tenantID, r.ID)
}

// currentQuote returns the order's latest decision if it can be bought now,
// uuid.Nil if the order needs rating, or the reason it cannot be bought.
func (s *Service) currentQuote(ctx context.Context, tenantID, orderID uuid.UUID) (uuid.UUID, error) {
	var r shipmentRow
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT `+shipmentColumns+` FROM shipments WHERE tenant_id = ? AND order_id = ?
			AND status NOT IN ('voided') ORDER BY created_at DESC, seq DESC LIMIT 1`, tenantID, orderID).Scan(&r).Error
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("shipping: latest quote: %w", err)
	}
	switch {
	case r.ID == uuid.Nil:
		return uuid.Nil, nil
	case r.Status == api.ShipmentNeedsReview:
		return uuid.Nil, apperr.Conflict("shipment %s needs review, so no label was bought: %s. Fix the cause and rate the order again, or rate it with another promise_level",
			r.ID, r.ReviewReason)
	case r.Status == api.ShipmentQuoted && s.now().Sub(r.CreatedAt) < quoteTTL:
		return r.ID, nil
	case r.Status == api.ShipmentQuoted:
		return uuid.Nil, nil
	}
	return r.ID, nil
}

// claimPurchase marks a quoted shipment as being bought, so that a second
// request cannot buy a second label; the unique index on an order's active
// shipment refuses it too.
func (s *Service) claimPurchase(ctx context.Context, tenantID, id uuid.UUID) (shipmentRow, account, error) {
	var (
		r    shipmentRow
		acct account
	)
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		if r, err = shipmentTx(tx, tenantID, id, true); err != nil {
			return err
		}
		switch {
		case r.Status == api.ShipmentQuoted:
		case r.Status == api.ShipmentPurchasing && r.PurchasingAt != nil && s.now().Sub(*r.PurchasingAt) > purchaseStale:
		case r.Status == api.ShipmentPurchasing:
			return apperr.Conflict("the label of shipment %s is being bought right now", r.ID)
		default:
			return apperr.Conflict("shipment %s is %s; only a quoted shipment can be bought", r.ID, r.Status)
		}
		if r.CarrierAccountID == nil {
			return apperr.Conflict("shipment %s names no carrier account; rate it again", r.ID)
		}
		if acct, err = s.accountTx(tx, tenantID, *r.CarrierAccountID); err != nil {
			return err
		}
		if !acct.row.Enabled {
			return apperr.Conflict("carrier account %q was disabled after the quote; rate the order again", acct.row.Name)
		}
		if err := tx.Exec(`UPDATE shipments SET status = 'purchasing', purchasing_at = ?, purchase_error = '', updated_at = now()
			WHERE tenant_id = ? AND id = ?`, s.now(), tenantID, id).Error; err != nil {
			if db.IsUniqueViolation(err, "shipments_one_label_per_order") {
				return apperr.Conflict("the order already has a label; void it before buying another")
			}
			return err
		}
		return nil
	})
	return r, acct, wrap(err, "claim purchase")
}

// releasePurchase puts a shipment whose purchase failed for a passing reason
// back to quoted, and returns err.
func (s *Service) releasePurchase(ctx context.Context, tenantID, id uuid.UUID, cause error) error {
	err := s.db.Tenant(context.WithoutCancel(ctx), tenantID, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE shipments SET status = 'quoted', purchasing_at = NULL, purchase_error = ?, updated_at = now()
			WHERE tenant_id = ? AND id = ? AND status = 'purchasing'`, cause.Error(), tenantID, id).Error
	})
	if err != nil {
		s.log.Error("shipping: release purchase", slog.String("shipment_id", id.String()), slog.String("err", err.Error()))
	}
	return cause
}

// purchaseFailed records why a label was not bought. A provider's refusal
// (an address it cannot deliver to, a service it will not sell) sends the
// shipment to review with the provider's words; a timeout, a throttle or an
// outage leaves it quoted, to be tried again.
func (s *Service) purchaseFailed(ctx context.Context, tenantID uuid.UUID, r shipmentRow, cause error) error {
	var rej *carrier.Rejection
	var th *carrier.Throttled
	switch {
	case errors.As(cause, &rej):
		reason := rej.Error()
		err := s.db.Tenant(context.WithoutCancel(ctx), tenantID, func(tx *gorm.DB) error {
			return tx.Exec(`UPDATE shipments SET status = 'needs_review', purchasing_at = NULL, review_reason = ?,
				purchase_error = ?, updated_at = now() WHERE tenant_id = ? AND id = ?`, reason, reason, tenantID, r.ID).Error
		})
		if err != nil {
			return fmt.Errorf("shipping: record refusal: %w", err)
		}
		what := "refused the label"
		if rej.Address {
			what = "refused the address"
		}
		return apperr.Conflict("%s %s: %s. Shipment %s is in review; no label was bought", r.Provider, what, reason, r.ID)
	case errors.As(cause, &th):
		_ = s.releasePurchase(ctx, tenantID, r.ID, cause)
		return apperr.RateLimited(max(int(math.Ceil(th.RetryAfter.Seconds())), 1), "%s: %s; try again shortly", r.Provider, th.Error())
	case errors.Is(cause, carrier.ErrUnauthorized):
		_ = s.releasePurchase(ctx, tenantID, r.ID, cause)
		return apperr.Conflict("%s refused the carrier account's credentials; update them and try again", r.Provider)
	}
	_ = s.releasePurchase(ctx, tenantID, r.ID, cause)
	return apperr.Unavailable(cause, "%s did not sell the label; try again", r.Provider)
}

// storeLabel keeps the label the provider returned and the other format
// rendered from it where possible, with a note where not.
func (s *Service) storeLabel(ctx context.Context, tenantID uuid.UUID, r shipmentRow, l carrier.Label) error {
	format := strings.ToLower(l.Format)
	var zpl, pdf []byte
	var note string
	switch format {
	case api.LabelZPL:
		zpl = l.Data
		switch {
		case s.pdf == nil:
			note = "PDF not available: the provider returned ZPL only and this server renders no PDF"
		default:
			rendered, err := s.pdf.RenderPDF(ctx, l.Data)
			if err != nil {
				note = "PDF not available: " + err.Error()
			} else {
				pdf = rendered
			}
		}
	case api.LabelPDF:
		pdf = l.Data
		note = "ZPL not available: the provider returned a PDF label only; print it as PDF"
	default:
		return s.purchaseFailed(ctx, tenantID, r, fmt.Errorf("the provider returned a label in format %q, neither zpl nor pdf", l.Format))
	}
	cost := r.QuotedCents
	if l.CostCents > 0 {
		cost = &l.CostCents
	}
	carrierName := strings.ToLower(l.Carrier)
	if carrierName == "" {
		carrierName = r.Carrier
	}
	service := l.Service
	if service == "" {
		service = r.Service
	}
	err := s.db.Tenant(context.WithoutCancel(ctx), tenantID, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE shipments SET status = 'labeled', tracking_number = ?, provider_shipment_id = ?, carrier = ?,
				service = ?, cost_cents = ?, label_format = ?, label_zpl = ?, label_pdf = ?, label_note = ?,
				tracking_status = ?, labeled_at = ?, purchasing_at = NULL, purchase_error = '', updated_at = now()
			WHERE tenant_id = ? AND id = ?`, l.TrackingNumber, l.ProviderShipmentID, carrierName, service, cost, format,
			zpl, pdf, note, carrier.StatusPreTransit, s.now(), tenantID, r.ID).Error
	})
	if err != nil {
		// The label is bought; losing the record of it would lose money.
		s.log.Error("shipping: label bought but not stored", slog.String("shipment_id", r.ID.String()),
			slog.String("provider", r.Provider), slog.String("tracking_number", l.TrackingNumber), slog.String("err", err.Error()))
		return fmt.Errorf("shipping: store label %s: %w", l.TrackingNumber, err)
	}
	return nil
}

// Void cancels an unused label with its provider; the order goes back to
// PACKED. A parcel the carrier already has cannot be voided.
func (s *Service) Void(ctx context.Context, tenantID, shipmentID uuid.UUID, actor string) (api.Shipment, error) {
	var (
		r    shipmentRow
		acct account
	)
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		if r, err = shipmentTx(tx, tenantID, shipmentID, false); err != nil {
			return err
		}
		if r.Status != api.ShipmentLabeled {
			return apperr.Conflict("shipment %s is %s; only a labeled parcel not yet with the carrier can be voided", r.ID, r.Status)
		}
		if r.CarrierAccountID == nil {
			return apperr.Conflict("shipment %s names no carrier account", r.ID)
		}
		acct, err = s.accountTx(tx, tenantID, *r.CarrierAccountID)
		return err
	})
	if err != nil {
		return api.Shipment{}, wrap(err, "void")
	}
	callCtx, cancel := context.WithTimeout(ctx, labelTimeout)
	err = acct.adapter.Void(callCtx, acct.conn, carrier.Label{Provider: r.Provider, Carrier: r.Carrier, Service: r.Service,
		TrackingNumber: r.TrackingNumber, ProviderShipmentID: r.ProviderShipmentID, Format: r.LabelFormat})
	cancel()
	var rej *carrier.Rejection
	switch {
	case errors.As(err, &rej):
		return api.Shipment{}, apperr.Conflict("%s refused to void label %s: %s", r.Provider, r.TrackingNumber, rej.Error())
	case err != nil:
		return api.Shipment{}, apperr.Unavailable(err, "%s did not void label %s; try again", r.Provider, r.TrackingNumber)
	}
	var voided bool
	err = s.db.Tenant(context.WithoutCancel(ctx), tenantID, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE shipments SET status = 'voided', voided_at = ?, updated_at = now()
			WHERE tenant_id = ? AND id = ? AND status = 'labeled'`, s.now(), tenantID, shipmentID)
		voided = res.RowsAffected > 0
		return res.Error
	})
	if err != nil {
		return api.Shipment{}, fmt.Errorf("shipping: record void of %s: %w", r.TrackingNumber, err)
	}
	if voided && r.OrderID != nil {
		o, err := s.orders.Get(ctx, tenantID, *r.OrderID)
		if err == nil && o.Status == api.StatusLabeled {
			_, err = s.orders.Transition(ctx, tenantID, *r.OrderID, domain.StatusPacked, actor, "label "+r.TrackingNumber+" voided")
		}
		if err != nil {
			s.log.Warn("shipping: order not returned to PACKED after void", slog.String("order_id", r.OrderID.String()), slog.String("err", err.Error()))
		}
	}
	return s.GetShipment(ctx, tenantID, shipmentID)
}

// Label returns a stored label in a format, for download and reprint.
func (s *Service) Label(ctx context.Context, tenantID, shipmentID uuid.UUID, format string) ([]byte, error) {
	format = strings.ToLower(strings.TrimSpace(format))
	if format != api.LabelZPL && format != api.LabelPDF {
		return nil, apperr.Invalid("format %q must be zpl or pdf", format)
	}
	var row struct {
		Status    string
		LabelZPL  []byte
		LabelPDF  []byte
		LabelNote string
		Found     bool
	}
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		res := tx.Raw(`SELECT status, label_zpl, label_pdf, label_note, true AS found FROM shipments
			WHERE tenant_id = ? AND id = ?`, tenantID, shipmentID).Scan(&row)
		return res.Error
	})
	if err != nil {
		return nil, fmt.Errorf("shipping: read label: %w", err)
	}
	switch {
	case !row.Found:
		return nil, apperr.NotFound("shipment %s not found", shipmentID)
	case row.Status == api.ShipmentVoided:
		return nil, apperr.Conflict("the label of shipment %s was voided; it must not be printed", shipmentID)
	case len(row.LabelZPL) == 0 && len(row.LabelPDF) == 0:
		return nil, apperr.NotFound("shipment %s has no label (it is %s)", shipmentID, row.Status)
	case format == api.LabelZPL && len(row.LabelZPL) > 0:
		return row.LabelZPL, nil
	case format == api.LabelPDF && len(row.LabelPDF) > 0:
		return row.LabelPDF, nil
	}
	return nil, apperr.NotFound("shipment %s has no %s label: %s", shipmentID, strings.ToUpper(format), row.LabelNote)
}
