package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/config"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/server/internal/testenv"
	"github.com/manifold-oms/manifold/server/internal/web"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
	"github.com/manifold-oms/manifold/shared/domain"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	var done func()
	env, done = testenv.Setup()
	code := m.Run()
	done()
	os.Exit(code)
}

// harness is a real server on a loopback port, wired exactly as `manifold
// serve` wires it, over the package's own database.
type harness struct {
	t   *testing.T
	app *app
	srv *web.Server
	URL string
}

// testConfig builds a Config from the test environment, as the command line would.
func testConfig(t *testing.T, extra map[string]string) config.Config {
	t.Helper()
	// Tasks the server enqueues (stock pushes, polls) go to a Redis database
	// of their own, never to the queues of a development instance.
	redisURL, err := url.Parse(env.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	redisURL.Path = "/15"
	vars := map[string]string{"DATABASE_URL": env.OwnerURL, "APP_DATABASE_URL": env.AppURL, "REDIS_URL": redisURL.String(),
		"MANIFOLD_SECRET_KEY": secrets.GenerateMasterKey()}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.Load(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return vars[k] }, needAll)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startServer runs the HTTP server until the test ends.
func startServer(t *testing.T, limits identity.LoginLimits) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, map[string]string{"MANIFOLD_BASE_URL": "http://" + ln.Addr().String(), "MANIFOLD_BODY_LIMIT": "65536"})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	opt := options{passwordParams: identity.PasswordParams{Memory: 1024, Time: 1, Threads: 1}, loginLimits: limits,
		keyPrefix: env.Prefix + uuid.NewString()[:8] + ":", channels: connectors(), carriers: carrierAdapters()}
	a, err := wire(ctx, cfg, log, opt, true)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv, err := a.httpServer(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		cancel()
		_ = srv.Shutdown(5 * time.Second)
		a.close()
	})
	return &harness{t: t, app: a, srv: srv, URL: "http://" + ln.Addr().String()}
}

// account is a signed-up user with a client authenticated by an API token.
type account struct {
	TenantID uuid.UUID
	UserID   uuid.UUID
	Email    string
	Password string
	Client   *client.Client
}

// newTenant creates a tenant with one user of the given role.
func (h *harness) newTenant(role domain.Role) account {
	h.t.Helper()
	ctx := context.Background()
	slug := "t-" + strings.ReplaceAll(uuid.NewString()[:13], "-", "")
	tn, err := h.app.tenants.Create(ctx, slug, "Tenant "+slug)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.newUser(uuid.MustParse(tn.ID), role)
}

// newUser adds a user to a tenant (uuid.Nil: a platform operator).
func (h *harness) newUser(tenantID uuid.UUID, role domain.Role) account {
	h.t.Helper()
	ctx := context.Background()
	email := string(role) + "-" + uuid.NewString()[:8] + "@example.com"
	pw := "password-" + uuid.NewString()[:8]
	u, err := h.app.ids.CreateUser(ctx, tenantID, identity.NewUser{Email: email, Name: string(role), Password: pw, Role: role})
	if err != nil {
		h.t.Fatal(err)
	}
	tok, err := h.app.ids.CreateToken(ctx, tenantID, uuid.MustParse(u.ID), "test", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	c, err := client.New(h.URL, client.WithToken(tok.Secret))
	if err != nil {
		h.t.Fatal(err)
	}
	return account{TenantID: tenantID, UserID: uuid.MustParse(u.ID), Email: email, Password: pw, Client: c}
}

// anonymous returns a client with no credential.
func (h *harness) anonymous() *client.Client {
	h.t.Helper()
	c, err := client.New(h.URL)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// seedProduct creates a catalog product with on-hand stock in the account's tenant.
func (h *harness) seedProduct(acct account, sku string, onHand int) uuid.UUID {
	h.t.Helper()
	ctx := context.Background()
	id := uuid.New()
	err := h.app.db.Tenant(ctx, acct.TenantID, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO products (tenant_id, id, sku, name, bin_location) VALUES (?, ?, ?, ?, ?)`,
			acct.TenantID, id, sku, "Product "+sku, "A-01-1").Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO stock_levels (tenant_id, product_id) VALUES (?, ?)`, acct.TenantID, id).Error
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if onHand > 0 {
		if _, err := h.app.inv.Adjust(ctx, acct.TenantID, "test", api.StockAdjustmentRequest{SKU: sku, Kind: api.AdjustReceipt, Quantity: onHand}); err != nil {
			h.t.Fatal(err)
		}
	}
	return id
}

// seedChannel creates a channel account of a kind in the account's tenant.
func (h *harness) seedChannel(acct account, kind string) uuid.UUID {
	h.t.Helper()
	id := uuid.New()
	err := h.app.db.Tenant(context.Background(), acct.TenantID, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO channel_accounts (tenant_id, id, kind, name) VALUES (?, ?, ?, ?)`,
			acct.TenantID, id, kind, kind+" store").Error
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}
