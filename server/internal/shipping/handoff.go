package shipping

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/api"
)

var carrierPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)

// scanLookback bounds the labels a scan is matched against.
const scanLookback = 120 * 24 * time.Hour

// expectedSQL selects the parcels due on a carrier's truck on a ship date.
// Parameters: carrier, ship date.
const expectedSQL = `carrier = ? AND ship_date = ? AND status IN ('labeled', 'shipped', 'exception')`

type handoffRow struct {
	ID        uuid.UUID
	Carrier   string
	ShipDate  time.Time
	StartedBy string
	StartedAt time.Time
	ClosedAt  *time.Time
}

// StartHandoff opens a hand-off scan for one carrier's truck on a ship date
// (today when empty). The carrier is the one on the truck (ups, usps,
// fedex ...), whichever provider sold the labels.
func (s *Service) StartHandoff(ctx context.Context, tenantID uuid.UUID, actor string, req api.StartHandoffRequest) (api.Handoff, error) {
	c := strings.ToLower(strings.TrimSpace(req.Carrier))
	if !carrierPattern.MatchString(c) {
		return api.Handoff{}, apperr.Invalid("carrier %q must be a carrier code such as ups, usps or fedex", req.Carrier)
	}
	shipDate, err := parseShipDate(req.ShipDate)
	if err != nil {
		return api.Handoff{}, err
	}
	id := uuid.New()
	var out api.Handoff
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		st, err := s.settingsTx(tx, tenantID)
		if err != nil {
			return err
		}
		if shipDate.IsZero() {
			shipDate = rateshop.DateOf(s.now().In(st.loc))
		}
		if err := tx.Exec(`INSERT INTO handoffs (tenant_id, id, carrier, ship_date, started_by, started_at) VALUES (?, ?, ?, ?, ?, ?)`,
			tenantID, id, c, shipDate.Time(), actor, s.now()).Error; err != nil {
			return fmt.Errorf("shipping: start hand-off: %w", err)
		}
		out, err = s.handoffTx(tx, tenantID, id, st)
		return err
	})
	return out, wrap(err, "start hand-off")
}

// Handoff returns a hand-off with its reconciliation.
func (s *Service) Handoff(ctx context.Context, tenantID, id uuid.UUID) (api.Handoff, error) {
	var out api.Handoff
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		st, err := s.settingsTx(tx, tenantID)
		if err != nil {
			return err
		}
		out, err = s.handoffTx(tx, tenantID, id, st)
		return err
	})
	return out, wrap(err, "hand-off")
}

