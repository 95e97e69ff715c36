package shipping

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Parcel bounds: beyond them no parcel carrier takes the package, and the
// figure is a typing mistake.
const (
	maxWeightOz = 150 * 16
	maxSideIn   = 165
)

// rateInput is one parcel to rate-shop.
type rateInput struct {
	orderID   *uuid.UUID
	from, to  api.Address
	parcel    api.Parcel
	shipDate  rateshop.Date // zero: today
	promise   rateshop.Promise
	currency  string
	providers []string // empty: every enabled account
	actor     string
}

// checkParcel refuses a parcel that cannot be rated, naming what is missing.
func checkParcel(p api.Parcel) error {
	var missing []string
	for _, f := range []struct {
		name string
		v    float64
	}{{"weight_oz", p.WeightOz}, {"length_in", p.LengthIn}, {"width_in", p.WidthIn}, {"height_in", p.HeightIn}} {
		if math.IsNaN(f.v) || f.v <= 0 {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return apperr.Invalid("parcel %s must be greater than 0; carriers price by weight and dimensions", strings.Join(missing, ", "))
	}
	if p.WeightOz > maxWeightOz {
		return apperr.Invalid("parcel weight_oz %g is over %d (150 lb), the parcel carriers' limit", p.WeightOz, maxWeightOz)
	}
	for _, v := range []float64{p.LengthIn, p.WidthIn, p.HeightIn} {
		if v > maxSideIn {
			return apperr.Invalid("parcel side of %g in is over %d in, the parcel carriers' limit", v, maxSideIn)
		}
	}
	return nil
}

func parseShipDate(s string) (rateshop.Date, error) {
	if strings.TrimSpace(s) == "" {
		return rateshop.Date{}, nil
	}
	d, err := rateshop.ParseDate(strings.TrimSpace(s))
	if err != nil {
		return d, apperr.Invalid("ship_date %q is not a date YYYY-MM-DD", s)
	}
	return d, nil
}

// QuickRate rate-shops a parcel without an order: the quick comparison. The
// quote is stored like any other, with its decision.
func (s *Service) QuickRate(ctx context.Context, tenantID uuid.UUID, actor string, req api.QuickRateRequest) (api.Shipment, error) {
	st, err := s.settings(ctx, tenantID)
	if err != nil {
		return api.Shipment{}, err
	}
	in := rateInput{to: req.To, parcel: req.Parcel, actor: actor}
	switch {
	case req.From != nil:
		in.from = *req.From
	case st.api.Origin != nil:
		in.from = *st.api.Origin
	default:
		return api.Shipment{}, apperr.Invalid("from is required: no origin address is set in the shipping settings")
	}
	if err := checkAddress("from", in.from); err != nil {
		return api.Shipment{}, err
	}
	if err := checkAddress("to", in.to); err != nil {
		return api.Shipment{}, err
	}
	if err := checkParcel(in.parcel); err != nil {
		return api.Shipment{}, err
	}
	if in.shipDate, err = parseShipDate(req.ShipDate); err != nil {
		return api.Shipment{}, err
	}
	switch {
	case req.Promise != nil && req.PromiseLevel != "":
		return api.Shipment{}, apperr.Invalid("send promise_level or promise, not both")
	case req.Promise != nil:
		p := *req.Promise
		if strings.TrimSpace(p.Level) == "" {
			p.Level = fmt.Sprintf("%d business days", p.MaxBusinessDays)
		}
		if in.promise, err = checkPromise(p); err != nil {
			return api.Shipment{}, err
		}
	case req.PromiseLevel != "":
		if in.promise, err = st.level(req.PromiseLevel); err != nil {
			return api.Shipment{}, err
		}
	default:
		return api.Shipment{}, apperr.Invalid("promise_level (one of %s) or promise is required", levelNames(st.levels))
	}
	in.currency = strings.ToUpper(strings.TrimSpace(req.Currency))
	if in.currency == "" {
		in.currency = "USD"
	}
	if len(in.currency) != 3 {
		return api.Shipment{}, apperr.Invalid("currency %q is not a three-letter code", req.Currency)
	}
	for _, p := range req.Providers {
		if err := s.checkProvider(p); err != nil {
			return api.Shipment{}, err
		}
	}
	in.providers = req.Providers
	return s.rate(ctx, tenantID, st, in)
}

// RateOrder rate-shops an order's parcel: weight and size from its products
// (or req.Parcel), the promise from its service level (or req.PromiseLevel,
// a person's decision), quotes from every enabled carrier account at once.
// A decision with no eligible quote is stored as needs_review; it is a
// successful answer, not an error.
func (s *Service) RateOrder(ctx context.Context, tenantID, orderID uuid.UUID, actor string, req api.RateOrderRequest) (api.Shipment, error) {
	o, err := s.orders.Get(ctx, tenantID, orderID)
	if err != nil {
		return api.Shipment{}, err
	}
	switch domain.OrderStatus(o.Status) {
	case domain.StatusCancelled:
		return api.Shipment{}, apperr.Conflict("order %d is cancelled", o.Number)
	case domain.StatusLabeled, domain.StatusShipped, domain.StatusDelivered:
		return api.Shipment{}, apperr.Conflict("order %d is %s: it already has a label; void the label to rate it again", o.Number, o.Status)
	}
	var (
		st        settings
		parcel    api.Parcel
		parcelErr error
	)
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if st, err = s.settingsTx(tx, tenantID); err != nil {
			return err
		}
		if req.Parcel != nil {
			parcel = *req.Parcel
		} else {
			parcel, parcelErr = orderParcelTx(tx, tenantID, orderID)
		}
		return nil
	})
	if err != nil {
		return api.Shipment{}, wrap(err, "rate order")
	}
	in := rateInput{orderID: &orderID, to: o.ShipTo, currency: o.Currency, actor: actor}
	if in.shipDate, err = parseShipDate(req.ShipDate); err != nil {
		return api.Shipment{}, err
	}
	if req.PromiseLevel != "" {
		in.promise, err = st.level(req.PromiseLevel)
	} else {
		in.promise, err = st.promiseFor(o.ChannelKind, o.ServiceLevel)
	}
	if err != nil {
		return api.Shipment{}, err
	}
	if parcelErr != nil {
		return api.Shipment{}, wrap(parcelErr, "rate order")
	}
	if err := checkParcel(parcel); err != nil {
		return api.Shipment{}, err
	}
	if st.api.Origin == nil {
		return api.Shipment{}, apperr.Invalid("no origin address is set in the shipping settings; set one to rate orders")
	}
	if err := checkAddress("order ship_to", o.ShipTo); err != nil {
		return api.Shipment{}, err
	}
	in.from, in.parcel = *st.api.Origin, parcel
	return s.rate(ctx, tenantID, st, in)
}

