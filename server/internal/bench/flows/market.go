package flows

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/server/sim"
	"github.com/manifold-oms/manifold/shared/api"
)

// market is a marketplace simulator serving on loopback, and once a shop is
// opened, the account connecting it and the shop's listing on it.
type market struct {
	sim     sim.Marketplace
	url     string
	srv     *http.Server
	account uuid.UUID
	sku     string
}

func (m *market) kind() string { return m.sim.Kind() }

// shown is what the channel shows for the shop's SKU.
func (m *market) shown() int {
	q, _ := m.sim.Quantity(m.sku)
	return q
}

// serveMarkets serves each simulator on its own loopback port.
func serveMarkets(sims []sim.Marketplace) ([]*market, error) {
	var out []*market
	for _, s := range sims {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			stopMarkets(out)
			return nil, fmt.Errorf("flows: %s simulator: %w", s.Kind(), err)
		}
		srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		out = append(out, &market{sim: s, url: "http://" + ln.Addr().String(), srv: srv})
	}
	return out, nil
}

func stopMarkets(ms []*market) {
	for _, m := range ms {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := m.srv.Shutdown(ctx); err != nil {
			_ = m.srv.Close()
		}
		cancel()
	}
}

// shop is a tenant selling one product on every market.
type shop struct {
	tenant  uuid.UUID
	sku     string
	markets []*market
}

// shopSKU is the catalog SKU the flows sell.
const shopSKU = "FLOW-1"

// channelSKU is how each marketplace names the shop's SKU: every channel has
// its own listing identifiers, mapped to the catalog once.
func channelSKU(kind string) string {
	switch kind {
	case "amazon":
		return "AMZ-" + shopSKU
	case "walmart":
		return "WM-" + shopSKU
	case "ebay":
		return "EB-" + shopSKU
	}
	return shopSKU
}

// openShop creates a tenant with the product and onHand units, and connects
// every market the way the demo does: an account with the simulator's
// credentials and a fresh webhook secret, the webhook aimed at this stack,
// and the listing mapped to the product. Listings start at 0 on the
// channels; nothing is pushed yet.
func (s *stack) openShop(ctx context.Context, markets []*market, onHand int) (*shop, error) {
	slug := "flows-" + randomHex(4)
	t, err := tenancy.NewService(s.db).Create(ctx, slug, "Flows "+slug)
	if err != nil {
		return nil, fmt.Errorf("flows: create tenant: %w", err)
	}
	sh := &shop{tenant: uuid.MustParse(t.ID), sku: shopSKU, markets: markets}
	weight, l, w, h := 18.0, 7.0, 3.0, 3.0
	if _, err := s.catalog.Create(ctx, sh.tenant, api.CreateProductRequest{SKU: sh.sku, Name: "Cleaning concentrate 16 oz",
		BinLocation: "A-03-2", WeightOz: &weight, LengthIn: &l, WidthIn: &w, HeightIn: &h}); err != nil {
		return nil, fmt.Errorf("flows: create product: %w", err)
	}
	if _, err := s.inv.Adjust(ctx, sh.tenant, "flows", api.StockAdjustmentRequest{SKU: sh.sku, Kind: api.AdjustReceipt,
		Quantity: onHand, Reason: "opening stock"}); err != nil {
		return nil, fmt.Errorf("flows: receive stock: %w", err)
	}
	for _, m := range markets {
		kind := m.kind()
		acct, err := s.accounts.Create(ctx, sh.tenant, api.CreateChannelAccountRequest{Kind: kind, Name: kind + " (simulator)",
			BaseURL: m.url, Credentials: m.sim.Credentials()})
		if err != nil {
			return nil, fmt.Errorf("flows: connect %s: %w", kind, err)
		}
		m.account = uuid.MustParse(acct.ID)
		s.mu.Lock()
		s.connects = append(s.connects, connected{tenant: sh.tenant, account: m.account})
		s.mu.Unlock()
		creds := maps.Clone(m.sim.Credentials())
		hook := s.selfURL + acct.WebhookPath
		secret := randomHex(24)
		creds["webhook_secret"] = secret
		creds["webhook_url"] = hook
		creds["verification_token"] = secret
		if _, err := s.accounts.Update(ctx, sh.tenant, m.account, api.UpdateChannelAccountRequest{Credentials: creds}); err != nil {
			return nil, fmt.Errorf("flows: webhook of %s: %w", kind, err)
		}
		m.sim.SetWebhookTarget(hook, secret)
		m.sku = channelSKU(kind)
		m.sim.AddListing(m.sku, 0)
		if _, err := s.orders.PutMapping(ctx, sh.tenant, "flows", api.PutMappingRequest{ChannelAccountID: acct.ID,
			ChannelSKU: m.sku, SKU: sh.sku}); err != nil {
			return nil, fmt.Errorf("flows: map %s on %s: %w", sh.sku, kind, err)
		}
	}
	return sh, nil
}