// CloseHandoff ends a hand-off; its reconciliation stays readable.
func (s *Service) CloseHandoff(ctx context.Context, tenantID, id uuid.UUID, actor string) (api.Handoff, error) {
	var out api.Handoff
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		st, err := s.settingsTx(tx, tenantID)
		if err != nil {
			return err
		}
		if _, err := lockHandoff(tx, tenantID, id); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE handoffs SET closed_at = coalesce(closed_at, ?), closed_by = CASE WHEN closed_at IS NULL THEN ? ELSE closed_by END
			WHERE tenant_id = ? AND id = ?`, s.now(), actor, tenantID, id).Error; err != nil {
			return err
		}
		out, err = s.handoffTx(tx, tenantID, id, st)
		return err
	})
	return out, wrap(err, "close hand-off")
}

func lockHandoff(tx *gorm.DB, tenantID, id uuid.UUID) (handoffRow, error) {
	var h handoffRow
	res := tx.Raw(`SELECT id, carrier, ship_date, started_by, started_at, closed_at FROM handoffs
		WHERE tenant_id = ? AND id = ? FOR UPDATE`, tenantID, id).Scan(&h)
	if res.Error != nil {
		return h, res.Error
	}
	if res.RowsAffected == 0 {
		return h, apperr.NotFound("hand-off %s not found", id)
	}
	return h, nil
}

// scanMatch is a label a scanned code stands for.
type scanMatch struct {
	ID             uuid.UUID
	TrackingNumber string
	Status         string
	Carrier        string
	ShipDate       time.Time
}

// Scan records one label scanned at the truck and says what it is: a parcel
// due on this truck, one already scanned, a voided label that must not ship,
// or a parcel that does not belong here. Scans of one hand-off are taken one
// at a time, so two scanners cannot both count a parcel as the first.
func (s *Service) Scan(ctx context.Context, tenantID, handoffID uuid.UUID, actor, code string) (api.HandoffScanResult, error) {
	raw := strings.TrimSpace(code)
	if raw == "" || len(raw) > 4096 {
		return api.HandoffScanResult{}, apperr.Invalid("code must be the scanned tracking number or barcode text (1 to 4096 characters)")
	}
	candidates := scanCandidates(raw)
	if len(candidates) == 0 {
		return api.HandoffScanResult{}, apperr.Invalid("code %q holds no tracking number", raw)
	}
	var out api.HandoffScanResult
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		st, err := s.settingsTx(tx, tenantID)
		if err != nil {
			return err
		}
		h, err := lockHandoff(tx, tenantID, handoffID)
		if err != nil {
			return err
		}
		if h.ClosedAt != nil {
			return apperr.Conflict("hand-off %s is closed; start a new one to scan more parcels", handoffID)
		}
		var matches []scanMatch
		if err := tx.Raw(`SELECT id, tracking_number, status, carrier, ship_date FROM shipments
			WHERE tenant_id = ? AND tracking_number <> '' AND created_at > ?
			  AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(?::jsonb) c(code)
			              WHERE c.code = upper(tracking_number)
			                 OR (length(tracking_number) >= 8 AND right(c.code, length(tracking_number)) = upper(tracking_number)))
			ORDER BY (carrier = ? AND ship_date = ?) DESC, (status <> 'voided') DESC, created_at DESC, seq DESC`,
			tenantID, s.now().Add(-scanLookback), mustJSON(candidates), h.Carrier, h.ShipDate).Scan(&matches).Error; err != nil {
			return fmt.Errorf("shipping: match scan: %w", err)
		}
		scan := api.HandoffScan{Raw: raw, TrackingNumber: candidates[0], ScannedAt: s.now()}
		var shipmentID *uuid.UUID
		if len(matches) > 0 {
			m := matches[0]
			shipmentID = &m.ID
			scan.ShipmentID, scan.TrackingNumber = m.ID.String(), m.TrackingNumber
		}
		var dup int64
		if err := tx.Raw(`SELECT count(*) FROM handoff_scans WHERE tenant_id = ? AND handoff_id = ? AND tracking_number = ?`,
			tenantID, handoffID, scan.TrackingNumber).Scan(&dup).Error; err != nil {
			return err
		}
		date := rateshop.DateOf(h.ShipDate)
		switch {
		case dup > 0:
			scan.Result, scan.Message = api.ScanDuplicate, "already scanned onto this truck"
		case len(matches) == 0:
			scan.Result, scan.Message = api.ScanUnexpected, "no label of ours has this tracking number; keep the parcel off the truck"
		case matches[0].Status == api.ShipmentVoided:
			scan.Result, scan.Message = api.ScanVoided, "this label was voided; take the parcel off the truck and relabel it"
		case matches[0].Carrier != h.Carrier:
			scan.Result = api.ScanUnexpected
			scan.Message = fmt.Sprintf("this parcel goes with %s, not %s", strings.ToUpper(matches[0].Carrier), strings.ToUpper(h.Carrier))
		case rateshop.DateOf(matches[0].ShipDate) != date:
			scan.Result = api.ScanUnexpected
			scan.Message = fmt.Sprintf("this parcel is labeled to ship on %s, not %s", rateshop.DateOf(matches[0].ShipDate), date)
		case matches[0].Status == api.ShipmentLabeled || matches[0].Status == api.ShipmentShipped || matches[0].Status == api.ShipmentException:
			scan.Result, scan.Message = api.ScanExpected, "on the manifest"
		default:
			scan.Result = api.ScanUnexpected
			scan.Message = fmt.Sprintf("this parcel is %s", matches[0].Status)
		}
		if err := tx.Exec(`INSERT INTO handoff_scans (tenant_id, handoff_id, raw, tracking_number, shipment_id, result, message,
				scanned_by, scanned_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tenantID, handoffID, raw, scan.TrackingNumber, shipmentID, scan.Result, scan.Message,
			actor, scan.ScannedAt).Error; err != nil {
			return fmt.Errorf("shipping: record scan: %w", err)
		}
		out.Scan = scan
		out.Handoff, err = s.handoffTx(tx, tenantID, handoffID, st)
		return err
	})
	return out, wrap(err, "scan")
}

