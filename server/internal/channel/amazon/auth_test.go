package amazon_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/amazon"
	simamazon "github.com/manifold-oms/manifold/server/sim/amazon"
)

// lwaToken exchanges the simulator's refresh token by hand.
func lwaToken(t *testing.T, e *env) string {
	t.Helper()
	c := e.conn.Credentials
	resp, err := http.PostForm(e.srv.URL+simamazon.LWAPath, url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {c[amazon.CredRefreshToken]}, "client_id": {c[amazon.CredClientID]}, "client_secret": {c[amazon.CredClientSecret]}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("LWA: %d %v", resp.StatusCode, err)
	}
	if !strings.HasPrefix(out.AccessToken, "Atza|") || out.ExpiresIn != 3600 || out.TokenType != "bearer" {
		t.Fatalf("LWA answer %+v", out)
	}
	return out.AccessToken
}

func get(t *testing.T, e *env, path, token string, want int) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("x-amz-access-token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, b, want)
	}
	return b
}

func TestExpiredTokensAreRefreshed(t *testing.T) {
	e := newEnv(t, simamazon.Options{})
	ctx := context.Background()
	if err := e.amz.Test(ctx, e.conn); err != nil {
		t.Fatal(err)
	}
	if err := e.amz.Test(ctx, e.conn); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls(simamazon.OpLWA); n != 1 {
		t.Fatalf("%d token exchanges for two calls, want 1 (cached)", n)
	}

	// Amazon refuses the cached token (403 Unauthorized, expired): the
	// connector exchanges the refresh token again and retries.
	e.sim.ExpireTokens()
	if err := e.amz.Test(ctx, e.conn); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n, g := e.sim.Calls(simamazon.OpLWA), e.sim.Calls(simamazon.OpGetOrders); n != 2 || g != 4 {
		t.Fatalf("%d token exchanges, %d getOrders; want 2 and 4 (one refused, one retried)", n, g)
	}

	// Past the lifetime, the cache no longer offers the token: a new one
	// is fetched before any call is refused.
	e.clk.Advance(56 * time.Minute)
	if err := e.amz.Test(ctx, e.conn); err != nil {
		t.Fatal(err)
	}
	if n, g := e.sim.Calls(simamazon.OpLWA), e.sim.Calls(simamazon.OpGetOrders); n != 3 || g != 5 {
		t.Fatalf("%d token exchanges, %d getOrders; want 3 and 5", n, g)
	}

	// A sweep whose tokens (LWA and RDT) expire between pages recovers too.
	p := newEnv(t, simamazon.Options{PageSize: 1})
	for i := range 2 {
		p.sim.CreateOrder(dana(start.Add(-time.Duration(40-i) * time.Minute)))
	}
	if _, _, err := p.amz.FetchOrders(ctx, p.conn, start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	p.sim.ExpireTokens()
	orders, _, err := p.amz.FetchOrders(ctx, p.conn, start.Add(-time.Hour))
	if err != nil || len(orders) != 2 {
		t.Fatalf("after expiry: %d orders, %v", len(orders), err)
	}
}

func TestShortTokenLifetime(t *testing.T) {
	e := newEnv(t, simamazon.Options{TokenLifetime: 30 * time.Second})
	ctx := context.Background()
	if err := e.amz.Test(ctx, e.conn); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(31 * time.Second)
	if err := e.amz.Test(ctx, e.conn); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls(simamazon.OpLWA); n != 2 {
		t.Fatalf("%d token exchanges, want 2", n)
	}
}

func TestRefusedCredentials(t *testing.T) {
	ctx := context.Background()
	t.Run("refused twice", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{})
		if err := e.sim.InjectFault(simamazon.FaultUnauthorized, 2); err != nil {
			t.Fatal(err)
		}
		err := e.amz.Test(ctx, e.conn)
		if !errors.Is(err, channel.ErrUnauthorized) {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(err.Error(), "Access to requested resource is denied.") {
			t.Errorf("the error does not carry Amazon's words: %v", err)
		}
		if n := e.sim.Calls(simamazon.OpLWA); n != 2 {
			t.Errorf("%d token exchanges, want 2 (one retry with a fresh token)", n)
		}
	})
	t.Run("refused once", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{})
		if err := e.sim.InjectFault(simamazon.FaultUnauthorized, 1); err != nil {
			t.Fatal(err)
		}
		if err := e.amz.Test(ctx, e.conn); err != nil {
			t.Fatalf("err = %v", err)
		}
	})
	for _, field := range []string{amazon.CredRefreshToken, amazon.CredClientSecret} {
		t.Run("bad "+field, func(t *testing.T) {
			e := newEnv(t, simamazon.Options{})
			e.conn.Credentials[field] = "wrong"
			err := e.amz.Test(ctx, e.conn)
			if !errors.Is(err, channel.ErrUnauthorized) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("no token cache", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{})
		e.conn.Tokens = nil
		if err := e.amz.Test(ctx, e.conn); err != nil {
			t.Fatal(err)
		}
	})
}

