package shipping

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// shipmentRow is a row of shipments without the label bytes.
type shipmentRow struct {
	ID                 uuid.UUID
	OrderID            *uuid.UUID
	Status             string
	ShipFrom           []byte
	ShipTo             []byte
	Parcel             []byte
	ShipDate           time.Time
	PromiseLevel       string
	Currency           string
	Decision           []byte
	CarrierAccountID   *uuid.UUID
	Provider           string
	Carrier            string
	Service            string
	ServiceName        string
	RateID             string
	QuotedCents        *int64
	CostCents          *int64
	BaselineCents      *int64
	SavedCents         *int64
	TrackingNumber     string
	ProviderShipmentID string
	LabelFormat        string
	HasZPL             bool
	HasPDF             bool
	LabelNote          string
	ReviewReason       string
	PurchaseError      string
	TrackingStatus     string
	EstimatedDelivery  *time.Time
	ManifestID         *uuid.UUID
	PossibleLostAt     *time.Time
	SyncBackAt         *time.Time
	PurchasingAt       *time.Time
	LabeledAt          *time.Time
	AcceptedAt         *time.Time
	DeliveredAt        *time.Time
	VoidedAt           *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

const shipmentColumns = `id, order_id, status, ship_from, ship_to, parcel, ship_date, promise_level, currency, decision,
	carrier_account_id, provider, carrier, service, service_name, rate_id, quoted_cents, cost_cents, baseline_cents,
	saved_cents, tracking_number, provider_shipment_id, label_format, label_zpl IS NOT NULL AS has_zpl,
	label_pdf IS NOT NULL AS has_pdf, label_note, review_reason, purchase_error, tracking_status, estimated_delivery,
	manifest_id, possible_lost_at, sync_back_at, purchasing_at, labeled_at, accepted_at, delivered_at, voided_at,
	created_at, updated_at`

func (r shipmentRow) decision() (rateshop.Decision, error) {
	var d rateshop.Decision
	if err := json.Unmarshal(r.Decision, &d); err != nil {
		return d, fmt.Errorf("shipping: stored decision of shipment %s: %w", r.ID, err)
	}
	return d, nil
}

func (r shipmentRow) parcel() api.Parcel {
	var p api.Parcel
	_ = json.Unmarshal(r.Parcel, &p)
	return p
}

func (r shipmentRow) addresses() (from, to api.Address) {
	_ = json.Unmarshal(r.ShipFrom, &from)
	_ = json.Unmarshal(r.ShipTo, &to)
	return from, to
}

// shipmentTx reads a shipment; lock takes it FOR UPDATE.
func shipmentTx(tx *gorm.DB, tenantID, id uuid.UUID, lock bool) (shipmentRow, error) {
	q := `SELECT ` + shipmentColumns + ` FROM shipments WHERE tenant_id = ? AND id = ?`
	if lock {
		q += ` FOR UPDATE`
	}
	var r shipmentRow
	res := tx.Raw(q, tenantID, id).Scan(&r)
	if res.Error != nil {
		return r, fmt.Errorf("shipping: read shipment: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return r, apperr.NotFound("shipment %s not found", id)
	}
	return r, nil
}

// GetShipment returns a shipment with its stored decision and tracking events.
func (s *Service) GetShipment(ctx context.Context, tenantID, id uuid.UUID) (api.Shipment, error) {
	var out api.Shipment
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		r, err := shipmentTx(tx, tenantID, id, false)
		if err != nil {
			return err
		}
		out, err = shipmentToAPITx(tx, tenantID, r)
		return err
	})
	return out, wrap(err, "get shipment")
}

// maxListed bounds a shipment list.
const maxListed = 500

// ListShipments returns shipments newest first: an order's, or (orderID
// nil) the tenant's, optionally only those flagged as possibly lost.
func (s *Service) ListShipments(ctx context.Context, tenantID uuid.UUID, orderID *uuid.UUID, possibleLost bool, limit int) ([]api.Shipment, error) {
	if limit <= 0 || limit > maxListed {
		limit = maxListed
	}
	out := []api.Shipment{}
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		q := `SELECT ` + shipmentColumns + ` FROM shipments WHERE tenant_id = ?`
		args := []any{tenantID}
		if orderID != nil {
			q += ` AND order_id = ?`
			args = append(args, *orderID)
		}
		if possibleLost {
			q += ` AND possible_lost_at IS NOT NULL AND status = 'labeled'`
		}
		q += ` ORDER BY created_at DESC, seq DESC LIMIT ?`
		args = append(args, limit)
		var rows []shipmentRow
		if err := tx.Raw(q, args...).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			a, err := shipmentToAPITx(tx, tenantID, r)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, wrap(err, "list shipments")
}