// handoffTx builds a hand-off's reconciliation.
func (s *Service) handoffTx(tx *gorm.DB, tenantID, id uuid.UUID, st settings) (api.Handoff, error) {
	var h handoffRow
	res := tx.Raw(`SELECT id, carrier, ship_date, started_by, started_at, closed_at FROM handoffs WHERE tenant_id = ? AND id = ?`,
		tenantID, id).Scan(&h)
	if res.Error != nil {
		return api.Handoff{}, res.Error
	}
	if res.RowsAffected == 0 {
		return api.Handoff{}, apperr.NotFound("hand-off %s not found", id)
	}
	out := api.Handoff{ID: h.ID.String(), Carrier: h.Carrier, ShipDate: rateshop.DateOf(h.ShipDate).String(),
		StartedBy: h.StartedBy, StartedAt: h.StartedAt, ClosedAt: h.ClosedAt, Expected: []api.HandoffParcel{},
		Missing: []api.HandoffParcel{}, Unexpected: []api.HandoffScan{}, Voided: []api.HandoffScan{},
		Duplicates: []api.HandoffScan{}, Scans: []api.HandoffScan{}, PossibleLost: []api.HandoffParcel{}}
	var scans []struct {
		Raw            string
		TrackingNumber string
		ShipmentID     *uuid.UUID
		Result         string
		Message        string
		ScannedAt      time.Time
	}
	if err := tx.Raw(`SELECT raw, tracking_number, shipment_id, result, message, scanned_at FROM handoff_scans
		WHERE tenant_id = ? AND handoff_id = ? ORDER BY id`, tenantID, id).Scan(&scans).Error; err != nil {
		return api.Handoff{}, fmt.Errorf("shipping: hand-off scans: %w", err)
	}
	scanned := map[uuid.UUID]bool{}
	for _, sc := range scans {
		a := api.HandoffScan{Raw: sc.Raw, TrackingNumber: sc.TrackingNumber, Result: sc.Result, Message: sc.Message, ScannedAt: sc.ScannedAt}
		if sc.ShipmentID != nil {
			a.ShipmentID = sc.ShipmentID.String()
			if sc.Result == api.ScanExpected {
				scanned[*sc.ShipmentID] = true
			}
		}
		out.Scans = append(out.Scans, a)
		switch sc.Result {
		case api.ScanUnexpected:
			out.Unexpected = append(out.Unexpected, a)
		case api.ScanVoided:
			out.Voided = append(out.Voided, a)
		case api.ScanDuplicate:
			out.Duplicates = append(out.Duplicates, a)
		}
	}
	expected, err := parcelsTx(tx, tenantID, expectedSQL, h.Carrier, h.ShipDate)
	if err != nil {
		return api.Handoff{}, err
	}
	for _, p := range expected {
		p.Scanned = scanned[uuid.MustParse(p.ShipmentID)]
		out.Expected = append(out.Expected, p)
		if !p.Scanned {
			out.Missing = append(out.Missing, p)
		}
	}
	lost, err := parcelsTx(tx, tenantID, `carrier = ? AND `+possibleLostSQL, h.Carrier, st.api.TimeZone, s.now().Add(-st.possibleLost))
	if err != nil {
		return api.Handoff{}, err
	}
	out.PossibleLost = append(out.PossibleLost, lost...)
	return out, nil
}

func parcelsTx(tx *gorm.DB, tenantID uuid.UUID, where string, args ...any) ([]api.HandoffParcel, error) {
	var rows []struct {
		ID             uuid.UUID
		OrderID        *uuid.UUID
		TrackingNumber string
		Service        string
		ServiceName    string
		LabeledAt      *time.Time
	}
	if err := tx.Raw(`SELECT id, order_id, tracking_number, service, service_name, labeled_at FROM shipments
		WHERE tenant_id = ? AND `+where+` ORDER BY labeled_at, id`, append([]any{tenantID}, args...)...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("shipping: parcels: %w", err)
	}
	out := make([]api.HandoffParcel, 0, len(rows))
	for _, r := range rows {
		p := api.HandoffParcel{ShipmentID: r.ID.String(), TrackingNumber: r.TrackingNumber, Service: r.Service, LabeledAt: r.LabeledAt}
		if r.ServiceName != "" {
			p.Service = r.ServiceName
		}
		if r.OrderID != nil {
			p.OrderID = r.OrderID.String()
		}
		out = append(out, p)
	}
	return out, nil
}
