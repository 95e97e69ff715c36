package rateshop

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

const monday = "2026-03-02" // an ordinary week: Mon 2 .. Fri 6 March 2026

var twoDay = Promise{Level: "2day", MaxBusinessDays: 2}

// excluded returns the exclusion text of the quote with the given RateID.
func excluded(t *testing.T, dec Decision, id string) string {
	t.Helper()
	for _, e := range dec.Quotes {
		if e.Quote.RateID == id {
			return e.Excluded
		}
	}
	t.Fatalf("quote %s not in decision", id)
	return ""
}

func evaluated(t *testing.T, dec Decision, id string) Evaluated {
	t.Helper()
	for _, e := range dec.Quotes {
		if e.Quote.RateID == id {
			return e
		}
	}
	t.Fatalf("quote %s not in decision", id)
	return Evaluated{}
}

func TestDecide(t *testing.T) {
	ups := quote("ups-ground", ProviderUPS, "UPS", "03", "7.90")
	fedex2 := quote("fedex-2day", ProviderFedEx, "FedEx", "FEDEX_2_DAY", "9.10")
	epPriority := quote("ep-priority", ProviderEasyPost, "USPS", "Priority", "8.40")

	cases := []struct {
		name   string
		in     Input
		winner string // RateID of the expected winner, "" for none
		reason string // substring of WinnerReason, or of ReviewReason when there is no winner
		tender string
		deadln string
		check  func(t *testing.T, dec Decision)
	}{
		{
			name: "worked example: 2-Day, Ground cheapest but late, USPS Priority beats FedEx 2Day",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{
				ups.inDays(3), fedex2.inDays(2), epPriority.inDays(2),
			}},
			winner: "ep-priority", reason: "cheapest eligible quote; next cheapest fedex_direct/FedEx FEDEX_2_DAY at 9.10",
			tender: monday, deadln: "2026-03-04",
			check: func(t *testing.T, dec Decision) {
				if got := excluded(t, dec, "ups-ground"); got != "estimated delivery 2026-03-05 (carrier_business_days) is after the deadline 2026-03-04" {
					t.Errorf("ground excluded as %q", got)
				}
				if *dec.Winner.Cents != 840 {
					t.Errorf("winner cents %d", *dec.Winner.Cents)
				}
			},
		},
		{
			name: "worked example: same service at 8.50 and 6.80",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{
				quote("usps-direct", ProviderUSPS, "USPS", "Priority", "8.50").inDays(2),
				quote("ep", ProviderEasyPost, "USPS", "Priority", "6.80").inDays(2),
			}},
			winner: "ep", reason: "next cheapest usps_direct/USPS Priority at 8.50",
		},
		{
			name: "Friday ship date plus two business days is Tuesday",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, "2026-03-06"), Quotes: []Quote{
				quote("late", ProviderFedEx, "FedEx", "GROUND", "5.00").on("2026-03-11"),
				quote("tuesday", ProviderUPS, "UPS", "02", "9.00").inDays(2),
			}},
			winner: "tuesday", tender: "2026-03-06", deadln: "2026-03-10",
			check: func(t *testing.T, dec Decision) {
				if got := *evaluated(t, dec, "tuesday").EstimatedDelivery; got != d(t, "2026-03-10") {
					t.Errorf("tuesday estimated %s", got)
				}
			},
		},
		{
			name: "Saturday ship date tenders Monday",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, "2026-03-07"), Quotes: []Quote{
				epPriority.inDays(2),
			}},
			winner: "ep-priority", reason: "only eligible quote", tender: "2026-03-09", deadln: "2026-03-11",
		},
		{
			name: "Thanksgiving is not a business day",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, "2026-11-25"), Quotes: []Quote{
				ups.inDays(2), fedex2.on("2026-12-01"),
			}},
			winner: "ups-ground", tender: "2026-11-25", deadln: "2026-11-30",
			check: func(t *testing.T, dec Decision) {
				if got := *evaluated(t, dec, "ups-ground").EstimatedDelivery; got != d(t, "2026-11-30") {
					t.Errorf("ground estimated %s", got)
				}
				if got := excluded(t, dec, "fedex-2day"); !strings.Contains(got, "after the deadline 2026-11-30") {
					t.Errorf("fedex excluded as %q", got)
				}
			},
		},
		{
			name: "Christmas Eve ship, next-day promise lands on Monday",
			in: Input{Currency: "USD", Promise: Promise{Level: "overnight", MaxBusinessDays: 1}, ShipDate: d(t, "2026-12-24"), Quotes: []Quote{
				quote("nda", ProviderUPS, "UPS", "01", "31.00").inDays(1),
			}},
			winner: "nda", tender: "2026-12-24", deadln: "2026-12-28",
		},
		{
			name: "New Year observed on Friday 31 December",
			in: Input{Currency: "USD", Promise: Promise{Level: "overnight", MaxBusinessDays: 1}, ShipDate: d(t, "2027-12-31"), Quotes: []Quote{
				quote("nda", ProviderUPS, "UPS", "01", "31.00").inDays(1),
			}},
			winner: "nda", tender: "2028-01-03", deadln: "2028-01-04",
		},
		{
			name: "tie on price goes to the earlier date",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{
				quote("wed", ProviderUPS, "UPS", "02", "8.00").on("2026-03-04"),
				quote("tue", ProviderFedEx, "FedEx", "FEDEX_2_DAY", "8.00").on("2026-03-03"),
			}},
			winner: "tue", reason: "tied on price with ups_direct/UPS 02; won on earlier delivery",
		},
		{
			name: "then to the guaranteed service",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{
				quote("plain", ProviderEasyPost, "USPS", "Priority", "8.00").inDays(2),
				quote("sure", ProviderUPS, "UPS", "02", "8.00").inDays(2).guaranteed(),
			}},
			winner: "sure", reason: "won on guaranteed delivery",
		},
		{
			name: "then to the preferred provider",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), ProviderPreference: []string{ProviderShippo, ProviderEasyPost},
				Quotes: []Quote{
					quote("ep", ProviderEasyPost, "USPS", "Priority", "8.00").inDays(2),
					quote("direct", ProviderUSPS, "USPS", "PRIORITY_MAIL", "8.00").inDays(2),
					quote("shippo", ProviderShippo, "USPS", "usps_priority", "8.00").inDays(2),
				}},
			winner: "shippo", reason: "tied on price with easypost/USPS Priority; won on provider preference",
		},
		{
			name: "then by name when no preference separates them",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), ProviderPreference: []string{ProviderFedEx},
				Quotes: []Quote{
					quote("shippo", ProviderShippo, "USPS", "usps_priority", "8.00").inDays(2),
					quote("ep", ProviderEasyPost, "USPS", "Priority", "8.00").inDays(2),
				}},
			winner: "ep", reason: "won on name",
		},
		{
			name: "missing estimates: business days, then service table, else excluded",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
				ServiceTable: ServiceTable{{ProviderUSPS, "PRIORITY_MAIL"}: 2, {ProviderFedEx, "FEDEX_GROUND"}: 4},
				Quotes: []Quote{
					quote("table", ProviderUSPS, "USPS", "PRIORITY_MAIL", "7.00"),
					quote("table-late", ProviderFedEx, "FedEx", "FEDEX_GROUND", "6.00"),
					quote("unknown", ProviderShippo, "UPS", "ups_ground", "5.00"),
					quote("carrier-days", ProviderUPS, "UPS", "02", "9.00").inDays(1),
				}},
			winner: "table",
			check: func(t *testing.T, dec Decision) {
				if e := evaluated(t, dec, "table"); e.EstimateSource != EstimateServiceTable || *e.EstimatedDelivery != d(t, "2026-03-04") {
					t.Errorf("table quote estimated %v from %s", e.EstimatedDelivery, e.EstimateSource)
				}
				if e := evaluated(t, dec, "carrier-days"); e.EstimateSource != EstimateCarrierDays {
					t.Errorf("carrier-days source %s", e.EstimateSource)
				}
				if got := excluded(t, dec, "table-late"); !strings.Contains(got, "(service_table) is after the deadline") {
					t.Errorf("table-late excluded as %q", got)
				}
				if e := evaluated(t, dec, "unknown"); e.Excluded != "no delivery estimate" || e.EstimateSource != EstimateNone || e.EstimatedDelivery != nil {
					t.Errorf("unknown evaluated as %+v", e)
				}
			},
		},
		{
			name: "implausible or negative transit times are no estimate",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{
				quote("huge", ProviderUPS, "UPS", "03", "1.00").inDays(1_000_000_000),
				quote("negative", ProviderUPS, "UPS", "02", "1.00").inDays(-1),
				epPriority.inDays(2),
			}},
			winner: "ep-priority",
			check: func(t *testing.T, dec Decision) {
				for _, id := range []string{"huge", "negative"} {
					if got := excluded(t, dec, id); got != "no delivery estimate" {
						t.Errorf("%s excluded as %q", id, got)
					}
				}
			},
		},
		{
			name: "carrier date wins over carrier business days",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{
				epPriority.on("2026-03-04").inDays(5),
			}},
			winner: "ep-priority",
			check: func(t *testing.T, dec Decision) {
				if dec.Winner.EstimateSource != EstimateCarrierDate {
					t.Errorf("source %s", dec.Winner.EstimateSource)
				}
			},
		},
		{
			name: "quote in another currency is excluded even when cheaper",
			in: Input{Currency: "usd", Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{
				quote("cad", ProviderEasyPost, "CanadaPost", "Expedited", "3.00").inDays(1).currency("CAD"),
				quote("none", ProviderEasyPost, "USPS", "Express", "2.00").inDays(1).currency(""),
				fedex2.inDays(2).currency("usd"),
			}},
			winner: "fedex-2day",
			check: func(t *testing.T, dec Decision) {
				if got := excluded(t, dec, "cad"); got != "currency CAD is not the order's USD" {
					t.Errorf("cad excluded as %q", got)
				}
				if got := excluded(t, dec, "none"); got != "quote has no currency" {
					t.Errorf("none excluded as %q", got)
				}
			},
		},
		{
			name: "guaranteed-only level excludes a fast but unguaranteed service",
			in: Input{Currency: "USD", Promise: Promise{Level: "2day_guaranteed", MaxBusinessDays: 2, GuaranteedOnly: true}, ShipDate: d(t, monday),
				Quotes: []Quote{
					epPriority.on("2026-03-03"),
					fedex2.inDays(2).guaranteed(),
					quote("late-guaranteed", ProviderUPS, "UPS", "12", "8.00").inDays(3).guaranteed(),
				}},
			winner: "fedex-2day",
			check: func(t *testing.T, dec Decision) {
				if got := excluded(t, dec, "ep-priority"); got != `not guaranteed, and promise "2day_guaranteed" accepts guaranteed services only` {
					t.Errorf("priority excluded as %q", got)
				}
				if got := excluded(t, dec, "late-guaranteed"); !strings.Contains(got, "after the deadline") {
					t.Errorf("late guaranteed excluded as %q", got)
				}
			},
		},
		{
			name: "unreadable amounts are excluded with the reason",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{
				quote("sub-cent", ProviderUPS, "UPS", "02", "6.345").inDays(2),
				quote("garbage", ProviderShippo, "USPS", "usps_priority", "N/A").inDays(2),
				epPriority.inDays(2),
			}},
			winner: "ep-priority",
			check: func(t *testing.T, dec Decision) {
				if got := excluded(t, dec, "sub-cent"); got != `unusable amount: amount "6.345" has fractions of a cent` {
					t.Errorf("sub-cent excluded as %q", got)
				}
				if e := evaluated(t, dec, "garbage"); e.Cents != nil || !strings.Contains(e.Excluded, "unusable amount") {
					t.Errorf("garbage evaluated as %+v", e)
				}
			},
		},
		{
			name: "every reason is listed",
			in: Input{Currency: "USD", Promise: Promise{Level: "g", MaxBusinessDays: 1, GuaranteedOnly: true}, ShipDate: d(t, monday), Quotes: []Quote{
				quote("bad", ProviderUPS, "UPS", "03", "x").inDays(4).currency("EUR"),
			}},
			check: func(t *testing.T, dec Decision) {
				got := excluded(t, dec, "bad")
				for _, want := range []string{"currency EUR", "unusable amount", "not guaranteed", "after the deadline 2026-03-03"} {
					if !strings.Contains(got, want) {
						t.Errorf("exclusion %q lacks %q", got, want)
					}
				}
			},
		},
		{
			name: "a failed provider is recorded and the rest decide",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
				Outcomes: []ProviderOutcome{
					{Provider: ProviderUPS, Err: "ups: 503 Service Unavailable"},
					{Provider: ProviderFedEx, Quotes: 1},
					{Provider: ProviderEasyPost, Err: "no answer within 2s", TimedOut: true},
				},
				Quotes: []Quote{fedex2.inDays(2)}},
			winner: "fedex-2day",
			check: func(t *testing.T, dec Decision) {
				if len(dec.ProviderErrors) != 2 || dec.ProviderErrors[0].Err != "ups: 503 Service Unavailable" || !dec.ProviderErrors[1].TimedOut {
					t.Errorf("provider errors %+v", dec.ProviderErrors)
				}
			},
		},
		{
			name: "nothing eligible goes to review, the promise is not downgraded",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
				Outcomes: []ProviderOutcome{{Provider: ProviderEasyPost, Err: "timeout", TimedOut: true}},
				Quotes:   []Quote{ups.inDays(3), fedex2.on("2026-03-05")}},
			reason: `no quote keeps promise "2day" (deliver by 2026-03-04); all 2 quotes excluded; easypost timed out`,
			check: func(t *testing.T, dec Decision) {
				if dec.Saving != nil || dec.WinnerReason != "" {
					t.Errorf("review decision has saving %+v, reason %q", dec.Saving, dec.WinnerReason)
				}
			},
		},
		{
			name: "no quotes at all goes to review",
			in: Input{Currency: "USD", Promise: Promise{Level: "g", MaxBusinessDays: 1, GuaranteedOnly: true}, ShipDate: d(t, monday),
				Outcomes: []ProviderOutcome{{Provider: ProviderUPS, Err: "401"}}},
			reason: `no quote keeps promise "g" (deliver by 2026-03-03, guaranteed only); no quotes received; ups_direct failed`,
		},
		{
			name:   "an order without a currency cannot be shopped",
			in:     Input{Promise: twoDay, ShipDate: d(t, monday), Quotes: []Quote{epPriority.inDays(1)}},
			reason: "cannot shop: the order has no currency; all 1 quotes excluded",
		},
		{
			name:   "a negative promise cannot be shopped",
			in:     Input{Currency: "USD", Promise: Promise{Level: "odd", MaxBusinessDays: -1}, ShipDate: d(t, monday), Quotes: []Quote{epPriority.inDays(0)}},
			reason: `cannot shop: promise "odd" has a negative business-day limit`,
		},
		{
			name:   "an absurd promise cannot be shopped",
			in:     Input{Currency: "USD", Promise: Promise{Level: "odd", MaxBusinessDays: 1 << 40}, ShipDate: d(t, monday), Quotes: []Quote{epPriority.inDays(0)}},
			reason: `cannot shop: promise "odd" allows more than 260 business days`,
		},
		{
			name: "saving against an eligible default service",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
				Baselines: map[string]ServiceKey{"2day": {ProviderFedEx, "FEDEX_2_DAY"}},
				Quotes:    []Quote{fedex2.inDays(2), epPriority.inDays(2)}},
			winner: "ep-priority",
			check: func(t *testing.T, dec Decision) {
				want := Saving{BaselineService: ServiceKey{ProviderFedEx, "FEDEX_2_DAY"}, BaselineCents: 910, BaselineEligible: true, WinnerCents: 840, SavedCents: 70}
				if dec.Saving == nil || *dec.Saving != want {
					t.Errorf("saving %+v, want %+v", dec.Saving, want)
				}
			},
		},
		{
			name: "negative saving when the cheaper default misses the promise",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
				Baselines: map[string]ServiceKey{"2day": {ProviderUPS, "03"}},
				Quotes:    []Quote{ups.inDays(3), epPriority.inDays(2)}},
			winner: "ep-priority",
			check: func(t *testing.T, dec Decision) {
				want := Saving{BaselineService: ServiceKey{ProviderUPS, "03"}, BaselineCents: 790, WinnerCents: 840, SavedCents: -50}
				if dec.Saving == nil || *dec.Saving != want {
					t.Errorf("saving %+v, want %+v", dec.Saving, want)
				}
			},
		},
		{
			name: "zero saving when the default wins",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
				Baselines: map[string]ServiceKey{"2day": {ProviderEasyPost, "Priority"}},
				Quotes:    []Quote{fedex2.inDays(2), epPriority.inDays(2)}},
			winner: "ep-priority",
			check: func(t *testing.T, dec Decision) {
				if dec.Saving == nil || dec.Saving.SavedCents != 0 || !dec.Saving.BaselineEligible {
					t.Errorf("saving %+v", dec.Saving)
				}
			},
		},
		{
			name: "no saving when the default service was not quoted",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
				Baselines: map[string]ServiceKey{"2day": {ProviderUPS, "02"}},
				Quotes:    []Quote{epPriority.inDays(2), quote("eur", ProviderUPS, "UPS", "02", "1.00").inDays(1).currency("EUR")}},
			winner: "ep-priority",
			check: func(t *testing.T, dec Decision) {
				if dec.Saving != nil || dec.SavingNote != "default service ups_direct/02 was not quoted in USD" {
					t.Errorf("saving %+v, note %q", dec.Saving, dec.SavingNote)
				}
			},
		},
		{
			name: "cut-off moves the tender date and with it the deadline",
			in: Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
				Now:    time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC),
				Cutoff: &ClockTime{Hour: 15},
				Quotes: []Quote{epPriority.on("2026-03-05")}},
			winner: "ep-priority", tender: "2026-03-03", deadln: "2026-03-05",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dec := Decide(tc.in)
			if len(dec.Quotes) != len(tc.in.Quotes) {
				t.Fatalf("%d evaluated quotes for %d quotes", len(dec.Quotes), len(tc.in.Quotes))
			}
			if tc.winner == "" {
				if dec.Winner != nil || !dec.NeedsReview {
					t.Fatalf("winner %+v, needs review %v; want review", dec.Winner, dec.NeedsReview)
				}
				if !strings.Contains(dec.ReviewReason, tc.reason) {
					t.Errorf("review reason %q lacks %q", dec.ReviewReason, tc.reason)
				}
			} else {
				if dec.Winner == nil || dec.NeedsReview {
					t.Fatalf("no winner: %s; quotes %+v", dec.ReviewReason, dec.Quotes)
				}
				if dec.Winner.Quote.RateID != tc.winner {
					t.Fatalf("winner %s, want %s (%s)", dec.Winner.Quote.RateID, tc.winner, dec.WinnerReason)
				}
				if !dec.Winner.Eligible || dec.Winner.Excluded != "" {
					t.Errorf("winner not eligible: %+v", dec.Winner)
				}
				if !strings.Contains(dec.WinnerReason, tc.reason) {
					t.Errorf("winner reason %q lacks %q", dec.WinnerReason, tc.reason)
				}
			}
			for _, e := range dec.Quotes {
				if e.Eligible != (e.Excluded == "") {
					t.Errorf("quote %s: eligible %v but excluded %q", e.Quote.RateID, e.Eligible, e.Excluded)
				}
			}
			if tc.tender != "" && dec.TenderDate != d(t, tc.tender) {
				t.Errorf("tender %s, want %s", dec.TenderDate, tc.tender)
			}
			if tc.deadln != "" && dec.Deadline != d(t, tc.deadln) {
				t.Errorf("deadline %s, want %s", dec.Deadline, tc.deadln)
			}
			if tc.check != nil {
				tc.check(t, dec)
			}
		})
	}
}

