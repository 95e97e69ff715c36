package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/shared/domain"
)

// adminApp wires what an administration command needs, without the schema
// wait or the HTTP layer.
func adminApp(ctx context.Context, io cmdIO, name string, args []string, flags func(*flag.FlagSet)) (*app, error) {
	cfg, err := loadConfig(name, io, args, needAll, flags)
	if err != nil {
		return nil, err
	}
	return wire(ctx, cfg, newLogger(cfg, io), defaultOptions(), true)
}

func cmdTenantCreate(ctx context.Context, io cmdIO, args []string) error {
	var slug, name string
	a, err := adminApp(ctx, io, "tenant create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "slug", "", "short unique name, e.g. acme (required)")
		fs.StringVar(&name, "name", "", "display name, e.g. \"Acme Ltd\" (required)")
	})
	if err != nil {
		return err
	}
	defer a.close()
	t, err := a.tenants.Create(ctx, slug, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.stdout, "tenant %s created: id %s\n", t.Slug, t.ID)
	return nil
}

func cmdTenantList(ctx context.Context, io cmdIO, args []string) error {
	a, err := adminApp(ctx, io, "tenant list", args, nil)
	if err != nil {
		return err
	}
	defer a.close()
	ts, err := a.tenants.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(io.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME\tID\tCREATED")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Slug, t.Name, t.ID, t.CreatedAt.Format(time.DateOnly))
	}
	return tw.Flush()
}

func cmdUserCreate(ctx context.Context, io cmdIO, args []string) error {
	var tenantSlug, email, name, role, password string
	var operator, pwStdin bool
	a, err := adminApp(ctx, io, "user create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&tenantSlug, "tenant", "", "slug of the user's tenant (required unless --operator)")
		fs.BoolVar(&operator, "operator", false, "create a platform operator, outside every tenant")
		fs.StringVar(&email, "email", "", "email address, used to sign in (required)")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&role, "role", "", "owner, admin, warehouse, customer_service or viewer (required unless --operator)")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	})
	if err != nil {
		return err
	}
	defer a.close()
	generated := false
	if pwStdin {
		line, err := bufio.NewReader(io.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password from standard input: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password, generated = randomPassword(), true
	}
	tenantID := uuid.Nil
	r := domain.RoleOperator
	if operator {
		if tenantSlug != "" || (role != "" && role != string(domain.RoleOperator)) {
			return errors.New("--operator takes neither --tenant nor a tenant --role")
		}
	} else {
		if tenantSlug == "" {
			return errors.New("--tenant is required (or --operator for a platform operator)")
		}
		if role == "" {
			return errors.New("--role is required: owner, admin, warehouse, customer_service or viewer")
		}
		t, err := a.tenants.BySlug(ctx, tenantSlug)
		if err != nil {
			return err
		}
		tenantID, r = uuid.MustParse(t.ID), domain.Role(role)
	}
	u, err := a.ids.CreateUser(ctx, tenantID, identity.NewUser{Email: email, Name: name, Password: password, Role: r})
	if err != nil {
		return err
	}
	fmt.Fprintf(io.stdout, "user %s created with role %s: id %s\n", u.Email, u.Role, u.ID)
	if generated {
		fmt.Fprintf(io.stdout, "password: %s\n(shown once; the user can sign in with it now)\n", password)
	}
	return nil
}

func cmdTokenCreate(ctx context.Context, io cmdIO, args []string) error {
	var email, name string
	var ttl time.Duration
	a, err := adminApp(ctx, io, "token create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user the token acts as (required)")
		fs.StringVar(&name, "name", "", "what the token is for, e.g. \"erp export\" (required)")
		fs.DurationVar(&ttl, "ttl", 0, "lifetime, e.g. 720h; none when zero")
	})
	if err != nil {
		return err
	}
	defer a.close()
	if email == "" {
		return errors.New("--email is required")
	}
	userID, tenantID, err := a.ids.LookupEmail(ctx, email)
	if err != nil {
		return err
	}
	var exp *time.Time
	if ttl > 0 {
		t := time.Now().Add(ttl).UTC()
		exp = &t
	}
	tok, err := a.ids.CreateToken(ctx, tenantID, userID, name, exp)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.stderr, "token %s (%s) created for %s; it is shown once:\n", tok.Token.ID, tok.Token.Name, email)
	fmt.Fprintln(io.stdout, tok.Secret)
	return nil
}

// Demo accounts created by `manifold demo`.
const (
	demoTenantSlug = "demo"
	demoAdminEmail = "admin@demo.manifold.test"
	demoOperEmail  = "operator@demo.manifold.test"
)

func cmdDemo(ctx context.Context, io cmdIO, args []string) error {
	var password string
	a, err := adminApp(ctx, io, "demo", args, func(fs *flag.FlagSet) {
		def := io.getenv("MANIFOLD_DEMO_PASSWORD")
		if def == "" {
			def = "manifold-demo"
		}
		fs.StringVar(&password, "password", def, "password given to the demo users (env MANIFOLD_DEMO_PASSWORD)")
	})
	if err != nil {
		return err
	}
	defer a.close()
	t, err := a.tenants.BySlug(ctx, demoTenantSlug)
	if apperr.KindOf(err) == apperr.KindNotFound {
		t, err = a.tenants.Create(ctx, demoTenantSlug, "Demo Manufacturing Co.")
	}
	if err != nil {
		return err
	}
	tenantID := uuid.MustParse(t.ID)
	if err := ensureUser(ctx, a, tenantID, demoAdminEmail, "Demo Admin", domain.RoleAdmin, password); err != nil {
		return err
	}
	if err := ensureUser(ctx, a, uuid.Nil, demoOperEmail, "Platform Operator", domain.RoleOperator, password); err != nil {
		return err
	}
	fmt.Fprintf(io.stdout, "\nManifold console: %s/console/\n", a.cfg.BaseURL)
	fmt.Fprintf(io.stdout, "  tenant admin:      %s / %s  (tenant %q)\n", demoAdminEmail, password, t.Name)
	fmt.Fprintf(io.stdout, "  platform operator: %s / %s\n\n", demoOperEmail, password)
	return nil
}

// ensureUser creates the user, or resets the password of an existing one so
// the printed demo credentials always work.
func ensureUser(ctx context.Context, a *app, tenantID uuid.UUID, email, name string, role domain.Role, password string) error {
	userID, gotTenant, err := a.ids.LookupEmail(ctx, email)
	if apperr.KindOf(err) == apperr.KindNotFound {
		_, err = a.ids.CreateUser(ctx, tenantID, identity.NewUser{Email: email, Name: name, Password: password, Role: role})
		return err
	}
	if err != nil {
		return err
	}
	if gotTenant != tenantID {
		return fmt.Errorf("%s already belongs to another tenant", email)
	}
	return a.ids.SetPassword(ctx, tenantID, userID, password)
}

func randomPassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func cmdKeyGenerate(_ context.Context, io cmdIO, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("key generate takes no arguments")
	}
	fmt.Fprintln(io.stdout, secrets.GenerateMasterKey())
	return nil
}