// orderParcelTx builds one parcel from an order's products: the weights
// summed, the dimensions of the largest product.
func orderParcelTx(tx *gorm.DB, tenantID, orderID uuid.UUID) (api.Parcel, error) {
	var lines []struct {
		LineNo     int
		ChannelSKU string
		Quantity   int
		SKU        *string
		WeightOz   *float64
		LengthIn   *float64
		WidthIn    *float64
		HeightIn   *float64
	}
	if err := tx.Raw(`SELECT l.line_no, l.channel_sku, l.quantity, p.sku, p.weight_oz::float8 AS weight_oz,
			p.length_in::float8 AS length_in, p.width_in::float8 AS width_in, p.height_in::float8 AS height_in
		FROM order_lines l LEFT JOIN products p ON p.tenant_id = l.tenant_id AND p.id = l.product_id
		WHERE l.tenant_id = ? AND l.order_id = ? ORDER BY l.line_no`, tenantID, orderID).Scan(&lines).Error; err != nil {
		return api.Parcel{}, fmt.Errorf("shipping: order lines: %w", err)
	}
	if len(lines) == 0 {
		return api.Parcel{}, apperr.Invalid("the order has no lines to ship")
	}
	var p api.Parcel
	var noWeight, noDims []string
	largest := -1.0
	for _, l := range lines {
		if l.SKU == nil {
			return api.Parcel{}, apperr.Invalid("line %d (%s) is not mapped to a catalog product, so its weight is unknown; map it or send the parcel", l.LineNo, l.ChannelSKU)
		}
		if l.WeightOz == nil {
			noWeight = append(noWeight, *l.SKU)
		} else {
			p.WeightOz += *l.WeightOz * float64(l.Quantity)
		}
		if l.LengthIn == nil || l.WidthIn == nil || l.HeightIn == nil {
			noDims = append(noDims, *l.SKU)
			continue
		}
		if v := *l.LengthIn * *l.WidthIn * *l.HeightIn; v > largest {
			largest = v
			p.LengthIn, p.WidthIn, p.HeightIn = *l.LengthIn, *l.WidthIn, *l.HeightIn
		}
	}
	if len(noWeight) > 0 {
		return api.Parcel{}, apperr.Invalid("products %s have no weight; set weight_oz in the catalog or send the parcel", strings.Join(noWeight, ", "))
	}
	if len(noDims) > 0 {
		return api.Parcel{}, apperr.Invalid("products %s have no dimensions; set length_in, width_in and height_in in the catalog or send the parcel", strings.Join(noDims, ", "))
	}
	p.WeightOz = math.Round(p.WeightOz*100) / 100
	return p, nil
}

