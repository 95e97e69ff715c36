package channel_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
)

// imported takes in a two-line channel order and returns its Manifold id.
func (x *intakeFixture) imported(a api.ChannelAccount, external string) uuid.UUID {
	x.t.Helper()
	x.cx.put(uuid.MustParse(a.ID), channelOrder(external, line("L-1", "CH-1", 2, 100), line("L-2", "CH-2", 1, 100)))
	x.poll(a)
	o, ok := x.ordersOf(x.tenant, a.ID)[external]
	if !ok {
		x.t.Fatalf("order %s not taken in", external)
	}
	return uuid.MustParse(o.ID)
}

func (x *intakeFixture) confirmation(order uuid.UUID) channel.ShipmentConfirmation {
	x.t.Helper()
	cs, err := x.sync.Confirmations(x.ctx, x.tenant, order)
	if err != nil || len(cs) != 1 {
		x.t.Fatalf("confirmations: %+v (%v), want one", cs, err)
	}
	return cs[0]
}

var shipped = channel.ShipmentInfo{Carrier: " UPS ", Service: "Ground", TrackingNumber: "1Z999AA10123456784",
	TrackingURL: "https://www.ups.com/track?tracknum=1Z999AA10123456784", ShippedAt: time.Date(2030, 5, 2, 15, 4, 5, 0, time.UTC)}

// TestSyncBackConfirmed: tracking reaches the channel with the order's
// channel line ids and quantities, once.
func TestSyncBackConfirmed(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	order := x.imported(a, "PO-1")
	c, err := x.sync.Record(x.ctx, x.tenant, order, shipped)
	if err != nil || c.State != channel.ConfirmPending || c.Carrier != "ups" || c.Attempts != 0 {
		t.Fatalf("record: %+v (%v)", c, err)
	}
	if n := len(x.jobs.tasks(channel.TaskConfirmShipment)); n != 1 {
		t.Fatalf("%d confirmation tasks queued, want 1", n)
	}
	x.runJobsOK()
	got := x.confirmation(order)
	if got.ID != c.ID || got.State != channel.ConfirmConfirmed || got.ConfirmedAt == nil || got.Attempts != 1 || got.LastError != "" {
		t.Fatalf("after the task: %+v", got)
	}
	sent := x.cx.shipments()
	want := channel.Shipment{ExternalOrderID: "PO-1", Carrier: "ups", Service: "Ground", TrackingNumber: shipped.TrackingNumber,
		TrackingURL: shipped.TrackingURL, ShippedAt: shipped.ShippedAt,
		Lines: []channel.ShippedLine{{ChannelLineID: "L-1", ChannelSKU: "CH-1", Quantity: 2}, {ChannelLineID: "L-2", ChannelSKU: "CH-2", Quantity: 1}}}
	if len(sent) != 1 || !sameShipment(sent[0], want) {
		t.Fatalf("sent %+v, want %+v", sent, want)
	}
	again, err := x.sync.Record(x.ctx, x.tenant, order, shipped)
	if err != nil || again.ID != c.ID || again.State != channel.ConfirmConfirmed {
		t.Fatalf("recorded again: %+v (%v)", again, err)
	}
	x.runJobsOK()
	if len(x.cx.shipments()) != 1 {
		t.Fatal("a confirmed shipment was sent again")
	}
}

func sameShipment(a, b channel.Shipment) bool {
	if a.ExternalOrderID != b.ExternalOrderID || a.Carrier != b.Carrier || a.Service != b.Service || a.TrackingNumber != b.TrackingNumber ||
		a.TrackingURL != b.TrackingURL || !a.ShippedAt.Equal(b.ShippedAt) || len(a.Lines) != len(b.Lines) {
		return false
	}
	for i := range a.Lines {
		if a.Lines[i] != b.Lines[i] {
			return false
		}
	}
	return true
}

