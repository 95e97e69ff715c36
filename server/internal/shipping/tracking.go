package shipping

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

const (
	// trackEvery is how long a parcel's tracking stays fresh before a poll
	// asks the carrier again.
	trackEvery = 30 * time.Minute
	// trackWindow stops polling parcels labeled this long ago.
	trackWindow = 60 * 24 * time.Hour
	// trackBatch bounds the parcels one poll asks about per tenant.
	trackBatch = 200
	// trackTimeout bounds one Track call.
	trackTimeout = 30 * time.Second
)

// withCarrier says whether a tracking status means the carrier has the parcel.
func withCarrier(status string) bool {
	switch status {
	case carrier.StatusAccepted, carrier.StatusInTransit, carrier.StatusOutForDel, carrier.StatusDelivered, carrier.StatusReturned:
		return true
	}
	return false
}

// ApplyTracking records a parcel's carrier events. The first acceptance or
// pickup scan ships the order (its stock is consumed) and sends the tracking
// back to the channel the order came from, once; a delivery scan delivers
// the order. Applying the same events again changes nothing, and applying
// older events after newer ones moves nothing backwards. The tracking poll
// and the carriers' webhooks both come through here.
func (s *Service) ApplyTracking(ctx context.Context, tenantID, shipmentID uuid.UUID, t carrier.Tracking) error {
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return s.applyTrackingTx(tx, tenantID, shipmentID, t)
	})
	if err != nil {
		return wrap(err, "apply tracking")
	}
	return s.converge(ctx, tenantID, shipmentID)
}

// applyTrackingTx records the events and sets the shipment's state from
// every event recorded so far; converge then brings the order in line.
func (s *Service) applyTrackingTx(tx *gorm.DB, tenantID, shipmentID uuid.UUID, t carrier.Tracking) error {
	r, err := shipmentTx(tx, tenantID, shipmentID, true)
	if err != nil {
		return err
	}
	switch r.Status {
	case api.ShipmentLabeled, api.ShipmentShipped, api.ShipmentException, api.ShipmentDelivered:
	default:
		return apperr.Conflict("shipment %s is %s; it has no parcel to track", r.ID, r.Status)
	}
	if t.TrackingNumber != "" && !strings.EqualFold(t.TrackingNumber, r.TrackingNumber) {
		return apperr.Invalid("tracking %s is not shipment %s's parcel (%s)", t.TrackingNumber, r.ID, r.TrackingNumber)
	}
	var newest time.Time
	for _, e := range t.Events {
		if e.At.IsZero() || e.Status == "" {
			continue
		}
		if e.At.After(newest) {
			newest = e.At
		}
		if err := tx.Exec(`INSERT INTO tracking_events (tenant_id, shipment_id, at, status, code, description, location)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, shipment_id, at, status, code) DO NOTHING`,
			tenantID, r.ID, e.At.UTC(), e.Status, e.Code, e.Description, e.Location).Error; err != nil {
			return fmt.Errorf("shipping: record tracking event: %w", err)
		}
	}
	// The state follows from every event recorded, whatever order the
	// carrier sent them in: a webhook delayed or retried after a newer one
	// adds its events and changes nothing else.
	var agg struct {
		AcceptedAt  *time.Time
		DeliveredAt *time.Time
		LatestAt    *time.Time
		Latest      string
	}
	if err := tx.Raw(`SELECT
			min(at) FILTER (WHERE status IN ?) AS accepted_at,
			min(at) FILTER (WHERE status = ?) AS delivered_at,
			max(at) AS latest_at,
			(SELECT status FROM tracking_events WHERE tenant_id = ? AND shipment_id = ? ORDER BY at DESC, id DESC LIMIT 1) AS latest
		FROM tracking_events WHERE tenant_id = ? AND shipment_id = ?`,
		[]string{carrier.StatusAccepted, carrier.StatusInTransit, carrier.StatusOutForDel, carrier.StatusDelivered, carrier.StatusReturned},
		carrier.StatusDelivered, tenantID, r.ID, tenantID, r.ID).Scan(&agg).Error; err != nil {
		return fmt.Errorf("shipping: tracking summary: %w", err)
	}
	now := s.now()
	// The carrier's overall status counts only for parcels it reports no
	// scans of; otherwise the newest scan recorded speaks.
	latest := agg.Latest
	if latest == "" {
		latest = t.Status
	}
	accepted := earliest(r.AcceptedAt, agg.AcceptedAt)
	if accepted == nil && withCarrier(t.Status) {
		accepted = &now
	}
	delivered := earliest(r.DeliveredAt, agg.DeliveredAt)
	if delivered == nil && t.Status == carrier.StatusDelivered {
		delivered = &now
	}
	status := api.ShipmentLabeled
	switch {
	case delivered != nil:
		status = api.ShipmentDelivered
	case latest == carrier.StatusException || latest == carrier.StatusReturned:
		status = api.ShipmentException
	case accepted != nil:
		status = api.ShipmentShipped
	}
	// An estimate comes with the tracking it belongs to: one older than the
	// newest scan recorded is stale and keeps the current estimate.
	var eta *time.Time
	stale := !newest.IsZero() && agg.LatestAt != nil && newest.Before(*agg.LatestAt)
	if t.EstimatedDelivery != nil && !stale {
		d := t.EstimatedDelivery.Time()
		eta = &d
	}
	return tx.Exec(`UPDATE shipments SET status = ?, tracking_status = ?, accepted_at = ?, delivered_at = ?,
			estimated_delivery = coalesce(?, estimated_delivery), last_tracked_at = ?, track_error = '',
			possible_lost_at = CASE WHEN ?::timestamptz IS NULL THEN possible_lost_at END, updated_at = now()
		WHERE tenant_id = ? AND id = ?`, status, latest, accepted, delivered, eta, now, accepted, tenantID, r.ID).Error
}

