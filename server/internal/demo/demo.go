// Package demo fills the demo tenant the way a small manufacturer's first
// week looks: a catalog with stock, the four marketplaces connected (to
// their simulators) with mapped listings, and orders arriving on every
// channel — a night's backlog first, then a steady trickle.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	mrand "math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/catalog"
	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/sim"
	"github.com/manifold-oms/manifold/shared/api"
)

// Market is a marketplace simulator the demo connects.
type Market struct {
	Sim sim.Marketplace
	URL string
}

// Deps are the services the demo writes through, exactly as users would.
type Deps struct {
	Catalog   *catalog.Service
	Inventory *inventory.Service
	Orders    *orders.Service
	Accounts  *channel.Accounts
	Log       *slog.Logger
}

type product struct {
	sku, name, bin, barcode string
	weightOz                float64
	dims                    [3]float64
	onHand                  int
	price                   string
}

func catalogue() []product {
	return []product{
		{"SKU-4412", "Cleaning concentrate 16 oz", "A-03-2", "036000291452", 18, [3]float64{7, 3, 3}, 120, "18.99"},
		{"SKU-7801", "Spray bottle 24 oz", "B-11-4", "4006381333931", 5, [3]float64{10, 4, 3}, 300, "3.49"},
		{"SKU-2230", "Microfiber cloth, 12-pack", "C-02-1", "", 14, [3]float64{12, 9, 2}, 200, "14.50"},
		{"SKU-5150", "Degreaser 1 gal", "A-07-5", "", 140, [3]float64{12, 7, 5}, 60, "29.00"},
		{"SKU-9003", "Glass cleaner 32 oz", "B-04-3", "", 36, [3]float64{11, 4, 3}, 150, "7.25"},
	}
}

// channelSKU is how each marketplace names a catalog SKU: every channel has
// its own listing identifiers, mapped to the catalog once.
func channelSKU(kind, sku string) string {
	switch kind {
	case "amazon":
		return "AMZ-" + sku[4:]
	case "walmart":
		return "WM-" + sku[4:]
	case "ebay":
		return "EB-" + sku[4:]
	}
	return sku
}

// Seed creates (or keeps) the demo catalog, stock and allocation policy,
// connects every market to the tenant with its simulator's credentials and
// webhook, and maps the listings. publicURL is where the simulators reach
// Manifold's webhook endpoint.
func Seed(ctx context.Context, d Deps, tenantID uuid.UUID, publicURL string, markets []Market) error {
	fresh := false
	for _, p := range catalogue() {
		_, err := d.Catalog.BySKU(ctx, tenantID, p.sku)
		if apperr.KindOf(err) != apperr.KindNotFound {
			if err != nil {
				return err
			}
			continue
		}
		fresh = true
		req := api.CreateProductRequest{SKU: p.sku, Name: p.name, BinLocation: p.bin, WeightOz: &p.weightOz,
			LengthIn: &p.dims[0], WidthIn: &p.dims[1], HeightIn: &p.dims[2], ReorderPoint: p.onHand / 5}
		if p.barcode != "" {
			req.Barcodes = []string{p.barcode}
		}
		if _, err := d.Catalog.Create(ctx, tenantID, req); err != nil {
			return fmt.Errorf("demo: product %s: %w", p.sku, err)
		}
		if _, err := d.Inventory.Adjust(ctx, tenantID, "demo", api.StockAdjustmentRequest{SKU: p.sku, Kind: api.AdjustReceipt,
			Quantity: p.onHand, Reason: "opening stock"}); err != nil {
			return fmt.Errorf("demo: stock %s: %w", p.sku, err)
		}
	}
	existing, err := d.Accounts.List(ctx, tenantID)
	if err != nil {
		return err
	}
	byName := map[string]api.ChannelAccount{}
	for _, a := range existing {
		byName[a.Name] = a
	}
	rules := map[string]api.ChannelRule{}
	for _, m := range markets {
		kind := m.Sim.Kind()
		name := displayName(kind) + " (simulator)"
		acct, ok := byName[name]
		if !ok {
			acct, err = d.Accounts.Create(ctx, tenantID, api.CreateChannelAccountRequest{Kind: kind, Name: name,
				BaseURL: m.URL, Credentials: m.Sim.Credentials()})
			if err != nil {
				return fmt.Errorf("demo: connect %s: %w", kind, err)
			}
		}
		// The simulator starts afresh on every run: point the account at it
		// again and give both sides a new webhook secret.
		creds := maps.Clone(m.Sim.Credentials())
		hook := publicURL + acct.WebhookPath
		secret := randomHex(24)
		creds["webhook_secret"] = secret
		creds["webhook_url"] = hook
		creds["verification_token"] = secret
		base, enabled := m.URL, true
		if _, err := d.Accounts.Update(ctx, tenantID, uuid.MustParse(acct.ID), api.UpdateChannelAccountRequest{
			BaseURL: &base, Enabled: &enabled, Credentials: creds}); err != nil {
			return fmt.Errorf("demo: update %s: %w", kind, err)
		}
		m.Sim.SetWebhookTarget(hook, secret)
		if kind == "amazon" {
			// Amazon lists orders two minutes late: ring-fence its share so
			// it never sells units the other channels were offered.
			fifth := 20.0
			rules[acct.ID] = api.ChannelRule{AllotmentPercent: &fifth}
		}
		for _, p := range catalogue() {
			m.Sim.AddListing(channelSKU(kind, p.sku), 0)
			if _, err := d.Orders.PutMapping(ctx, tenantID, "demo", api.PutMappingRequest{ChannelAccountID: acct.ID,
				ChannelSKU: channelSKU(kind, p.sku), SKU: p.sku}); err != nil {
				return fmt.Errorf("demo: map %s on %s: %w", p.sku, kind, err)
			}
		}
	}
	if fresh {
		if _, err := d.Inventory.PutPolicies(ctx, tenantID, "demo", api.AllocationPolicies{
			Default: api.AllocationPolicy{Strategy: api.StrategySharedPool, SafetyUnits: 2, Channels: rules}}); err != nil {
			return fmt.Errorf("demo: policy: %w", err)
		}
	}
	return nil
}

