package shippo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

type transactionResp struct {
	ObjectID       string    `json:"object_id"`
	Status         string    `json:"status"`
	Rate           string    `json:"rate"`
	TrackingNumber string    `json:"tracking_number"`
	LabelURL       string    `json:"label_url"`
	Messages       []Message `json:"messages"`
}

// BuyLabel implements carrier.Adapter: a transaction for the quote's rate
// (or, with no RateID, for the requested service on a new shipment), in
// ZPLII or PDF_4x6, then the label file from its URL. A transaction that
// ends in status ERROR is a *carrier.Rejection in the carrier's words.
func (a *Adapter) BuyLabel(ctx context.Context, c carrier.Conn, req carrier.LabelRequest) (carrier.Label, error) {
	s, err := a.session(c)
	if err != nil {
		return carrier.Label{}, err
	}
	fileType, format := "ZPLII", "zpl"
	switch strings.ToLower(req.Format) {
	case "", "zpl":
	case "pdf":
		fileType, format = "PDF_4x6", "pdf"
	default:
		return carrier.Label{}, fmt.Errorf("shippo: label format %q is not zpl or pdf", req.Format)
	}
	var rt rate
	if req.RateID != "" {
		if rt, err = s.rate(ctx, req.RateID); err != nil {
			return carrier.Label{}, err
		}
	} else if rt, err = a.freshRate(ctx, s, req); err != nil {
		return carrier.Label{}, err
	}
	body := map[string]any{"rate": rt.ObjectID, "label_file_type": fileType, "async": false}
	if req.Reference != "" {
		body["metadata"] = req.Reference
	}
	r, err := s.call(ctx, http.MethodPost, "/transactions/", body)
	if err != nil {
		return carrier.Label{}, err
	}
	if !r.ok() {
		return carrier.Label{}, fail("buy rate "+rt.ObjectID, r)
	}
	var tx transactionResp
	if err := json.Unmarshal(r.body, &tx); err != nil || tx.ObjectID == "" {
		return carrier.Label{}, fmt.Errorf("shippo: buy rate %s: malformed answer", rt.ObjectID)
	}
	if tx, err = a.settle(ctx, s, tx); err != nil {
		return carrier.Label{}, err
	}
	if tx.Status == "ERROR" {
		return carrier.Label{}, fmt.Errorf("shippo: buy rate %s: %w", rt.ObjectID, rejection(r.status, tx.Messages))
	}
	if tx.TrackingNumber == "" || tx.LabelURL == "" {
		return carrier.Label{}, fmt.Errorf("shippo: buy rate %s: transaction %s has status %s but no tracking number or label",
			rt.ObjectID, tx.ObjectID, tx.Status)
	}
	data, err := s.download(ctx, tx.LabelURL)
	if err != nil {
		return carrier.Label{}, err
	}
	cents, err := rateshop.ParseCents(rt.Amount)
	if err != nil {
		return carrier.Label{}, fmt.Errorf("shippo: rate %s amount: %w", rt.ObjectID, err)
	}
	return carrier.Label{Provider: carrier.Shippo, Carrier: carrierOf(rt.Provider), Service: rt.Servicelevel.Token,
		TrackingNumber: tx.TrackingNumber, ProviderShipmentID: tx.ObjectID, CostCents: cents, Currency: rt.Currency,
		Format: format, Data: data}, nil
}

// settle waits for a queued purchase to succeed or fail.
func (a *Adapter) settle(ctx context.Context, s *session, tx transactionResp) (transactionResp, error) {
	for tx.Status == "QUEUED" || tx.Status == "WAITING" {
		if err := a.wait(ctx); err != nil {
			return tx, fmt.Errorf("shippo: transaction %s still %s: %w", tx.ObjectID, tx.Status, err)
		}
		r, err := s.call(ctx, http.MethodGet, "/transactions/"+url.PathEscape(tx.ObjectID), nil)
		if err != nil {
			return tx, err
		}
		if !r.ok() {
			return tx, fail("transaction "+tx.ObjectID, r)
		}
		if err := json.Unmarshal(r.body, &tx); err != nil {
			return tx, fmt.Errorf("shippo: transaction: malformed answer: %w", err)
		}
	}
	return tx, nil
}

// wait sleeps one poll interval, or until ctx ends.
func (a *Adapter) wait(ctx context.Context) error {
	t := time.NewTimer(a.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// rejection is a failed transaction's messages as a *carrier.Rejection.
func rejection(status int, msgs []Message) *carrier.Rejection {
	rej := &carrier.Rejection{Status: status, Message: "the transaction failed without a message"}
	var texts []string
	for _, m := range msgs {
		if rej.Code == "" {
			rej.Code = m.Code
		}
		texts = append(texts, m.Text)
		if strings.Contains(strings.ToLower(m.Code+" "+m.Text), "address") {
			rej.Address = true
		}
	}
	if len(texts) > 0 {
		rej.Message = strings.Join(texts, "; ")
	}
	return rej
}

func (s *session) rate(ctx context.Context, id string) (rate, error) {
	r, err := s.call(ctx, http.MethodGet, "/rates/"+url.PathEscape(id), nil)
	if err != nil {
		return rate{}, err
	}
	if !r.ok() {
		return rate{}, fail("rate "+id, r)
	}
	var rt rate
	if err := json.Unmarshal(r.body, &rt); err != nil || rt.ObjectID == "" {
		return rate{}, fmt.Errorf("shippo: rate %s: malformed answer", id)
	}
	return rt, nil
}

// freshRate rates the label request's parcel and finds its service.
func (a *Adapter) freshRate(ctx context.Context, s *session, req carrier.LabelRequest) (rate, error) {
	sh, err := a.createShipment(ctx, s, req.From, req.To, req.Parcel, req.ShipDate)
	if err != nil {
		return rate{}, err
	}
	for _, r := range sh.Rates {
		if r.Servicelevel.Token == req.Service && (req.Carrier == "" || carrierOf(r.Provider) == strings.ToLower(req.Carrier)) {
			return r, nil
		}
	}
	err = fmt.Errorf("shippo: no %s rate for this parcel", req.Service)
	if len(sh.Messages) > 0 {
		err = fmt.Errorf("%w (%w)", err, &RatingErrors{ShipmentID: sh.ObjectID, Messages: sh.Messages})
	}
	return rate{}, err
}

// Void implements carrier.Adapter with a refund of the label's
// transaction. A refund Shippo marks ERROR is a *carrier.Rejection.
func (a *Adapter) Void(ctx context.Context, c carrier.Conn, l carrier.Label) error {
	if l.ProviderShipmentID == "" {
		return errors.New("shippo: void: the label has no Shippo transaction id")
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	r, err := s.call(ctx, http.MethodPost, "/refunds/", map[string]any{"transaction": l.ProviderShipmentID, "async": false})
	if err != nil {
		return err
	}
	if !r.ok() {
		return fail("refund "+l.ProviderShipmentID, r)
	}
	var rf struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(r.body, &rf); err != nil {
		return fmt.Errorf("shippo: refund %s: malformed answer: %w", l.ProviderShipmentID, err)
	}
	switch rf.Status {
	case "QUEUED", "PENDING", "SUCCESS":
		return nil
	}
	return fmt.Errorf("shippo: refund %s: %w", l.ProviderShipmentID,
		&carrier.Rejection{Status: r.status, Code: "REFUND_" + rf.Status, Message: "Shippo answered the refund with status " + rf.Status})
}