func earliest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.Before(*b):
		return a
	}
	return b
}

// converge brings the order in line with its parcel: SHIPPED once the
// carrier has it, with the tracking sent back to the channel once, and
// DELIVERED once delivered. Every step checks before it acts, so a retry or
// a second poll repeats nothing; a step that fails is retried by the next.
func (s *Service) converge(ctx context.Context, tenantID, shipmentID uuid.UUID) error {
	var r shipmentRow
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		r, err = shipmentTx(tx, tenantID, shipmentID, false)
		return err
	})
	if err != nil || r.OrderID == nil || r.AcceptedAt == nil {
		return err
	}
	orderID := *r.OrderID
	o, err := s.orders.Get(ctx, tenantID, orderID)
	if err != nil {
		return err
	}
	reason := "carrier accepted parcel " + r.TrackingNumber
	if domain.OrderStatus(o.Status) == domain.StatusLabeled {
		shippedOrder, err := s.orders.Transition(ctx, tenantID, orderID, domain.StatusShipped, "carrier:"+r.Provider, reason)
		if err != nil {
			return fmt.Errorf("shipping: ship order %d: %w", o.Number, err)
		}
		o = shippedOrder
	}
	shipped := o.Status == api.StatusShipped || o.Status == api.StatusDelivered
	if !shipped {
		s.log.Warn("shipping: carrier has a parcel of an order that is not shipped", slog.String("order_id", orderID.String()),
			slog.String("order_status", o.Status), slog.String("shipment_id", r.ID.String()))
		return nil
	}
	if err := s.syncBackOnce(ctx, tenantID, r); err != nil {
		return err
	}
	if r.DeliveredAt != nil && o.Status == api.StatusShipped {
		if _, err := s.orders.Transition(ctx, tenantID, orderID, domain.StatusDelivered, "carrier:"+r.Provider,
			"carrier delivered parcel "+r.TrackingNumber); err != nil {
			return fmt.Errorf("shipping: deliver order %d: %w", o.Number, err)
		}
	}
	return nil
}