func displayName(kind string) string {
	switch kind {
	case "amazon":
		return "Amazon"
	case "walmart":
		return "Walmart"
	case "woocommerce":
		return "WooCommerce store"
	case "ebay":
		return "eBay"
	}
	return kind
}

// Overnight is the seed's Tuesday morning: what each channel sold overnight.
func Overnight() map[string]int {
	return map[string]int{"woocommerce": 3, "amazon": 12, "walmart": 4, "ebay": 6}
}

// Trickle places the overnight backlog at once (timestamped through the
// night) and then an order every interval on a random channel, until ctx ends.
func Trickle(ctx context.Context, markets []Market, interval time.Duration, log *slog.Logger) {
	now := time.Now().UTC()
	night := now.Add(-10 * time.Hour)
	for _, m := range markets {
		n := Overnight()[m.Sim.Kind()]
		for i := 0; i < n; i++ {
			at := night.Add(time.Duration(i+1) * 8 * time.Hour / time.Duration(n+1))
			m.Sim.CreateOrder(buyerOrder(m.Sim.Kind(), at))
		}
		log.Info("demo: overnight orders placed", slog.String("channel", m.Sim.Kind()), slog.Int("orders", n))
	}
	if len(markets) == 0 || interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m := markets[mrand.IntN(len(markets))]
			id := m.Sim.CreateOrder(buyerOrder(m.Sim.Kind(), time.Now().UTC()))
			log.Info("demo: order placed", slog.String("channel", m.Sim.Kind()), slog.String("external_id", id))
		}
	}
}

func buyerOrder(kind string, at time.Time) sim.Order {
	buyers := []struct {
		name string
		addr sim.Address
	}{
		{"Dana Whitfield", sim.Address{Line1: "2301 N Akard St", City: "Dallas", Region: "TX", PostalCode: "75201", Country: "US"}},
		{"Marcus Lee", sim.Address{Line1: "233 S Wacker Dr", City: "Chicago", Region: "IL", PostalCode: "60606", Country: "US"}},
		{"Priya Nair", sim.Address{Line1: "1 Market St", Line2: "Suite 300", City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"}},
		{"Tom Alvarez", sim.Address{Line1: "600 Congress Ave", City: "Austin", Region: "TX", PostalCode: "78701", Country: "US"}},
		{"Grace Kim", sim.Address{Line1: "100 Federal St", City: "Boston", Region: "MA", PostalCode: "02110", Country: "US"}},
	}
	b := buyers[mrand.IntN(len(buyers))]
	b.addr.Name = b.name
	cat := catalogue()
	first := cat[mrand.IntN(len(cat))]
	lines := []sim.Line{{SKU: channelSKU(kind, first.sku), Title: first.name, Quantity: 1 + mrand.IntN(3), UnitPrice: first.price}}
	if mrand.IntN(2) == 0 {
		second := cat[mrand.IntN(len(cat))]
		if second.sku != first.sku {
			lines = append(lines, sim.Line{SKU: channelSKU(kind, second.sku), Title: second.name, Quantity: 1, UnitPrice: second.price})
		}
	}
	return sim.Order{BuyerName: b.name, BuyerEmail: "buyer@example.com", Address: b.addr, Lines: lines,
		ServiceLevel: serviceLevel(kind), PlacedAt: at}
}

func serviceLevel(kind string) string {
	switch kind {
	case "amazon":
		return "Standard"
	case "walmart":
		return "Standard"
	case "ebay":
		return "USPSPriority"
	}
	return "flat_rate"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
