package identity_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/authz"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/shared/domain"
)

type fixture struct {
	svc     *identity.Service
	tenants *tenancy.Service
	az      *authz.Authorizer
}

func newFixture(t *testing.T, limits identity.LoginLimits) fixture {
	t.Helper()
	ctx := context.Background()
	d := env.DB(t)
	az, err := authz.New(ctx, d.Unscoped(ctx), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	lim := identity.NewLoginLimiter(env.Redis(t), limits, env.Prefix+uuid.NewString()+":")
	svc, err := identity.NewService(d, az, lim, identity.PasswordParams{Memory: 1024, Time: 1, Threads: 1}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, tenants: tenancy.NewService(d), az: az}
}

func (f fixture) tenant(t *testing.T) uuid.UUID {
	t.Helper()
	tn, err := f.tenants.Create(context.Background(), "t-"+uuid.NewString()[:8], "Tenant")
	if err != nil {
		t.Fatal(err)
	}
	return uuid.MustParse(tn.ID)
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := identity.HashPassword("correct horse battery", identity.DefaultPasswordParams())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := identity.VerifyPassword("correct horse battery", h); err != nil || !ok {
		t.Fatalf("right password rejected: %v", err)
	}
	if ok, _ := identity.VerifyPassword("correct horse batterx", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := identity.HashPassword("correct horse battery", identity.DefaultPasswordParams())
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestLoginWrongPasswordAndUnknownUserLookTheSame(t *testing.T) {
	f := newFixture(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	tid := f.tenant(t)
	email := "ann-" + uuid.NewString()[:6] + "@example.com"
	if _, err := f.svc.CreateUser(ctx, tid, identity.NewUser{Email: email, Password: "long enough pw", Role: domain.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	uid, gotTenant, err := f.svc.CheckPassword(ctx, "10.0.0.1", email, "long enough pw")
	if err != nil || gotTenant != tid || uid == uuid.Nil {
		t.Fatalf("good login: %v %v %v", uid, gotTenant, err)
	}
	_, _, errWrong := f.svc.CheckPassword(ctx, "10.0.0.1", email, "wrong password!")
	_, _, errUnknown := f.svc.CheckPassword(ctx, "10.0.0.1", "nobody-"+email, "wrong password!")
	if errWrong == nil || errUnknown == nil || errWrong.Error() != errUnknown.Error() ||
		apperr.KindOf(errWrong) != apperr.KindUnauthenticated || apperr.KindOf(errUnknown) != apperr.KindUnauthenticated {
		t.Fatalf("wrong password %v and unknown user %v must look the same", errWrong, errUnknown)
	}
}

func TestLoginRateLimitedPerAccount(t *testing.T) {
	f := newFixture(t, identity.LoginLimits{PerIP: 100, PerIPWindow: time.Minute, FailuresPerUser: 3, UserWindow: time.Minute})
	ctx := context.Background()
	tid := f.tenant(t)
	email := "rl-" + uuid.NewString()[:6] + "@example.com"
	if _, err := f.svc.CreateUser(ctx, tid, identity.NewUser{Email: email, Password: "long enough pw", Role: domain.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, _, err := f.svc.CheckPassword(ctx, "10.0.0.2", email, "nope nope nope"); apperr.KindOf(err) != apperr.KindUnauthenticated {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	_, _, err := f.svc.CheckPassword(ctx, "10.0.0.2", email, "long enough pw")
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindRateLimited || e.RetryAfterSeconds < 1 {
		t.Fatalf("fourth attempt must be rate limited even with the right password, got %v", err)
	}
}

func TestTokenRevocationIsImmediate(t *testing.T) {
	f := newFixture(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	tid := f.tenant(t)
	u, err := f.svc.CreateUser(ctx, tid, identity.NewUser{Email: "tok-" + uuid.NewString()[:6] + "@example.com", Password: "long enough pw", Role: domain.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.svc.CreateToken(ctx, tid, uuid.MustParse(u.ID), "ci", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.TokenPrincipal(ctx, tok.Secret)
	if err != nil || p.TenantID != tid || p.UserID.String() != u.ID {
		t.Fatalf("token auth: %+v %v", p, err)
	}
	if err := f.svc.RevokeToken(ctx, tid, uuid.MustParse(tok.Token.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.TokenPrincipal(ctx, tok.Secret); apperr.KindOf(err) != apperr.KindUnauthenticated {
		t.Fatalf("revoked token still works: %v", err)
	}
}

func TestRLSHidesOtherTenantsEvenWithoutFilter(t *testing.T) {
	f := newFixture(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	a, b := f.tenant(t), f.tenant(t)
	for _, tid := range []uuid.UUID{a, b} {
		if _, err := f.svc.CreateUser(ctx, tid, identity.NewUser{Email: "rls-" + uuid.NewString()[:8] + "@example.com", Password: "long enough pw", Role: domain.RoleViewer}); err != nil {
			t.Fatal(err)
		}
	}
	d := env.DB(t)
	var seen []identity.User
	// A query that forgets the tenant filter still sees only tenant a.
	if err := d.Tenant(ctx, a, func(tx *gorm.DB) error { return tx.Find(&seen).Error }); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatal("tenant a sees none of its own users")
	}
	for _, u := range seen {
		if u.TenantID == nil || *u.TenantID != a {
			t.Fatalf("tenant a saw a user of tenant %v", u.TenantID)
		}
	}
	// Without any tenant set, the runtime role sees nothing at all.
	var n int64
	if err := d.Unscoped(ctx).Raw("SELECT count(*) FROM users").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("runtime role without a tenant saw %d users", n)
	}
	// And it cannot write a row into another tenant.
	err := d.Tenant(ctx, a, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO api_tokens (tenant_id, user_id, name, token_hash, prefix)
			SELECT ?, id, 'x', '\x01', 'x' FROM users LIMIT 1`, b).Error
	})
	if err == nil {
		t.Fatal("inserting a row for another tenant succeeded")
	}
}

func TestLastOwnerCannotBeDemoted(t *testing.T) {
	f := newFixture(t, identity.DefaultLoginLimits())
	ctx := context.Background()
	tid := f.tenant(t)
	u, err := f.svc.CreateUser(ctx, tid, identity.NewUser{Email: "own-" + uuid.NewString()[:6] + "@example.com", Password: "long enough pw", Role: domain.RoleOwner})
	if err != nil {
		t.Fatal(err)
	}
	viewer := domain.RoleViewer
	if _, err := f.svc.UpdateUser(ctx, tid, uuid.MustParse(u.ID), &viewer, nil); apperr.KindOf(err) != apperr.KindConflict {
		t.Fatalf("demoting the last owner: %v", err)
	}
	if got := f.az.RoleOf(uuid.MustParse(u.ID), tid); got != domain.RoleOwner {
		t.Fatalf("role after refused demotion = %q", got)
	}
}
