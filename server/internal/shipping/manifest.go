package shipping

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/api"
)

// manifestTimeout bounds one close-out call.
const manifestTimeout = 60 * time.Second

// NoteUploadedElectronically is the note of a close-out for a provider that
// has no manifest or scan form: its shipments reach the carrier electronically.
const NoteUploadedElectronically = "uploaded electronically"

type manifestRow struct {
	ID              uuid.UUID
	Provider        string
	ShipDate        time.Time
	ExternalID      string
	TrackingNumbers []byte
	HasDocument     bool
	DocumentURL     string
	Note            string
	CreatedAt       time.Time
}

const manifestColumns = `id, provider, ship_date, external_id, to_jsonb(tracking_numbers) AS tracking_numbers,
	document IS NOT NULL AS has_document, document_url, note, created_at`

func (r manifestRow) toAPI() api.Manifest {
	out := api.Manifest{ID: r.ID.String(), Provider: r.Provider, ShipDate: rateshop.DateOf(r.ShipDate).String(),
		ExternalID: r.ExternalID, TrackingNumbers: []string{}, HasDocument: r.HasDocument, DocumentURL: r.DocumentURL,
		Note: r.Note, CreatedAt: r.CreatedAt}
	_ = json.Unmarshal(r.TrackingNumbers, &out.TrackingNumbers)
	return out
}

// CloseOut closes out one provider's parcels of a ship date that are not on
// a manifest yet: the provider's close-out form (USPS SCAN form, EasyPost
// scan form, Shippo manifest), or, for a provider without one, a record
// that they were uploaded electronically. The parcels are held while the
// provider answers, so two close-outs cannot put a parcel on two forms.
func (s *Service) CloseOut(ctx context.Context, tenantID uuid.UUID, actor string, req api.CloseOutRequest) (api.Manifest, error) {
	if err := s.checkProvider(req.Provider); err != nil {
		return api.Manifest{}, err
	}
	shipDate, err := parseShipDate(req.ShipDate)
	if err != nil {
		return api.Manifest{}, err
	}
	var out api.Manifest
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		st, err := s.settingsTx(tx, tenantID)
		if err != nil {
			return err
		}
		if shipDate.IsZero() {
			shipDate = rateshop.DateOf(s.now().In(st.loc))
		}
		accts, _, err := s.enabledAccountsTx(tx, tenantID)
		if err != nil {
			return err
		}
		var acct *account
		for i := range accts {
			if accts[i].row.Provider == req.Provider {
				acct = &accts[i]
			}
		}
		if acct == nil {
			return apperr.Conflict("there is no enabled %s carrier account to close out", req.Provider)
		}
		var parcels []struct {
			ID                 uuid.UUID
			TrackingNumber     string
			ProviderShipmentID string
			ShipFrom           []byte
		}
		if err := tx.Raw(`SELECT id, tracking_number, provider_shipment_id, ship_from FROM shipments
			WHERE tenant_id = ? AND carrier_account_id = ? AND ship_date = ? AND manifest_id IS NULL
			  AND status IN ('labeled', 'shipped')
			ORDER BY labeled_at, tracking_number FOR UPDATE`, tenantID, acct.row.ID, shipDate.Time()).Scan(&parcels).Error; err != nil {
			return fmt.Errorf("shipping: parcels to close out: %w", err)
		}
		if len(parcels) == 0 {
			return apperr.Conflict("no %s parcels labeled for %s are waiting for a close-out", req.Provider, shipDate)
		}
		mreq := carrier.ManifestRequest{ShipDate: shipDate}
		if st.api.Origin != nil {
			mreq.From = toRateAddress(*st.api.Origin)
		} else {
			var from api.Address
			_ = json.Unmarshal(parcels[0].ShipFrom, &from)
			mreq.From = toRateAddress(from)
		}
		ids := make([]uuid.UUID, 0, len(parcels))
		for _, p := range parcels {
			ids = append(ids, p.ID)
			mreq.TrackingNumbers = append(mreq.TrackingNumbers, p.TrackingNumber)
			mreq.ProviderShipmentIDs = append(mreq.ProviderShipmentIDs, p.ProviderShipmentID)
		}
		callCtx, cancel := context.WithTimeout(ctx, manifestTimeout)
		m, err := acct.adapter.Manifest(callCtx, acct.conn, mreq)
		cancel()
		note := ""
		var rej *carrier.Rejection
		switch {
		case errors.Is(err, carrier.ErrNoManifest):
			note = NoteUploadedElectronically + ": " + req.Provider + " has no manifest or scan form"
			m = carrier.Manifest{TrackingNumbers: mreq.TrackingNumbers}
		case errors.As(err, &rej):
			return apperr.Conflict("%s refused the close-out: %s", req.Provider, rej.Error())
		case err != nil:
			return apperr.Unavailable(err, "%s did not close out the parcels; try again", req.Provider)
		}
		tracking := m.TrackingNumbers
		if len(tracking) == 0 {
			tracking = mreq.TrackingNumbers
		}
		id := uuid.New()
		if err := tx.Exec(`INSERT INTO manifests (tenant_id, id, provider, carrier_account_id, ship_date, external_id,
				tracking_numbers, document, document_url, note, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ARRAY(SELECT jsonb_array_elements_text(?::jsonb)), ?, ?, ?, ?, ?)`,
			tenantID, id, req.Provider, acct.row.ID, shipDate.Time(), m.ID, mustJSON(tracking), nilIfEmpty(m.Document),
			m.DocumentURL, note, actor, s.now()).Error; err != nil {
			return fmt.Errorf("shipping: record manifest: %w", err)
		}
		if err := tx.Exec(`UPDATE shipments SET manifest_id = ?, updated_at = now() WHERE tenant_id = ? AND id IN ?`,
			id, tenantID, ids).Error; err != nil {
			return fmt.Errorf("shipping: mark manifested parcels: %w", err)
		}
		var r manifestRow
		if err := tx.Raw(`SELECT `+manifestColumns+` FROM manifests WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&r).Error; err != nil {
			return err
		}
		out = r.toAPI()
		return nil
	})
	return out, wrap(err, "close out")
}

// ManifestDocument returns a manifest's printable form.
func (s *Service) ManifestDocument(ctx context.Context, tenantID, id uuid.UUID) ([]byte, error) {
	var row struct {
		Document []byte
		URL      string
		Found    bool
	}
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT document, document_url AS url, true AS found FROM manifests WHERE tenant_id = ? AND id = ?`,
			tenantID, id).Scan(&row).Error
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("shipping: read manifest: %w", err)
	case !row.Found:
		return nil, apperr.NotFound("manifest %s not found", id)
	case len(row.Document) == 0 && row.URL != "":
		return nil, apperr.NotFound("the provider keeps this form at %s", row.URL)
	case len(row.Document) == 0:
		return nil, apperr.NotFound("manifest %s has no printable form", id)
	}
	return row.Document, nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