// syncBackOnce claims the shipment's sync-back, so that concurrent polls
// call the channel once, and gives the claim back if the call fails.
func (s *Service) syncBackOnce(ctx context.Context, tenantID uuid.UUID, r shipmentRow) error {
	if r.SyncBackAt != nil {
		return nil
	}
	var claimed bool
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE shipments SET sync_back_at = ? WHERE tenant_id = ? AND id = ? AND sync_back_at IS NULL`,
			s.now(), tenantID, r.ID)
		claimed = res.RowsAffected > 0
		return res.Error
	})
	if err != nil || !claimed || s.syncBack == nil {
		return err
	}
	service := r.ServiceName
	if service == "" {
		service = r.Service
	}
	if err := s.syncBack.Record(ctx, tenantID, *r.OrderID, r.Carrier, service, r.TrackingNumber, *r.AcceptedAt); err != nil {
		rerr := s.db.Tenant(context.WithoutCancel(ctx), tenantID, func(tx *gorm.DB) error {
			return tx.Exec(`UPDATE shipments SET sync_back_at = NULL WHERE tenant_id = ? AND id = ?`, tenantID, r.ID).Error
		})
		return errors.Join(fmt.Errorf("shipping: sync tracking back to the channel: %w", err), rerr)
	}
	return nil
}

// TrackTenant polls the carriers for the tenant's parcels whose tracking is
// stale (webhooks keep it fresh where the provider sends them), applies
// what they say, flags parcels never accepted and forgets old webhook
// deliveries. It returns how many parcels it asked about.
func (s *Service) TrackTenant(ctx context.Context, tenantID uuid.UUID) (int, error) {
	type due struct {
		ID               uuid.UUID
		CarrierAccountID uuid.UUID
		TrackingNumber   string
	}
	var (
		rows  []due
		accts = map[uuid.UUID]account{}
		bad   = map[uuid.UUID]error{}
	)
	now := s.now()
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT id, carrier_account_id, tracking_number FROM shipments
			WHERE tenant_id = ? AND status IN ('labeled', 'shipped', 'exception') AND tracking_number <> ''
			  AND carrier_account_id IS NOT NULL AND labeled_at > ?
			  AND (last_tracked_at IS NULL OR last_tracked_at <= ?)
			ORDER BY last_tracked_at NULLS FIRST LIMIT ?`, tenantID, now.Add(-trackWindow), now.Add(-trackEvery), trackBatch).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if _, seen := accts[r.CarrierAccountID]; seen || bad[r.CarrierAccountID] != nil {
				continue
			}
			a, err := s.accountTx(tx, tenantID, r.CarrierAccountID)
			if err != nil {
				bad[r.CarrierAccountID] = err
				continue
			}
			accts[r.CarrierAccountID] = a
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("shipping: parcels to track: %w", err)
	}
	var errs []error
	for _, r := range rows {
		a, ok := accts[r.CarrierAccountID]
		var t carrier.Tracking
		var err error
		if !ok {
			err = bad[r.CarrierAccountID]
		} else {
			callCtx, cancel := context.WithTimeout(ctx, trackTimeout)
			t, err = a.adapter.Track(callCtx, a.conn, r.TrackingNumber)
			cancel()
		}
		if err == nil {
			err = s.ApplyTracking(ctx, tenantID, r.ID, t)
		}
		if err != nil {
			s.recordTrackError(ctx, tenantID, r.ID, err)
			errs = append(errs, fmt.Errorf("shipping: track %s: %w", r.TrackingNumber, err))
		}
	}
	if _, err := s.FlagPossibleLost(ctx, tenantID); err != nil {
		errs = append(errs, err)
	}
	if err := s.purgeDeliveries(ctx, tenantID); err != nil {
		errs = append(errs, err)
	}
	return len(rows), errors.Join(errs...)
}

func (s *Service) recordTrackError(ctx context.Context, tenantID, id uuid.UUID, cause error) {
	err := s.db.Tenant(context.WithoutCancel(ctx), tenantID, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE shipments SET last_tracked_at = ?, track_error = ? WHERE tenant_id = ? AND id = ?`,
			s.now(), cause.Error(), tenantID, id).Error
	})
	if err != nil {
		s.log.Error("shipping: record tracking error", slog.String("shipment_id", id.String()), slog.String("err", err.Error()))
	}
}

// possibleLostSQL selects labeled parcels the carrier has not accepted
// possible_lost_hours after they were due: labeled, and their tender date
// begun on the warehouse clock. Parameters: time zone, cut-off instant.
const possibleLostSQL = `status = 'labeled' AND accepted_at IS NULL
	AND greatest(labeled_at, ship_date::timestamp AT TIME ZONE ?) <= ?`

// FlagPossibleLost marks the tenant's labeled parcels with no carrier
// acceptance after the possible-lost hours, and returns how many it newly
// marked. A later acceptance clears the mark.
func (s *Service) FlagPossibleLost(ctx context.Context, tenantID uuid.UUID) (int, error) {
	var n int64
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		st, err := s.settingsTx(tx, tenantID)
		if err != nil {
			return err
		}
		now := s.now()
		res := tx.Exec(`UPDATE shipments SET possible_lost_at = ?, updated_at = now()
			WHERE tenant_id = ? AND possible_lost_at IS NULL AND `+possibleLostSQL,
			now, tenantID, st.api.TimeZone, now.Add(-st.possibleLost))
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("shipping: flag possible lost parcels: %w", err)
	}
	return int(n), nil
}

// TrackAll runs TrackTenant for every tenant; per-parcel failures are
// logged and recorded on the parcel, not returned.
func (s *Service) TrackAll(ctx context.Context) error {
	tenants, err := db.IDs(s.db.Unscoped(ctx), `SELECT t AS id FROM tenant_ids() AS t`)
	if err != nil {
		return fmt.Errorf("shipping: list tenants: %w", err)
	}
	for _, t := range tenants {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// A carrier that is down fails its parcels, which keep their error
		// and are asked again next time; it must not stop other tenants.
		if n, err := s.TrackTenant(ctx, t); err != nil {
			s.log.Warn("shipping: tracking poll", slog.String("tenant_id", t.String()), slog.Int("parcels", n), slog.String("err", err.Error()))
		}
	}
	return nil
}