// convergeAll brings every channel of the shop to what it should show now,
// with one pusher run per account, as a batch sync would.
func (s *stack) convergeAll(ctx context.Context, sh *shop) error {
	var errs []error
	for _, m := range sh.markets {
		if _, err := s.pusher.Converge(ctx, sh.tenant, m.account); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// errNotShown is returned when channels do not show a quantity in time.
var errNotShown = errors.New("channels did not show the quantity in time")

// waitShown polls the markets every 5 ms until each shows want, and returns
// when each one first did, measured from start.
func waitShown(ctx context.Context, markets []*market, want int, start time.Time, timeout time.Duration) (map[string]time.Duration, error) {
	each := make(map[string]int, len(markets))
	for _, m := range markets {
		each[m.kind()] = want
	}
	return waitShownEach(ctx, markets, each, start, timeout)
}

// waitShownEach is waitShown with its own quantity for each channel kind.
func waitShownEach(ctx context.Context, markets []*market, want map[string]int, start time.Time, timeout time.Duration) (map[string]time.Duration, error) {
	at := make(map[string]time.Duration, len(markets))
	deadline := time.Now().Add(timeout)
	for {
		now := time.Now()
		for _, m := range markets {
			if _, done := at[m.kind()]; !done && m.shown() == want[m.kind()] {
				at[m.kind()] = now.Sub(start)
			}
		}
		if len(at) == len(markets) {
			return at, nil
		}
		if now.After(deadline) {
			var shown, wanted []string
			for _, m := range markets {
				shown = append(shown, fmt.Sprintf("%s %d", m.kind(), m.shown()))
				wanted = append(wanted, fmt.Sprintf("%s %d", m.kind(), want[m.kind()]))
			}
			return at, fmt.Errorf("flows: want %s, after %s they show %s: %w", strings.Join(wanted, ", "), timeout, strings.Join(shown, ", "), errNotShown)
		}
		select {
		case <-ctx.Done():
			return at, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// buy places a one-unit order of the shop's SKU on the market, as a
// simulated buyer would.
func (m *market) buy(n int) string {
	level := map[string]string{"amazon": "Standard", "walmart": "Standard", "ebay": "USPSPriority"}[m.kind()]
	if level == "" {
		level = "flat_rate"
	}
	addr := sim.Address{Name: "Dana Whitfield", Line1: "2301 N Akard St", City: "Dallas", Region: "TX", PostalCode: "75201", Country: "US"}
	return m.sim.CreateOrder(sim.Order{BuyerName: addr.Name, BuyerEmail: fmt.Sprintf("buyer%d@example.com", n), Address: addr,
		Lines:        []sim.Line{{SKU: m.sku, Title: "Cleaning concentrate 16 oz", Quantity: 1, UnitPrice: "18.99"}},
		ServiceLevel: level})
}

// kinds lists the markets' channel kinds, in order.
func kinds(ms []*market) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.kind()
	}
	return out
}