func shipmentToAPITx(tx *gorm.DB, tenantID uuid.UUID, r shipmentRow) (api.Shipment, error) {
	d, err := r.decision()
	if err != nil {
		return api.Shipment{}, err
	}
	from, to := r.addresses()
	out := api.Shipment{ID: r.ID.String(), Status: r.Status, ShipFrom: from, ShipTo: to, Parcel: r.parcel(),
		ShipDate: rateshop.DateOf(r.ShipDate).String(), PromiseLevel: r.PromiseLevel, Currency: r.Currency,
		Provider: r.Provider, Carrier: r.Carrier, Service: r.Service, ServiceName: r.ServiceName,
		Quoted: formatCents(r.QuotedCents), Cost: formatCents(r.CostCents), Saved: formatCents(r.SavedCents),
		TrackingNumber: r.TrackingNumber, TrackingStatus: r.TrackingStatus, LabelFormats: []string{},
		LabelNote: r.LabelNote, ReviewReason: r.ReviewReason, PurchaseError: r.PurchaseError,
		Decision: decisionToAPI(d), Events: []api.TrackingEvent{}, PossibleLostAt: r.PossibleLostAt,
		LabeledAt: r.LabeledAt, AcceptedAt: r.AcceptedAt, DeliveredAt: r.DeliveredAt, VoidedAt: r.VoidedAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.OrderID != nil {
		out.OrderID = r.OrderID.String()
	}
	if r.ManifestID != nil {
		out.ManifestID = r.ManifestID.String()
	}
	if r.EstimatedDelivery != nil {
		out.EstimatedDelivery = rateshop.DateOf(*r.EstimatedDelivery).String()
	}
	if r.HasZPL {
		out.LabelFormats = append(out.LabelFormats, api.LabelZPL)
	}
	if r.HasPDF {
		out.LabelFormats = append(out.LabelFormats, api.LabelPDF)
	}
	if err := tx.Raw(`SELECT at, status, code, description, location FROM tracking_events
		WHERE tenant_id = ? AND shipment_id = ? ORDER BY at, id`, tenantID, r.ID).Scan(&out.Events).Error; err != nil {
		return api.Shipment{}, fmt.Errorf("shipping: tracking events: %w", err)
	}
	return out, nil
}

func formatCents(c *int64) string {
	if c == nil {
		return ""
	}
	return domain.FormatCents(*c)
}

// decisionToAPI renders a stored decision for the API.
func decisionToAPI(d rateshop.Decision) api.RateDecision {
	out := api.RateDecision{
		Promise:  api.PromiseLevel{Level: d.Promise.Level, MaxBusinessDays: d.Promise.MaxBusinessDays, GuaranteedOnly: d.Promise.GuaranteedOnly},
		Currency: d.Currency, ShipDate: dateString(d.ShipDate), TenderDate: dateString(d.TenderDate), Deadline: dateString(d.Deadline),
		Quotes: make([]api.RateQuote, 0, len(d.Quotes)), WinnerReason: d.WinnerReason, NeedsReview: d.NeedsReview,
		ReviewReason: d.ReviewReason, SavingNote: d.SavingNote,
	}
	for _, e := range d.Quotes {
		out.Quotes = append(out.Quotes, quoteToAPI(e))
	}
	if d.Winner != nil {
		w := quoteToAPI(*d.Winner)
		out.Winner = &w
	}
	for _, o := range d.ProviderErrors {
		out.ProviderErrors = append(out.ProviderErrors, api.ProviderOutcome{Provider: o.Provider, Quotes: o.Quotes,
			Error: o.Err, TimedOut: o.TimedOut, TookMS: o.Took.Milliseconds()})
	}
	if sv := d.Saving; sv != nil {
		out.Saving = &api.RateSaving{BaselineService: sv.BaselineService.String(), Baseline: domain.FormatCents(sv.BaselineCents),
			BaselineEligible: sv.BaselineEligible, Winner: domain.FormatCents(sv.WinnerCents), Saved: domain.FormatCents(sv.SavedCents)}
	}
	return out
}

func quoteToAPI(e rateshop.Evaluated) api.RateQuote {
	q := e.Quote
	out := api.RateQuote{Provider: q.Provider, Carrier: q.Carrier, Service: q.Service, ServiceName: q.ServiceName,
		Amount: q.Amount, Currency: q.Currency, BusinessDays: q.BusinessDays, Guaranteed: q.Guaranteed, RateID: q.RateID,
		EstimateSource: string(e.EstimateSource), Eligible: e.Eligible, Excluded: e.Excluded}
	if q.DeliveryDate != nil {
		out.DeliveryDate = dateString(*q.DeliveryDate)
	}
	if e.Cents != nil {
		out.Price = domain.FormatCents(*e.Cents)
	}
	if e.EstimatedDelivery != nil {
		out.EstimatedDelivery = dateString(*e.EstimatedDelivery)
	}
	return out
}

func dateString(d rateshop.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
