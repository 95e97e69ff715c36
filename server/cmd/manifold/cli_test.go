package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/client"
)

// cli runs a manifold subcommand in-process with the test environment.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	vars := map[string]string{"DATABASE_URL": env.OwnerURL, "APP_DATABASE_URL": env.AppURL, "REDIS_URL": env.RedisURL,
		"MANIFOLD_SECRET_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "MANIFOLD_LOG_LEVEL": "error"}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return vars[k] })
	return out.String(), errOut.String(), code
}

// TestAdminCommandsCreateATenantUserAndWorkingToken drives the operator's
// commands as a shell would and uses the printed token against the API.
func TestAdminCommandsCreateATenantUserAndWorkingToken(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	slug := "cli-" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if out, errOut, code := cli(t, "", "tenant", "create", "--slug", slug, "--name", "CLI Tools Inc"); code != 0 || !strings.Contains(out, "tenant "+slug+" created") {
		t.Fatalf("tenant create: %d %q %q", code, out, errOut)
	}
	email := slug + "@example.com"
	if out, errOut, code := cli(t, "a long password\n", "user", "create", "--tenant", slug, "--email", email, "--role", "warehouse", "--password-stdin"); code != 0 || !strings.Contains(out, "role warehouse") {
		t.Fatalf("user create: %d %q %q", code, out, errOut)
	}
	out, errOut, code := cli(t, "", "token", "create", "--email", email, "--name", "scanner")
	secret := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(secret, identity.TokenPrefix) {
		t.Fatalf("token create: %d %q %q", code, out, errOut)
	}
	c, _ := client.New(h.URL, client.WithToken(secret))
	me, err := c.Me(context.Background())
	if err != nil || me.User.Email != email || me.Role != "warehouse" || me.Tenant == nil || me.Tenant.Slug != slug {
		t.Fatalf("me with the printed token: %+v %v", me, err)
	}
	// The password given on stdin signs in.
	if _, err := h.anonymous().Login(context.Background(), email, "a long password"); err != nil {
		t.Fatalf("login with the password given to user create: %v", err)
	}
	// Mistakes are refused with a message naming them.
	if _, errOut, code := cli(t, "", "user", "create", "--tenant", slug, "--email", "x@example.com", "--role", "boss"); code == 0 || !strings.Contains(errOut, "boss") {
		t.Fatalf("bad role: %d %q", code, errOut)
	}
	if _, errOut, code := cli(t, "", "tenant", "create", "--slug", slug, "--name", "Again"); code == 0 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate slug: %d %q", code, errOut)
	}
	if _, _, code := cli(t, "", "frobnicate"); code != 2 {
		t.Fatalf("unknown command exit code %d, want 2", code)
	}
}

func TestMissingSettingsStopStartupNamingThem(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve"}, strings.NewReader(""), &out, &errOut, func(k string) string {
		if k == "REDIS_URL" {
			return "http://not-redis"
		}
		return ""
	})
	msg := errOut.String()
	if code == 0 || !strings.Contains(msg, "DATABASE_URL") || !strings.Contains(msg, "REDIS_URL") || !strings.Contains(msg, "MANIFOLD_SECRET_KEY") {
		t.Fatalf("serve without settings: exit %d, %q", code, msg)
	}
}
