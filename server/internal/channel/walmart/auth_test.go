package walmart_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	wmsim "github.com/manifold-oms/manifold/server/sim/walmart"
)

func TestTokensAreCachedAndReplacedWhenWalmartExpiresThem(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	f.oneLine("A", 1, "1.00")
	for range 2 {
		if _, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.sim.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens for two polls, want 1 from the cache", n)
	}
	keys := f.cache.keys()
	if len(keys) != 1 || !strings.HasPrefix(keys[0], f.conn.Account.ID.String()+":") {
		t.Fatalf("cache keys %v must start with the account id", keys)
	}

	// Walmart expires the token before the cache does: one 401, a new
	// token, the same request again.
	if err := f.sim.InjectFault(wmsim.FaultExpireTokens, 0); err != nil {
		t.Fatal(err)
	}
	orders, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
	if err != nil || len(orders) != 1 {
		t.Fatalf("after expiry: %v %v", orders, err)
	}
	if n := f.sim.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens, want a second one after the 401", n)
	}
	if got := f.requests("getAllOrders"); got[http.StatusUnauthorized] != 1 || got[http.StatusOK] != 3 {
		t.Fatalf("orders requests by status %v, want one 401 and three 200", got)
	}

	// A token past its 900 s lifetime is not even tried.
	f.clock.Advance(901 * time.Second)
	if _, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, got := f.sim.TokensIssued(), f.requests("getAllOrders"); n != 3 || got[http.StatusUnauthorized] != 1 {
		t.Fatalf("%d tokens, requests %v: an expired cached token was sent", n, got)
	}
}

func TestAShortTokenLifetimeWithoutACache(t *testing.T) {
	f := newFixture(t, wmsim.Options{TokenLifetime: 2 * time.Second})
	f.conn.Tokens = nil
	f.oneLine("A", 1, "1.00")
	if _, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(3 * time.Second)
	if _, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := f.sim.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens, want one per call without a cache", n)
	}
}

func TestRefusedCredentialsAreErrUnauthorized(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	f.conn.Credentials[walmart.CredClientSecret] = "wrong"
	_, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
	if !errors.Is(err, channel.ErrUnauthorized) || !strings.Contains(err.Error(), "UNAUTHORIZED.GMP_GATEWAY_API") {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := f.wm.Test(f.ctx, f.conn); !errors.Is(err, channel.ErrUnauthorized) {
		t.Fatalf("Test with a wrong secret: %v", err)
	}
	delete(f.conn.Credentials, walmart.CredClientID)
	if _, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour)); !errors.Is(err, channel.ErrUnauthorized) {
		t.Fatalf("missing client id: %v", err)
	}
}

func TestA401AfterAFreshTokenIsErrUnauthorized(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	if err := f.sim.InjectFault(wmsim.FaultUnauthorized, 2); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
	if !errors.Is(err, channel.ErrUnauthorized) {
		t.Fatalf("two 401s: %v", err)
	}
	if n := f.sim.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens, want exactly one refresh", n)
	}
	if got := f.requests("getAllOrders"); got[http.StatusUnauthorized] != 2 || len(got) != 1 {
		t.Fatalf("requests %v, want two 401s and no third try", got)
	}
}

func TestThrottlingWaitsUntilTheReplenishmentTime(t *testing.T) {
	for _, iso := range []bool{false, true} {
		f := newFixture(t, wmsim.Options{RateLimit: 2, RateWindow: 30 * time.Second, ReplenishmentISO: iso})
		f.oneLine("A", 1, "1.00")
		for range 2 {
			if _, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Advance(12 * time.Second)
		_, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour))
		var th *channel.Throttled
		if !errors.As(err, &th) {
			t.Fatalf("iso=%v: third poll in the window: %v", iso, err)
		}
		if th.RetryAfter != 18*time.Second || !strings.Contains(th.Message, "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API") {
			t.Fatalf("iso=%v: throttled %+v, want an 18 s wait and Walmart's code", iso, th)
		}
		f.clock.Advance(18 * time.Second)
		if _, _, err := f.wm.FetchOrders(f.ctx, f.conn, start.Add(-time.Hour)); err != nil {
			t.Fatalf("iso=%v: after replenishment: %v", iso, err)
		}
	}
}

func TestAnInjected429IsThrottled(t *testing.T) {
	f := newFixture(t, wmsim.Options{RateWindow: time.Minute})
	if err := f.sim.InjectFault(wmsim.FaultThrottle, 1); err != nil {
		t.Fatal(err)
	}
	err := f.wm.Acknowledge(f.ctx, f.conn, channel.Order{ExternalID: "1", Status: channel.OrderReady})
	var th *channel.Throttled
	if !errors.As(err, &th) || th.RetryAfter != time.Minute {
		t.Fatalf("injected 429: %v (%+v)", err, th)
	}
}

func TestTestChecksTheCredentialsAndTheURL(t *testing.T) {
	f := newFixture(t, wmsim.Options{})
	for range 2 {
		if err := f.wm.Test(f.ctx, f.conn); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.sim.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens for two tests, want a new one each time", n)
	}
	wrong := f.conn
	wrong.BaseURL = f.srv.URL + "/api"
	if err := f.wm.Test(f.ctx, wrong); err == nil || errors.Is(err, channel.ErrUnauthorized) {
		t.Fatalf("a base URL that is not Walmart's: %v", err)
	}
}
