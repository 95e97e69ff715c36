package shipping_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/shared/api"
)

func event(at time.Time, status, code string) carrier.TrackingEvent {
	return carrier.TrackingEvent{At: at, Status: status, Code: code, Description: status, Location: "DALLAS TX"}
}

// The carrier's first acceptance scan ships the order (its stock is
// consumed) and syncs the tracking back to the channel once; delivery
// delivers it.
func TestTrackingShipsOrderAndSyncsBackOnce(t *testing.T) {
	f := newFixture(t)
	sh := f.labeled("SecondDay")
	orderID := uuid.MustParse(sh.OrderID)
	before := f.onHand("SKU-4412")

	created := event(tuesday.Add(time.Minute), carrier.StatusPreTransit, "PRE")
	if err := f.svc.ApplyTracking(f.ctx, f.tenant, sid(sh), carrier.Tracking{TrackingNumber: sh.TrackingNumber,
		Status: carrier.StatusPreTransit, Events: []carrier.TrackingEvent{created}}); err != nil {
		t.Fatal(err)
	}
	if st := f.orderStatus(orderID); st != api.StatusLabeled || len(f.sync.all()) != 0 {
		t.Fatalf("pre-transit shipped the order: %s, %d sync-backs", st, len(f.sync.all()))
	}

	accepted := event(tuesday.Add(6*time.Hour), carrier.StatusAccepted, "03")
	tr := carrier.Tracking{TrackingNumber: sh.TrackingNumber, Status: carrier.StatusAccepted, EstimatedDelivery: date("2026-12-03"),
		Events: []carrier.TrackingEvent{created, accepted}}
	if err := f.svc.ApplyTracking(f.ctx, f.tenant, sid(sh), tr); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetShipment(f.ctx, f.tenant, sid(sh))
	if got.Status != api.ShipmentShipped || got.AcceptedAt == nil || !got.AcceptedAt.Equal(accepted.At) || got.EstimatedDelivery != "2026-12-03" || len(got.Events) != 2 {
		t.Fatalf("shipment after acceptance: %+v", got)
	}
	if st := f.orderStatus(orderID); st != api.StatusShipped {
		t.Fatalf("order is %s", st)
	}
	if after := f.onHand("SKU-4412"); after != before-2 {
		t.Fatalf("on hand %d → %d; shipping should consume 2", before, after)
	}
	calls := f.sync.all()
	want := syncCall{OrderID: orderID.String(), Carrier: "usps", Service: "USPS Priority Mail", Tracking: sh.TrackingNumber,
		ShippedAt: accepted.At.UTC().Format(time.RFC3339)}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("sync-back calls %+v, want one %+v", calls, want)
	}

	// The same events again, and later ones, change nothing twice.
	tr.Events = append(tr.Events, event(tuesday.Add(20*time.Hour), carrier.StatusInTransit, "T1"))
	tr.Status = carrier.StatusInTransit
	for range 2 {
		if err := f.svc.ApplyTracking(f.ctx, f.tenant, sid(sh), tr); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.sync.all()); n != 1 {
		t.Fatalf("sync-back called %d times", n)
	}
	got, _ = f.svc.GetShipment(f.ctx, f.tenant, sid(sh))
	if len(got.Events) != 3 {
		t.Fatalf("events %+v", got.Events)
	}

	tr.Events = append(tr.Events, event(tuesday.Add(48*time.Hour), carrier.StatusDelivered, "01"))
	tr.Status = carrier.StatusDelivered
	if err := f.svc.ApplyTracking(f.ctx, f.tenant, sid(sh), tr); err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.GetShipment(f.ctx, f.tenant, sid(sh))
	if got.Status != api.ShipmentDelivered || got.DeliveredAt == nil || f.orderStatus(orderID) != api.StatusDelivered {
		t.Fatalf("after delivery: shipment %s, order %s", got.Status, f.orderStatus(orderID))
	}
	if n := len(f.sync.all()); n != 1 {
		t.Fatalf("sync-back called %d times", n)
	}
}