func TestThrottling(t *testing.T) {
	ctx := context.Background()
	t.Run("retry after from x-amzn-RateLimit-Limit", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{RateLimits: map[string]simamazon.RateLimit{simamazon.OpGetOrders: {Rate: 0.05, Burst: 20}}})
		if err := e.sim.InjectFault(simamazon.FaultThrottle, 1); err != nil {
			t.Fatal(err)
		}
		err := e.amz.Test(ctx, e.conn)
		var th *channel.Throttled
		if !errors.As(err, &th) || th.RetryAfter != 20*time.Second {
			t.Fatalf("err = %v, want Throttled after 20s (1/0.05)", err)
		}
		if !strings.Contains(th.Message, "You exceeded your quota for the requested resource.") {
			t.Errorf("message %q", th.Message)
		}
	})
	t.Run("documented rate when the header is absent", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{OmitRateLimitHeaderOn429: true})
		if err := e.sim.InjectFault(simamazon.FaultThrottle, 1); err != nil {
			t.Fatal(err)
		}
		var th *channel.Throttled
		if err := e.amz.Test(ctx, e.conn); !errors.As(err, &th) || th.RetryAfter != 60*time.Second {
			t.Fatalf("err = %v, want Throttled after 60s (getOrders 0.0167 rps)", err)
		}
	})
	t.Run("token bucket", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{RateLimits: map[string]simamazon.RateLimit{simamazon.OpGetOrders: {Rate: 0.0167, Burst: 2}}})
		for range 2 {
			if err := e.amz.Test(ctx, e.conn); err != nil {
				t.Fatal(err)
			}
		}
		var th *channel.Throttled
		if err := e.amz.Test(ctx, e.conn); !errors.As(err, &th) || th.RetryAfter != 60*time.Second {
			t.Fatalf("third call in a burst of 2: %v", err)
		}
		e.clk.Advance(60 * time.Second)
		if err := e.amz.Test(ctx, e.conn); err != nil {
			t.Fatalf("after a minute: %v", err)
		}
	})
	t.Run("short waits are taken in stride", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{})
		e.sim.AddListing("SKU-1", 0)
		if err := e.sim.InjectFault(simamazon.FaultThrottle, 1); err != nil {
			t.Fatal(err)
		}
		res, err := e.amz.PushQuantities(ctx, e.conn, updates(map[string]int{"SKU-1": 4}))
		if err != nil || !res[0].Accepted {
			t.Fatalf("push after a 200 ms throttle: %+v %v", res, err)
		}
		if n := e.sim.Calls(simamazon.OpPatchListing); n != 2 {
			t.Errorf("%d PATCH calls, want 2", n)
		}
	})
	t.Run("waits are bounded by the option", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{}, amazon.WithMaxThrottleWait(0))
		e.sim.AddListing("SKU-1", 0)
		if err := e.sim.InjectFault(simamazon.FaultThrottle, 1); err != nil {
			t.Fatal(err)
		}
		var th *channel.Throttled
		if _, err := e.amz.PushQuantities(ctx, e.conn, updates(map[string]int{"SKU-1": 4})); !errors.As(err, &th) || th.RetryAfter != 200*time.Millisecond {
			t.Fatalf("err = %v, want Throttled after 200ms (5 rps)", err)
		}
	})
	t.Run("context cancelled during a wait", func(t *testing.T) {
		e := newEnv(t, simamazon.Options{RateLimits: map[string]simamazon.RateLimit{simamazon.OpPatchListing: {Rate: 1, Burst: 5}}})
		e.sim.AddListing("SKU-1", 0)
		if err := e.sim.InjectFault(simamazon.FaultThrottle, 1); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := e.amz.PushQuantities(cctx, e.conn, updates(map[string]int{"SKU-1": 4})); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}
