package shipping_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// clock is the service's settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var chicago = mustLoad("America/Chicago")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// tuesday is Tuesday 1 December 2026, 10:00 in Dallas: a business day
// before the cut-off. Two business days later is Thursday 3 December.
var tuesday = time.Date(2026, 12, 1, 10, 0, 0, 0, chicago)

type fixture struct {
	t      *testing.T
	ctx    context.Context
	db     *db.DB
	inv    *inventory.Service
	orders *orders.Service
	svc    *shipping.Service
	keys   *secrets.Keyring
	clock  *clock
	sync   *syncRecorder
	fakes  map[string]*fakeCarrier
	tenant uuid.UUID
	// amazon is the tenant's Amazon channel account, created on first use.
	amazon uuid.UUID
	skus   map[string]bool
}

type fixtureOption func(*shipping.Config)

func withoutPDF() fixtureOption { return func(c *shipping.Config) { c.PDF = nil } }

// newFixture builds a tenant with UPS, FedEx, EasyPost and Shippo accounts
// (fakes) quoting the example, and settings for a Dallas warehouse.
func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	ctx := context.Background()
	d := env.DB(t)
	log := slog.New(slog.DiscardHandler)
	inv := inventory.NewService(d, nil, log)
	ord := orders.NewService(d, inv, log)
	master := make([]byte, secrets.KeySize)
	_, _ = rand.Read(master)
	keys, err := secrets.NewKeyring(master)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, db: d, inv: inv, orders: ord, keys: keys, clock: &clock{t: tuesday},
		sync: &syncRecorder{}, fakes: map[string]*fakeCarrier{}, skus: map[string]bool{}}
	reg := shipping.Adapters{}
	for _, name := range []string{carrier.UPSDirect, carrier.FedExDirect, carrier.EasyPost, carrier.Shippo, carrier.USPSDirect} {
		f.fakes[name] = newFake(name)
		reg[name] = f.fakes[name]
	}
	t.Cleanup(func() {
		for _, fk := range f.fakes {
			fk.set(func(x *fakeCarrier) {
				select {
				case <-x.release:
				default:
					close(x.release)
				}
			})
		}
	})
	cfg := shipping.Config{DB: d, Keys: keys, Adapters: reg, Orders: ord, PDF: pdfRenderer{},
		SyncBack: shipping.SyncBackFunc(func(_ context.Context, _, orderID uuid.UUID, c, service, tracking string, at time.Time) error {
			return f.sync.record(orderID.String(), c, service, tracking, at.UTC().Format(time.RFC3339))
		}),
		Now: f.clock.Now, Log: log}
	for _, o := range opts {
		o(&cfg)
	}
	f.svc = shipping.NewService(cfg)
	f.tenant = f.newTenant("s")
	f.exampleQuotes()
	f.settings(func(s *api.ShippingSettings) {})
	for _, name := range []string{carrier.UPSDirect, carrier.FedExDirect, carrier.EasyPost, carrier.Shippo} {
		f.account(name)
	}
	return f
}

func (f *fixture) newTenant(prefix string) uuid.UUID {
	f.t.Helper()
	tn, err := tenancy.NewService(f.db).Create(f.ctx, prefix+"-"+strings.ReplaceAll(uuid.NewString()[:12], "-", ""), "Shipping test")
	if err != nil {
		f.t.Fatal(err)
	}
	return uuid.MustParse(tn.ID)
}

func days(n int) *int { return &n }

