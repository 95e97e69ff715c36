package shippo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
)

type manifestResp struct {
	ObjectID     string   `json:"object_id"`
	Status       string   `json:"status"`
	Documents    []string `json:"documents"`
	Transactions []string `json:"transactions"`
	Errors       []any    `json:"errors"`
}

// Manifest implements carrier.Adapter with a manifest of the parcels'
// transactions for one carrier account (CredManifestAccount, or the first
// parcel's). Shippo makes it asynchronously: it is asked for again until it
// succeeds (or the context ends), then its document is fetched.
func (a *Adapter) Manifest(ctx context.Context, c carrier.Conn, req carrier.ManifestRequest) (carrier.Manifest, error) {
	var txs []string
	for _, id := range req.ProviderShipmentIDs {
		if id != "" {
			txs = append(txs, id)
		}
	}
	if len(txs) == 0 {
		return carrier.Manifest{}, errors.New("shippo: manifest: no Shippo transaction ids")
	}
	s, err := a.session(c)
	if err != nil {
		return carrier.Manifest{}, err
	}
	account := strings.TrimSpace(c.Credentials[CredManifestAccount])
	if account == "" {
		if account, err = s.accountOf(ctx, txs[0]); err != nil {
			return carrier.Manifest{}, err
		}
	}
	body := map[string]any{"carrier_account": account, "shipment_date": req.ShipDate.String() + "T00:00:00Z",
		"address_from": toAddress(req.From), "transactions": txs, "async": false}
	r, err := s.call(ctx, http.MethodPost, "/manifests/", body)
	if err != nil {
		return carrier.Manifest{}, err
	}
	if !r.ok() {
		return carrier.Manifest{}, fail("manifest", r)
	}
	var m manifestResp
	if err := json.Unmarshal(r.body, &m); err != nil || m.ObjectID == "" {
		return carrier.Manifest{}, errors.New("shippo: manifest: malformed answer: no object_id")
	}
	for m.Status != "SUCCESS" || len(m.Documents) == 0 {
		if m.Status == "ERROR" {
			detail, _ := json.Marshal(m.Errors)
			return carrier.Manifest{}, fmt.Errorf("shippo: manifest %s: %w", m.ObjectID,
				&carrier.Rejection{Status: r.status, Code: "MANIFEST_ERROR", Message: string(detail)})
		}
		if err := a.wait(ctx); err != nil {
			return carrier.Manifest{}, fmt.Errorf("shippo: manifest %s still %s: %w", m.ObjectID, m.Status, err)
		}
		if r, err = s.call(ctx, http.MethodGet, "/manifests/"+url.PathEscape(m.ObjectID), nil); err != nil {
			return carrier.Manifest{}, err
		}
		if !r.ok() {
			return carrier.Manifest{}, fail("manifest "+m.ObjectID, r)
		}
		if err := json.Unmarshal(r.body, &m); err != nil {
			return carrier.Manifest{}, fmt.Errorf("shippo: manifest: malformed answer: %w", err)
		}
	}
	doc, err := s.download(ctx, m.Documents[0])
	if err != nil {
		return carrier.Manifest{}, err
	}
	return carrier.Manifest{ID: m.ObjectID, TrackingNumbers: append([]string(nil), req.TrackingNumbers...),
		Document: doc, DocumentURL: m.Documents[0]}, nil
}

// accountOf finds the carrier account a transaction was bought with.
func (s *session) accountOf(ctx context.Context, transactionID string) (string, error) {
	r, err := s.call(ctx, http.MethodGet, "/transactions/"+url.PathEscape(transactionID), nil)
	if err != nil {
		return "", err
	}
	if !r.ok() {
		return "", fail("transaction "+transactionID, r)
	}
	var tx transactionResp
	if err := json.Unmarshal(r.body, &tx); err != nil || tx.Rate == "" {
		return "", fmt.Errorf("shippo: transaction %s: malformed answer: no rate", transactionID)
	}
	rt, err := s.rate(ctx, tx.Rate)
	if err != nil {
		return "", err
	}
	if rt.CarrierAccount == "" {
		return "", fmt.Errorf("shippo: rate %s names no carrier account; set the %q credential", tx.Rate, CredManifestAccount)
	}
	return rt.CarrierAccount, nil
}