// TestSyncBackRejectedVerbatim: the channel's refusal is kept in its words
// and not retried.
func TestSyncBackRejectedVerbatim(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	order := x.imported(a, "PO-1")
	const words = "Tracking number 1Z999AA10123456784 was already used for order 112-4455667-1234567."
	x.cx.failConfirm(&channel.Rejection{Status: 400, Message: words})
	if _, err := x.sync.Record(x.ctx, x.tenant, order, shipped); err != nil {
		t.Fatal(err)
	}
	if errs := x.runJobs(); len(errs) != 0 {
		t.Fatalf("a refusal was returned for a retry: %v", errs)
	}
	got := x.confirmation(order)
	if got.State != channel.ConfirmRejected || got.LastError != words || got.Attempts != 1 || got.ConfirmedAt != nil {
		t.Fatalf("after the refusal: %+v", got)
	}
	x.exec(`UPDATE shipment_confirmations SET updated_at = now() - interval '1 day' WHERE tenant_id = ?`, x.tenant)
	if _, err := x.sync.EnqueuePending(x.ctx); err != nil {
		t.Fatal(err)
	}
	x.runJobsOK()
	if got := x.confirmation(order); got.State != channel.ConfirmRejected || got.Attempts != 1 {
		t.Fatalf("a refused confirmation was sent again: %+v", got)
	}
}

// TestSyncBackRetriedOnFailure: a 5xx, a network error or a throttle keeps
// the confirmation pending and asks for a retry, which sends it.
func TestSyncBackRetriedOnFailure(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	order := x.imported(a, "PO-1")
	x.cx.failConfirm(errors.New("POST /shipping: 503 Service Unavailable"), &channel.Throttled{RetryAfter: time.Second, Message: "slow down"})
	c, err := x.sync.Record(x.ctx, x.tenant, order, shipped)
	if err != nil {
		t.Fatal(err)
	}
	h := x.sync.ConfirmHandler()
	task := channel.ConfirmTask(x.tenant, uuid.MustParse(c.ID))
	for i, want := range []string{"POST /shipping: 503 Service Unavailable", "throttled by the channel: slow down"} {
		err := h.ProcessTask(x.ctx, task)
		if err == nil || isSkipRetry(err) || isRevoked(err) {
			t.Fatalf("attempt %d: %v, want an error to retry", i+1, err)
		}
		if got := x.confirmation(order); got.State != channel.ConfirmPending || got.Attempts != i+1 || got.LastError != want {
			t.Fatalf("after attempt %d: %+v", i+1, got)
		}
	}
	if err := h.ProcessTask(x.ctx, task); err != nil {
		t.Fatal(err)
	}
	if got := x.confirmation(order); got.State != channel.ConfirmConfirmed || got.Attempts != 3 || got.LastError != "" {
		t.Fatalf("after the retry: %+v", got)
	}
	if len(x.cx.shipments()) != 1 {
		t.Fatalf("sent %d times", len(x.cx.shipments()))
	}
}

// TestSyncBackConverges: confirmations whose task was lost are enqueued
// again by the periodic pass once their backoff has passed.
func TestSyncBackConverges(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	first, second := x.imported(a, "PO-1"), x.imported(a, "PO-2")
	c1, _ := x.sync.Record(x.ctx, x.tenant, first, shipped)
	c2, _ := x.sync.Record(x.ctx, x.tenant, second, shipped)
	x.jobs.clear()
	queued := func() map[string]bool {
		out := map[string]bool{}
		for _, j := range x.jobs.tasks(channel.TaskConfirmShipment) {
			var pl channel.ConfirmPayload
			if err := json.Unmarshal(j.task.Payload(), &pl); err != nil {
				t.Fatal(err)
			}
			out[pl.ConfirmationID.String()] = true
		}
		return out
	}
	if _, err := x.sync.EnqueuePending(x.ctx); err != nil {
		t.Fatal(err)
	}
	if q := queued(); q[c1.ID] || q[c2.ID] {
		t.Fatalf("fresh confirmations enqueued again at once: %v", q)
	}
	// Two minutes without news; the second has failed three times, so it
	// waits eight.
	x.exec(`UPDATE shipment_confirmations SET updated_at = now() - interval '2 minutes' WHERE tenant_id = ?`, x.tenant)
	x.exec(`UPDATE shipment_confirmations SET attempts = 3 WHERE tenant_id = ? AND id = ?`, x.tenant, uuid.MustParse(c2.ID))
	if _, err := x.sync.EnqueuePending(x.ctx); err != nil {
		t.Fatal(err)
	}
	if q := queued(); !q[c1.ID] || q[c2.ID] {
		t.Fatalf("queued %v, want only %s", q, c1.ID)
	}
	x.runJobsOK()
	if got := x.confirmation(first); got.State != channel.ConfirmConfirmed {
		t.Fatalf("not converged: %+v", got)
	}
}

