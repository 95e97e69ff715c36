package shipping_test

import (
	"reflect"
	"testing"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
)

func TestSavingsReport(t *testing.T) {
	f := newFixture(t)
	// Two 2-Day labels against FedEx 2Day: $0.70 saved each.
	f.labeled("SecondDay")
	f.labeled("SecondDay")
	// A voided label was refunded: it saved nothing.
	v := f.labeled("SecondDay")
	if _, err := f.svc.Void(f.ctx, f.tenant, sid(v), "test"); err != nil {
		t.Fatal(err)
	}
	// The default becomes UPS Ground, cheaper but too slow for 2-Day: the
	// next label costs $1.15 more than the default would have.
	f.settings(func(s *api.ShippingSettings) { s.Baselines["two_day"] = "ups_direct/03" })
	neg := f.labeled("SecondDay")
	if neg.Saved != "-1.15" || neg.Decision.Saving == nil || neg.Decision.Saving.BaselineEligible {
		t.Fatalf("negative saving %+v", neg.Decision.Saving)
	}
	// A Standard label goes by UPS Ground, the default itself: saved 0.
	f.labeled("Standard")
	// A quick quote buys nothing and saves nothing.
	if _, err := f.svc.QuickRate(f.ctx, f.tenant, "test", api.QuickRateRequest{To: api.Address{PostalCode: "60606", Country: "US"},
		Parcel: api.Parcel{WeightOz: 10, LengthIn: 5, WidthIn: 5, HeightIn: 5}, PromiseLevel: "two_day"}); err != nil {
		t.Fatal(err)
	}

	r, err := f.svc.SavingsReport(f.ctx, f.tenant, "2026-11-22", "2026-12-01", "")
	if err != nil {
		t.Fatal(err)
	}
	want := api.SavingsReport{From: "2026-11-22", To: "2026-12-01", Days: 10, Currency: "USD", Shipments: 4, Measured: 4,
		Spent: "32.45", Baseline: "32.70", Saved: "0.25", Gained: "1.40", Lost: "1.15",
		MonthlyProjection: "0.75", YearlyProjection: "9.13"}
	rows := r.Rows
	r.Rows = nil
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("report\n got %+v\nwant %+v", r, want)
	}
	wantRows := []api.SavingsRow{
		{Provider: "easypost", Carrier: "usps", Service: "USPS Priority Mail", Shipments: 3, Measured: 3, Spent: "25.20",
			Baseline: "25.45", Saved: "0.25", Gained: "1.40", Lost: "1.15"},
		{Provider: "ups_direct", Carrier: "ups", Service: "UPS Ground", Shipments: 1, Measured: 1, Spent: "7.25",
			Baseline: "7.25", Saved: "0.00", Gained: "0.00", Lost: "0.00"},
	}
	if len(rows) != len(wantRows) {
		t.Fatalf("rows %+v", rows)
	}
	for i := range rows {
		if rows[i] != wantRows[i] {
			t.Fatalf("row %d\n got %+v\nwant %+v", i, rows[i], wantRows[i])
		}
	}

	// One day: the projection is the day's net times 30 and 365.
	day, err := f.svc.SavingsReport(f.ctx, f.tenant, "2026-12-01", "2026-12-01", "USD")
	if err != nil || day.MonthlyProjection != "7.50" || day.YearlyProjection != "91.25" {
		t.Fatalf("one day %+v %v", day, err)
	}
	// Labels of another period do not count.
	later, err := f.svc.SavingsReport(f.ctx, f.tenant, "2026-12-02", "2026-12-31", "")
	if err != nil || later.Shipments != 0 || later.Saved != "0.00" || len(later.Rows) != 0 {
		t.Fatalf("later %+v %v", later, err)
	}
	_, err = f.svc.SavingsReport(f.ctx, f.tenant, "2026-12-31", "2026-12-01", "")
	wantKind(t, err, apperr.KindInvalid, "before")
	_, err = f.svc.SavingsReport(f.ctx, f.tenant, "yesterday", "", "")
	wantKind(t, err, apperr.KindInvalid, `from "yesterday"`)
}
