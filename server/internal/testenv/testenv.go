// Package testenv gives each test package its own PostgreSQL database, cloned
// from a migrated template, and a namespace in the real Redis. Tests never use
// a mock database: DATABASE_URL (the schema owner, allowed to create
// databases) and REDIS_URL must point at real services; `make test` provides them.
package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver
	"github.com/redis/go-redis/v9"

	"github.com/manifold-oms/manifold/migrations"
	"github.com/manifold-oms/manifold/server/internal/config"
	"github.com/manifold-oms/manifold/server/internal/db"
)

// Env is a test package's database and Redis namespace.
type Env struct {
	// OwnerURL connects to the package database as the schema owner.
	OwnerURL string
	// AppURL connects to it as the runtime role, subject to row-level security.
	AppURL string
	// RedisURL is the shared Redis; use Prefix to keep keys apart.
	RedisURL string
	// Prefix is unique to this test process, for Redis keys and queue names.
	Prefix string
	dbName string
	admin  string
}

// Setup creates the package database. Call it from TestMain; it exits the
// process with a clear message when the services are not configured.
func Setup() (*Env, func()) {
	admin := os.Getenv("DATABASE_URL")
	redisURL := os.Getenv("REDIS_URL")
	if admin == "" || redisURL == "" {
		fmt.Fprintln(os.Stderr, "testenv: DATABASE_URL and REDIS_URL must point at PostgreSQL and Redis; run the tests with `make test`")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env, err := create(ctx, admin, redisURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		os.Exit(2)
	}
	return env, func() {
		if err := env.drop(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "testenv: drop:", err)
		}
	}
}

func create(ctx context.Context, admin, redisURL string) (*Env, error) {
	tmpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		return nil, err
	}
	suffix := randomHex(4)
	pkg := strings.ToLower(filepath.Base(mustWd()))
	pkg = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, pkg)
	name := fmt.Sprintf("manifold_t_%s_%s", pkg, suffix)
	if len(name) > 60 {
		name = name[:60]
	}
	conn, err := sql.Open("pgx", admin)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var lastErr error
	for i := 0; i < 20; i++ {
		_, lastErr = conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tmpl))
		if lastErr == nil || !strings.Contains(lastErr.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if lastErr != nil {
		return nil, fmt.Errorf("create database %s: %w", name, lastErr)
	}
	owner, err := withDatabase(admin, name)
	if err != nil {
		return nil, err
	}
	app, err := config.WithUser(owner, migrations.AppRole)
	if err != nil {
		return nil, err
	}
	return &Env{OwnerURL: owner, AppURL: app, RedisURL: redisURL, Prefix: "test:" + pkg + ":" + suffix + ":",
		dbName: name, admin: admin}, nil
}

// ensureTemplate builds, once per migration set, a database with every
// migration applied; package databases are cheap copies of it.
func ensureTemplate(ctx context.Context, admin string) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS(), path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", err
	}
	tmpl := "manifold_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	c, err := conn.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", redact(admin), err)
	}
	defer c.Close()
	// One builder at a time across concurrently running test packages.
	if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
		return "", err
	}
	defer c.ExecContext(context.Background(), `SELECT pg_advisory_unlock(727274)`) //nolint:errcheck
	var exists bool
	if err := c.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, tmpl).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return tmpl, nil
	}
	building := tmpl + "_b"
	if _, err := c.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := c.ExecContext(ctx, `CREATE DATABASE `+building+` TEMPLATE template0`); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	buildURL, err := withDatabase(admin, building)
	if err != nil {
		return "", err
	}
	m, err := db.NewMigrator(ctx, buildURL)
	if err != nil {
		return "", err
	}
	err = m.Up(ctx, slog.New(slog.DiscardHandler))
	m.Close()
	if err != nil {
		return "", err
	}
	if _, err := c.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+tmpl); err != nil {
		return "", fmt.Errorf("publish template: %w", err)
	}
	return tmpl, nil
}

func (e *Env) drop(ctx context.Context) error {
	conn, err := sql.Open("pgx", e.admin)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Pools closed by the tests may still be hanging up; the owner cannot
	// terminate the runtime role's sessions, so wait for them to go.
	for i := 0; i < 40; i++ {
		if _, err = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+e.dbName); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	_, err = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+e.dbName+` WITH (FORCE)`)
	return err
}

// DB opens the runtime (manifold_app) connection to the package database.
func (e *Env) DB(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), e.AppURL, 20)
	if err != nil {
		t.Fatalf("testenv: open app db: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// OwnerSQL opens the owner's database/sql connection, for assertions that
// must look past row-level security.
func (e *Env) OwnerSQL(t testing.TB) *sql.DB {
	t.Helper()
	conn, err := sql.Open("pgx", e.OwnerURL)
	if err != nil {
		t.Fatalf("testenv: open owner db: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// Redis opens a client on the shared Redis.
func (e *Env) Redis(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(e.RedisURL)
	if err != nil {
		t.Fatalf("testenv: REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "DATABASE_URL"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func mustWd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "pkg"
	}
	return wd
}