// The periodic poll asks the carrier for stale parcels; a sync-back that
// fails is retried by the next poll, and succeeds once.
func TestTrackingPollRetriesFailedSyncBack(t *testing.T) {
	f := newFixture(t)
	sh := f.labeled("SecondDay")
	orderID := uuid.MustParse(sh.OrderID)
	f.sync.fail = 1
	f.fakes[carrier.EasyPost].set(func(x *fakeCarrier) {
		x.tracking[sh.TrackingNumber] = carrier.Tracking{TrackingNumber: sh.TrackingNumber, Status: carrier.StatusAccepted,
			Events: []carrier.TrackingEvent{event(tuesday.Add(5*time.Hour), carrier.StatusAccepted, "03")}}
	})
	// Fresh labels are polled at once; the failing channel fails the parcel.
	n, err := f.svc.TrackTenant(f.ctx, f.tenant)
	if n != 1 || err == nil {
		t.Fatalf("first poll: %d parcels, err %v", n, err)
	}
	if st := f.orderStatus(orderID); st != api.StatusShipped || len(f.sync.all()) != 0 {
		t.Fatalf("order %s, sync-backs %d", st, len(f.sync.all()))
	}
	// Too soon: nothing is asked.
	if n, err := f.svc.TrackTenant(f.ctx, f.tenant); n != 0 || err != nil {
		t.Fatalf("second poll asked %d parcels: %v", n, err)
	}
	f.clock.Advance(31 * time.Minute)
	if n, err := f.svc.TrackTenant(f.ctx, f.tenant); n != 1 || err != nil {
		t.Fatalf("third poll: %d, %v", n, err)
	}
	if calls := f.sync.all(); len(calls) != 1 || calls[0].Tracking != sh.TrackingNumber {
		t.Fatalf("sync-back calls %+v", calls)
	}
	f.clock.Advance(31 * time.Minute)
	if _, err := f.svc.TrackTenant(f.ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sync.all()); n != 1 {
		t.Fatalf("sync-back called %d times", n)
	}
}

