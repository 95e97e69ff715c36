package channel_test

import (
	"errors"
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
	"github.com/manifold-oms/manifold/shared/domain"
)

// serve runs the listing handlers for a signed-in admin of tenant and
// returns a client of them.
func serve(t *testing.T, p *channel.Pusher, tenant uuid.UUID) *client.Client {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		status := fiber.StatusInternalServerError
		switch apperr.KindOf(err) {
		case apperr.KindInvalid:
			status = fiber.StatusBadRequest
		case apperr.KindNotFound:
			status = fiber.StatusNotFound
		case apperr.KindConflict:
			status = fiber.StatusConflict
		}
		return c.Status(status).JSON(api.ErrorBody{Error: api.ErrorDetail{Code: "test", Message: err.Error()}})
	}})
	app.Use(func(c *fiber.Ctx) error {
		identity.SetPrincipal(c, identity.Principal{UserID: uuid.New(), TenantID: tenant, Role: domain.RoleAdmin})
		return c.Next()
	})
	h := channel.NewHandlers(p)
	app.Get(api.Version+"/listings", h.List)
	app.Post(api.Version+"/listings/push", h.Push)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	c, err := client.New("http://"+ln.Addr().String(), client.WithToken("test"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListingsAPI(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.product("SKU-1", 10)
	f.product("SKU-2", 4)
	a, b := f.account(shop), f.account(flaky)
	la1 := f.listing(a, "A-1", "SKU-1")
	f.listing(a, "A-2", "SKU-2")
	f.listing(b, "B-1", "SKU-1")
	f.drainOK()
	f.order(a, "A-1", 3) // queued, not yet pushed
	c := serve(t, f.pusher, f.tenant)

	all, err := c.Listings(f.ctx, client.ListingQuery{})
	if err != nil || len(all) != 3 {
		t.Fatalf("listings: %d (%v)", len(all), err)
	}
	mine, err := c.Listings(f.ctx, client.ListingQuery{AccountID: a.String(), SKU: "SKU-1"})
	if err != nil || len(mine) != 1 {
		t.Fatalf("filtered listings: %+v (%v)", mine, err)
	}
	l := mine[0]
	if l.ListingID != la1.String() || l.ChannelSKU != "A-1" || l.ChannelKind != shop || l.Desired != 7 ||
		l.Pushed == nil || *l.Pushed != 10 || l.InSync || l.PushedAt == nil || l.Reason == "" {
		t.Fatalf("listing before the push: %+v", l)
	}
	bySKU, err := c.Listings(f.ctx, client.ListingQuery{SKU: "SKU-1"})
	if err != nil || len(bySKU) != 2 {
		t.Fatalf("listings of SKU-1: %d (%v)", len(bySKU), err)
	}

	n, err := c.PushListings(f.ctx, "")
	if err != nil || n != 2 {
		t.Fatalf("push now queued %d accounts (%v), want 2", n, err)
	}
	f.drainOK()
	mine, err = c.Listings(f.ctx, client.ListingQuery{AccountID: a.String(), SKU: "SKU-1"})
	if err != nil || len(mine) != 1 || !mine[0].InSync || *mine[0].Pushed != 7 {
		t.Fatalf("listing after the push: %+v (%v)", mine, err)
	}
	if n, err := c.PushListings(f.ctx, b.String()); err != nil || n != 1 {
		t.Fatalf("push one account: %d (%v)", n, err)
	}

	for _, tc := range []struct {
		q      client.ListingQuery
		status int
	}{
		{client.ListingQuery{AccountID: "nope"}, 400},
		{client.ListingQuery{AccountID: uuid.NewString()}, 404},
		{client.ListingQuery{SKU: "NO-SUCH"}, 404},
	} {
		if _, err := c.Listings(f.ctx, tc.q); client.StatusOf(err) != tc.status {
			t.Errorf("listings %+v: %v, want %d", tc.q, err, tc.status)
		}
	}
	if _, err := c.PushListings(f.ctx, uuid.NewString()); client.StatusOf(err) != 404 {
		t.Errorf("push of an unknown account: %v, want 404", err)
	}
	f.setEnabled(b, false)
	if _, err := c.PushListings(f.ctx, b.String()); client.StatusOf(err) != 409 {
		t.Errorf("push of a disabled account: %v, want 409", err)
	}

	// Another tenant sees none of it.
	other := serve(t, f.pusher, f.newTenant())
	if ls, err := other.Listings(f.ctx, client.ListingQuery{}); err != nil || len(ls) != 0 {
		t.Fatalf("another tenant lists %d listings (%v)", len(ls), err)
	}
	if _, err := other.Listings(f.ctx, client.ListingQuery{AccountID: a.String()}); client.StatusOf(err) != 404 {
		t.Fatalf("another tenant filtering by the account: %v, want 404", err)
	}
	var ce *client.Error
	if _, err := other.PushListings(f.ctx, a.String()); !errors.As(err, &ce) || ce.Status != 404 {
		t.Fatalf("another tenant pushing the account: %v, want 404", err)
	}
}