func TestDecideIsOrderIndependent(t *testing.T) {
	qs := []Quote{
		quote("a", ProviderUPS, "UPS", "02", "8.00").inDays(2),
		quote("b", ProviderFedEx, "FedEx", "FEDEX_2_DAY", "8.00").inDays(2).guaranteed(),
		quote("c", ProviderEasyPost, "USPS", "Priority", "8.00").inDays(1),
		quote("d", ProviderShippo, "USPS", "usps_priority", "8.00").inDays(1),
		quote("e", ProviderUSPS, "USPS", "PRIORITY_MAIL", "8.00").inDays(1),
	}
	pref := []string{ProviderUSPS, ProviderShippo}
	want := ""
	for i := range qs {
		rot := append(append([]Quote{}, qs[i:]...), qs[:i]...)
		dec := Decide(Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday), ProviderPreference: pref, Quotes: rot})
		if want == "" {
			want = dec.Winner.Quote.RateID
		}
		if dec.Winner.Quote.RateID != want {
			t.Fatalf("rotation %d chose %s, rotation 0 chose %s", i, dec.Winner.Quote.RateID, want)
		}
	}
	if want != "e" {
		t.Fatalf("winner %s, want e (earliest, then preferred provider)", want)
	}
}

func TestDecisionJSON(t *testing.T) {
	dec := Decide(Input{Currency: "USD", Promise: twoDay, ShipDate: d(t, monday),
		Baselines: map[string]ServiceKey{"2day": {ProviderUPS, "03"}},
		Outcomes:  []ProviderOutcome{{Provider: ProviderShippo, Err: "no answer within 2s", TimedOut: true, Took: 2 * time.Second}},
		Quotes: []Quote{
			quote("ups", ProviderUPS, "UPS", "03", "7.90").inDays(3),
			quote("ep", ProviderEasyPost, "USPS", "Priority", "8.40").on("2026-03-04"),
			quote("bad", ProviderUPS, "UPS", "02", "9.999"),
		}})
	b, err := json.Marshal(dec)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"tender_date":"2026-03-02"`, `"deadline":"2026-03-04"`, `"estimate_source":"carrier_business_days"`,
		`"baseline_service":"ups_direct/03"`, `"saved_cents":-50`, `"timed_out":true`, `"took_ns":2000000000`,
		`"needs_review":false`, `"max_business_days":2`, `"rate_id":"ep"`, `"delivery_date":"2026-03-04"`, `"winner_reason"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s:\n%s", key, b)
		}
	}
	var back Decision
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, dec) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, dec)
	}
}