func date(s string) *rateshop.Date {
	d, err := rateshop.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

// exampleQuotes scripts the example: for a 2-Day promise, UPS Ground
// is cheapest but takes 3 business days, FedEx 2Day is $9.10, USPS Priority
// through EasyPost is $8.40 in 2 days. Shippo offers nothing.
func (f *fixture) exampleQuotes() {
	f.fakes[carrier.UPSDirect].set(func(x *fakeCarrier) {
		x.quotes = []rateshop.Quote{
			{Carrier: "ups", Service: "03", ServiceName: "UPS Ground", Amount: "7.25", Currency: "USD", BusinessDays: days(3)},
			{Carrier: "ups", Service: "02", ServiceName: "UPS 2nd Day Air", Amount: "14.10", Currency: "USD", BusinessDays: days(2), Guaranteed: true},
		}
	})
	f.fakes[carrier.FedExDirect].set(func(x *fakeCarrier) {
		x.quotes = []rateshop.Quote{{Carrier: "fedex", Service: "FEDEX_2_DAY", ServiceName: "FedEx 2Day", Amount: "9.10", Currency: "USD",
			DeliveryDate: date("2026-12-03")}}
	})
	f.fakes[carrier.EasyPost].set(func(x *fakeCarrier) {
		x.quotes = []rateshop.Quote{{Carrier: "USPS", Service: "Priority", ServiceName: "USPS Priority Mail", Amount: "8.40",
			Currency: "USD", BusinessDays: days(2), RateID: "rate_123"}}
	})
}

// settings saves the fixture's settings after edit changes them.
func (f *fixture) settings(edit func(s *api.ShippingSettings)) api.ShippingSettings {
	f.t.Helper()
	s := shipping.DefaultSettings()
	s.Origin = &api.Address{Name: "Acme Manufacturing", Line1: "1200 Commerce St", City: "Dallas", Region: "TX", PostalCode: "75202", Country: "US"}
	s.TimeZone = "America/Chicago"
	s.Cutoff = "16:00"
	s.Baselines = map[string]string{"two_day": "fedex_direct/FEDEX_2_DAY", "standard": "ups_direct/03"}
	s.ProviderTimeoutMS = 300
	s.BudgetMS = 1000
	edit(&s)
	out, err := f.svc.PutSettings(f.ctx, f.tenant, "test", s)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) account(provider string) api.CarrierAccount {
	f.t.Helper()
	a, err := f.svc.CreateAccount(f.ctx, f.tenant, api.CreateCarrierAccountRequest{Provider: provider, Name: provider + " account",
		Credentials: map[string]string{"api_key": "secret-" + provider}})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// product creates a catalog product with weight, size and stock. A zero
// weight or size leaves it unset.
func (f *fixture) product(sku string, weightOz, l, w, h float64) {
	f.t.Helper()
	nullable := func(v float64) *float64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	err := f.db.Tenant(f.ctx, f.tenant, func(tx *gorm.DB) error {
		id := uuid.New()
		if err := tx.Exec(`INSERT INTO products (tenant_id, id, sku, name, weight_oz, length_in, width_in, height_in)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, f.tenant, id, sku, "Product "+sku, nullable(weightOz), nullable(l), nullable(w), nullable(h)).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO stock_levels (tenant_id, product_id) VALUES (?, ?)`, f.tenant, id).Error
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.inv.Adjust(f.ctx, f.tenant, "test", api.StockAdjustmentRequest{SKU: sku, Kind: api.AdjustReceipt, Quantity: 100}); err != nil {
		f.t.Fatal(err)
	}
	f.skus[sku] = true
}

func (f *fixture) onHand(sku string) int {
	f.t.Helper()
	var n int
	err := f.db.Tenant(f.ctx, f.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT s.on_hand FROM stock_levels s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
			WHERE s.tenant_id = ? AND p.sku = ?`, f.tenant, sku).Scan(&n).Error
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

type line struct {
	sku string
	qty int
}

// packedOrder takes in an Amazon order with the service level and lines
// and moves it to PACKED. The seed's products exist unless made before.
func (f *fixture) packedOrder(serviceLevel string, lines ...line) uuid.UUID {
	f.t.Helper()
	if len(lines) == 0 {
		lines = []line{{"SKU-4412", 2}, {"SKU-7801", 1}}
	}
	if !f.skus["SKU-4412"] {
		f.product("SKU-4412", 12, 10, 8, 4)
		f.product("SKU-7801", 20, 12, 10, 6)
	}
	if f.amazon == uuid.Nil {
		f.amazon = uuid.New()
		err := f.db.Tenant(f.ctx, f.tenant, func(tx *gorm.DB) error {
			return tx.Exec(`INSERT INTO channel_accounts (tenant_id, id, kind, name) VALUES (?, ?, 'amazon', 'Amazon US')`, f.tenant, f.amazon).Error
		})
		if err != nil {
			f.t.Fatal(err)
		}
	}
	in := orders.Intake{ChannelAccountID: f.amazon, ExternalID: "114-" + uuid.NewString()[:8], CustomerName: "Dana Whitfield",
		ShipTo:       api.Address{Name: "Dana Whitfield", Line1: "233 S Wacker Dr", City: "Chicago", Region: "IL", PostalCode: "60606", Country: "US"},
		ServiceLevel: serviceLevel, Currency: "USD"}
	for _, l := range lines {
		if _, err := f.orders.PutMapping(f.ctx, f.tenant, "test", api.PutMappingRequest{ChannelAccountID: f.amazon.String(), ChannelSKU: l.sku, SKU: l.sku}); err != nil {
			f.t.Fatal(err)
		}
		in.Lines = append(in.Lines, orders.IntakeLine{ChannelSKU: l.sku, Quantity: l.qty, UnitPriceCents: 1999})
	}
	res, err := f.orders.Intake(f.ctx, f.tenant, "test", in)
	if err != nil {
		f.t.Fatal(err)
	}
	id := uuid.MustParse(res.Order.ID)
	for _, st := range []domain.OrderStatus{domain.StatusPicking, domain.StatusPacked} {
		if _, err := f.orders.Transition(f.ctx, f.tenant, id, st, "test", ""); err != nil {
			f.t.Fatalf("order to %s: %v", st, err)
		}
	}
	return id
}

func (f *fixture) orderStatus(id uuid.UUID) string {
	f.t.Helper()
	o, err := f.orders.Get(f.ctx, f.tenant, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return o.Status
}

// labeled rates and labels a packed order.
func (f *fixture) labeled(serviceLevel string) api.Shipment {
	f.t.Helper()
	id := f.packedOrder(serviceLevel)
	sh, err := f.svc.BuyLabel(f.ctx, f.tenant, id, "test")
	if err != nil {
		f.t.Fatal(err)
	}
	return sh
}

func sid(sh api.Shipment) uuid.UUID { return uuid.MustParse(sh.ID) }

// wantKind fails unless err is a domain error of kind whose message holds
// every fragment.
func wantKind(t *testing.T, err error, kind apperr.Kind, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %v error containing %q, got none", kind, fragments)
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("want a domain error of kind %v, got %T: %v", kind, err, err)
	}
	for _, fr := range fragments {
		if !strings.Contains(err.Error(), fr) {
			t.Fatalf("error %q does not mention %q", err, fr)
		}
	}
}

func quoteOf(d api.RateDecision, provider, service string) api.RateQuote {
	for _, q := range d.Quotes {
		if q.Provider == provider && q.Service == service {
			return q
		}
	}
	return api.RateQuote{}
}

var errTest = errors.New("test")