// TestSyncBackWithoutAChannel: a manual order is confirmed at once; a
// disabled account keeps the confirmation pending with the reason.
func TestSyncBackWithoutAChannel(t *testing.T) {
	x := newIntakeFixture(t)
	x.product("SKU-1", 5)
	res, err := x.orders.CreateManual(x.ctx, x.tenant, "test", api.CreateOrderRequest{CustomerName: "Dana Whitfield",
		ShipTo: api.Address{Name: "Dana Whitfield", Line1: "1200 Commerce St", City: "Dallas", Region: "TX", PostalCode: "75202", Country: "US"},
		Lines:  []api.OrderLineInput{{SKU: "SKU-1", Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	manual := uuid.MustParse(res.Order.ID)
	c, err := x.sync.Record(x.ctx, x.tenant, manual, shipped)
	if err != nil || c.State != channel.ConfirmConfirmed || c.ConfirmedAt == nil {
		t.Fatalf("manual order: %+v (%v)", c, err)
	}
	if n := len(x.jobs.tasks(channel.TaskConfirmShipment)); n != 0 {
		t.Fatalf("a manual order queued %d tasks", n)
	}

	a := x.connect(x.tenant)
	order := x.imported(a, "PO-1")
	x.setEnabled(uuid.MustParse(a.ID), false)
	if _, err := x.sync.Record(x.ctx, x.tenant, order, shipped); err != nil {
		t.Fatal(err)
	}
	errs := x.runJobs()
	if len(errs) != 1 || !isRevoked(errs[0]) {
		t.Fatalf("confirmation on a disabled account: %v, want the task revoked", errs)
	}
	if got := x.confirmation(order); got.State != channel.ConfirmPending || got.LastError == "" {
		t.Fatalf("confirmation on a disabled account: %+v", got)
	}

	if _, err := x.sync.Record(x.ctx, x.newTenant(), order, shipped); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("record on another tenant's order: %v, want not found", err)
	}
	if _, err := x.sync.Record(x.ctx, x.tenant, order, channel.ShipmentInfo{Carrier: "ups"}); apperr.KindOf(err) != apperr.KindInvalid {
		t.Fatalf("record without a tracking number: %v, want invalid", err)
	}
	if err := x.sync.ConfirmHandler().ProcessTask(x.ctx, channel.ConfirmTask(x.tenant, uuid.New())); !isSkipRetry(err) {
		t.Fatalf("confirmation that does not exist: %v, want SkipRetry", err)
	}
}

// TestShipmentConfirmationsAPI lists an order's confirmations over HTTP.
func TestShipmentConfirmationsAPI(t *testing.T) {
	x := newIntakeFixture(t)
	a := x.connect(x.tenant)
	order := x.imported(a, "PO-1")
	x.cx.failConfirm(&channel.Rejection{Status: 400, Code: "INVALID", Message: "carrier not supported"})
	if _, err := x.sync.Record(x.ctx, x.tenant, order, shipped); err != nil {
		t.Fatal(err)
	}
	x.runJobsOK()
	c, _ := x.serveAPI(x.tenant)
	ctx := context.Background()
	var out channel.ShipmentConfirmationList
	if err := c.Do(ctx, http.MethodGet, api.Version+"/orders/"+order.String()+"/shipment-confirmations", nil, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Confirmations) != 1 || out.Confirmations[0].State != "rejected" || out.Confirmations[0].LastError != "INVALID: carrier not supported" ||
		out.Confirmations[0].TrackingNumber != shipped.TrackingNumber {
		t.Fatalf("confirmations: %+v", out)
	}
	other, _ := x.serveAPI(x.newTenant())
	if err := other.Do(ctx, http.MethodGet, api.Version+"/orders/"+order.String()+"/shipment-confirmations", nil, &out); client.StatusOf(err) != 404 {
		t.Fatalf("another tenant: %v, want 404", err)
	}
	if err := c.Do(ctx, http.MethodGet, api.Version+"/orders/nope/shipment-confirmations", nil, &out); client.StatusOf(err) != 400 {
		t.Fatalf("malformed id: %v, want 400", err)
	}
}