// Labeled parcels the carrier has not accepted after the tenant's hours are
// flagged as possibly lost; an acceptance clears the flag.
func TestPossibleLost(t *testing.T) {
	f := newFixture(t)
	sh := f.labeled("SecondDay")
	other := f.labeled("SecondDay")

	f.clock.Advance(23 * time.Hour)
	if n, err := f.svc.FlagPossibleLost(f.ctx, f.tenant); err != nil || n != 0 {
		t.Fatalf("flagged %d after 23 hours: %v", n, err)
	}
	if err := f.svc.ApplyTracking(f.ctx, f.tenant, sid(other), carrier.Tracking{Status: carrier.StatusAccepted,
		Events: []carrier.TrackingEvent{event(tuesday.Add(22*time.Hour), carrier.StatusAccepted, "03")}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Hour)
	if n, err := f.svc.FlagPossibleLost(f.ctx, f.tenant); err != nil || n != 1 {
		t.Fatalf("flagged %d after 25 hours: %v", n, err)
	}
	lost, err := f.svc.ListShipments(f.ctx, f.tenant, nil, true, 0)
	if err != nil || len(lost) != 1 || lost[0].ID != sh.ID || lost[0].PossibleLostAt == nil {
		t.Fatalf("possible lost %+v %v", lost, err)
	}
	h, err := f.svc.StartHandoff(f.ctx, f.tenant, "test", api.StartHandoffRequest{Carrier: "usps", ShipDate: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.PossibleLost) != 1 || h.PossibleLost[0].TrackingNumber != sh.TrackingNumber {
		t.Fatalf("hand-off possible lost %+v", h.PossibleLost)
	}
	if err := f.svc.ApplyTracking(f.ctx, f.tenant, sid(sh), carrier.Tracking{Status: carrier.StatusAccepted,
		Events: []carrier.TrackingEvent{event(f.clock.Now(), carrier.StatusAccepted, "03")}}); err != nil {
		t.Fatal(err)
	}
	if lost, _ := f.svc.ListShipments(f.ctx, f.tenant, nil, true, 0); len(lost) != 0 {
		t.Fatalf("still flagged after acceptance: %+v", lost)
	}
}

// A parcel labeled on a Saturday for Monday's truck is due from Monday.
func TestPossibleLostCountsFromTheTenderDate(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(time.Date(2026, 12, 5, 11, 0, 0, 0, chicago)) // Saturday
	sh := f.labeled("SecondDay")
	if sh.ShipDate != "2026-12-07" {
		t.Fatalf("tender date %s, want Monday 2026-12-07", sh.ShipDate)
	}
	f.clock.Set(time.Date(2026, 12, 7, 12, 0, 0, 0, chicago)) // 49 hours later, 12 hours into Monday
	if n, _ := f.svc.FlagPossibleLost(f.ctx, f.tenant); n != 0 {
		t.Fatalf("flagged %d parcels before they were due", n)
	}
	f.clock.Set(time.Date(2026, 12, 8, 0, 30, 0, 0, chicago))
	if n, _ := f.svc.FlagPossibleLost(f.ctx, f.tenant); n != 1 {
		t.Fatalf("flagged %d parcels 24.5 hours into their tender date", n)
	}
}

// Tracking applied out of order — a delayed webhook, a slow poll — adds
// its events and moves nothing back: the newest scan decides the state.
func TestOlderTrackingDoesNotMoveTheShipmentBack(t *testing.T) {
	f := newFixture(t)
	sh := f.labeled("SecondDay")
	accepted := event(tuesday.Add(5*time.Hour), carrier.StatusAccepted, "03")
	problem := event(tuesday.Add(30*time.Hour), carrier.StatusException, "X1")
	newer := carrier.Tracking{TrackingNumber: sh.TrackingNumber, Status: carrier.StatusException, EstimatedDelivery: date("2026-12-07"),
		Events: []carrier.TrackingEvent{accepted, problem}}
	older := carrier.Tracking{TrackingNumber: sh.TrackingNumber, Status: carrier.StatusAccepted, EstimatedDelivery: date("2026-12-03"),
		Events: []carrier.TrackingEvent{accepted}}
	for _, tr := range []carrier.Tracking{newer, older} {
		if err := f.svc.ApplyTracking(f.ctx, f.tenant, sid(sh), tr); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := f.svc.GetShipment(f.ctx, f.tenant, sid(sh))
	if got.Status != api.ShipmentException || got.TrackingStatus != carrier.StatusException || got.EstimatedDelivery != "2026-12-07" ||
		got.AcceptedAt == nil || !got.AcceptedAt.Equal(accepted.At) || len(got.Events) != 2 {
		t.Fatalf("shipment after the older tracking: status %s, tracking %s, estimate %s, accepted %v, %d events",
			got.Status, got.TrackingStatus, got.EstimatedDelivery, got.AcceptedAt, len(got.Events))
	}
	// A newer scan still moves it on.
	moving := event(tuesday.Add(40*time.Hour), carrier.StatusInTransit, "T2")
	if err := f.svc.ApplyTracking(f.ctx, f.tenant, sid(sh), carrier.Tracking{TrackingNumber: sh.TrackingNumber,
		Status: carrier.StatusInTransit, Events: []carrier.TrackingEvent{accepted, problem, moving}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.GetShipment(f.ctx, f.tenant, sid(sh)); got.Status != api.ShipmentShipped || got.TrackingStatus != carrier.StatusInTransit {
		t.Fatalf("after a newer scan: %s %s", got.Status, got.TrackingStatus)
	}
}
