package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver

	"github.com/manifold-oms/manifold/migrations"
	"github.com/manifold-oms/manifold/server/internal/config"
	"github.com/manifold-oms/manifold/server/internal/db"
)

// Scratch is a throwaway database the benchmarks own: created by the schema
// owner, migrated, and dropped afterwards. Real tenant data is never touched.
type Scratch struct {
	// Name is the database name, manifold_bench_<random>.
	Name string
	// OwnerURL connects to it as the schema owner.
	OwnerURL string
	// AppURL connects to it as the runtime role, subject to row-level security.
	AppURL string
	admin  string
}

// CreateScratch creates and migrates a scratch database. adminURL is the
// schema owner's DATABASE_URL; the role must be allowed to create databases.
func CreateScratch(ctx context.Context, adminURL string) (*Scratch, error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "manifold_bench_" + hex.EncodeToString(b)
	conn, err := sql.Open("pgx", adminURL)
	if err != nil {
		return nil, fmt.Errorf("bench: open DATABASE_URL: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0`); err != nil {
		return nil, fmt.Errorf("bench: create scratch database (the DATABASE_URL role needs CREATEDB): %w", err)
	}
	s := &Scratch{Name: name, admin: adminURL}
	if s.OwnerURL, err = withDatabase(adminURL, name); err != nil {
		_ = s.Drop(context.Background())
		return nil, err
	}
	if s.AppURL, err = config.WithUser(s.OwnerURL, migrations.AppRole); err != nil {
		_ = s.Drop(context.Background())
		return nil, err
	}
	m, err := db.NewMigrator(ctx, s.OwnerURL)
	if err == nil {
		err = m.Up(ctx, slog.New(slog.DiscardHandler))
		m.Close()
	}
	if err != nil {
		_ = s.Drop(context.Background())
		return nil, fmt.Errorf("bench: migrate scratch database: %w", err)
	}
	return s, nil
}

// Drop removes the scratch database. Closed connections leave their server
// processes a moment later, and the owner may not end the runtime role's
// processes itself, so it waits for them before dropping.
func (s *Scratch) Drop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := sql.Open("pgx", s.admin)
	if err != nil {
		return err
	}
	defer conn.Close()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, s.Name).Scan(&n); err != nil || n == 0 {
			break
		}
	}
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+s.Name+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("bench: drop %s (drop it by hand): %w", s.Name, err)
	}
	return nil
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("bench: DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// analyze refreshes the planner's statistics of the scratch database, as
// autovacuum keeps them on a database that has been running. A benchmark
// fills its tables from nothing within seconds, far faster than autovacuum
// looks; plans made while a table was nearly empty — foreign-key checks
// scanning it sequentially — would otherwise be measured instead of the
// code.
func (sc *Scratch) analyze(ctx context.Context) error {
	conn, err := sql.Open("pgx", sc.OwnerURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("bench: analyze: %w", err)
	}
	return nil
}