// rate asks every enabled account at once, decides, and stores the decision.
func (s *Service) rate(ctx context.Context, tenantID uuid.UUID, st settings, in rateInput) (api.Shipment, error) {
	var accts []account
	var broken []rateshopFailure
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		accts, broken, err = s.enabledAccountsTx(tx, tenantID)
		return err
	})
	if err != nil {
		return api.Shipment{}, err
	}
	if len(in.providers) > 0 {
		accts, broken = onlyProviders(accts, broken, in.providers)
	}
	if len(accts)+len(broken) == 0 {
		return api.Shipment{}, apperr.Conflict("no enabled carrier account to ask for rates; connect one with POST /api/v1/carrier-accounts")
	}
	now := s.now().In(st.loc)
	shipDate := in.shipDate
	if shipDate.IsZero() {
		shipDate = rateshop.DateOf(now)
	}
	providers := make([]rateshop.Provider, 0, len(accts))
	preference := make([]string, 0, len(accts))
	accountOf := map[string]uuid.UUID{}
	for _, a := range accts {
		providers = append(providers, carrier.AsProvider(a.adapter, a.conn))
		preference = append(preference, a.row.Provider)
		accountOf[a.row.Provider] = a.row.ID
	}
	req := rateshop.RateRequest{From: toRateAddress(in.from), To: toRateAddress(in.to), WeightOz: in.parcel.WeightOz,
		LengthIn: in.parcel.LengthIn, WidthIn: in.parcel.WidthIn, HeightIn: in.parcel.HeightIn,
		ShipDate: s.cal.TenderDate(shipDate, now, st.cutoff)}
	quotes, outcomes := rateshop.Shop(ctx, providers, req, st.budget, st.perProvider)
	for _, b := range broken {
		outcomes = append(outcomes, rateshop.ProviderOutcome{Provider: b.provider, Err: b.err})
	}
	d := rateshop.Decide(rateshop.Input{Quotes: quotes, Outcomes: outcomes, Currency: in.currency, Promise: in.promise,
		ShipDate: shipDate, Now: now, Cutoff: st.cutoff, Calendar: s.cal, ServiceTable: st.serviceTable,
		ProviderPreference: preference, Baselines: st.baselines})
	if err := ctx.Err(); err != nil {
		return api.Shipment{}, apperr.Unavailable(err, "rate shopping was interrupted")
	}
	return s.storeDecision(ctx, tenantID, in, d, accountOf)
}

func onlyProviders(accts []account, broken []rateshopFailure, keep []string) ([]account, []rateshopFailure) {
	want := map[string]bool{}
	for _, p := range keep {
		want[p] = true
	}
	var a []account
	for _, x := range accts {
		if want[x.row.Provider] {
			a = append(a, x)
		}
	}
	var b []rateshopFailure
	for _, x := range broken {
		if want[x.provider] {
			b = append(b, x)
		}
	}
	return a, b
}

// reviewReason explains a decision that needs review, with every provider's
// own words (an address it refused) kept verbatim.
func reviewReason(d rateshop.Decision) string {
	if !d.NeedsReview {
		return ""
	}
	parts := []string{d.ReviewReason}
	for _, o := range d.ProviderErrors {
		parts = append(parts, o.Provider+": "+o.Err)
	}
	return strings.Join(parts, "; ")
}

func (s *Service) storeDecision(ctx context.Context, tenantID uuid.UUID, in rateInput, d rateshop.Decision, accountOf map[string]uuid.UUID) (api.Shipment, error) {
	decision, err := json.Marshal(d)
	if err != nil {
		return api.Shipment{}, fmt.Errorf("shipping: encode decision: %w", err)
	}
	enc := func(v any) []byte { b, _ := json.Marshal(v); return b }
	id := uuid.New()
	status := api.ShipmentQuoted
	var (
		acct                                      *uuid.UUID
		provider, carrierName, service, name, rid string
		quoted, baseline, saved                   *int64
	)
	if d.NeedsReview {
		status = api.ShipmentNeedsReview
	} else {
		w := d.Winner.Quote
		provider, carrierName, service, name, rid = w.Provider, strings.ToLower(w.Carrier), w.Service, w.ServiceName, w.RateID
		quoted = d.Winner.Cents
		if a, ok := accountOf[w.Provider]; ok {
			acct = &a
		}
		if d.Saving != nil {
			baseline, saved = &d.Saving.BaselineCents, &d.Saving.SavedCents
		}
	}
	var out api.Shipment
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO shipments (tenant_id, id, order_id, status, ship_from, ship_to, parcel, ship_date,
				promise_level, currency, decision, carrier_account_id, provider, carrier, service, service_name, rate_id,
				quoted_cents, baseline_cents, saved_cents, review_reason, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tenantID, id, in.orderID, status, enc(in.from), enc(in.to), enc(in.parcel), d.TenderDate.Time(),
			d.Promise.Level, d.Currency, decision, acct, provider, carrierName, service, name, rid,
			quoted, baseline, saved, reviewReason(d), in.actor, s.now()).Error; err != nil {
			return fmt.Errorf("shipping: store decision: %w", err)
		}
		r, err := shipmentTx(tx, tenantID, id, false)
		if err != nil {
			return err
		}
		out, err = shipmentToAPITx(tx, tenantID, r)
		return err
	})
	return out, wrap(err, "store decision")
}
