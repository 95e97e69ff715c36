package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the pgx database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/manifold-oms/manifold/migrations"
)

// ErrSchemaOutdated means the database lacks migrations this binary expects.
var ErrSchemaOutdated = errors.New("database schema is out of date")

// LatestVersion returns the highest migration version embedded in the binary.
func LatestVersion() (int64, error) {
	entries, err := fs.ReadDir(migrations.FS(), ".")
	if err != nil {
		return 0, fmt.Errorf("db: read migrations: %w", err)
	}
	var latest int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("db: migration %s has no numeric version", e.Name())
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// CheckSchema returns ErrSchemaOutdated, with the versions and the command that
// fixes it, when the database is behind this binary.
func (d *DB) CheckSchema(ctx context.Context) error {
	want, err := LatestVersion()
	if err != nil {
		return err
	}
	var have sql.NullInt64
	err = d.gorm.WithContext(ctx).Raw(
		"SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&have).Error
	if err != nil {
		if pg, ok := PgError(err); ok && pg.Code == "42P01" {
			return fmt.Errorf("%w: no migrations applied; run `manifold migrate up`", ErrSchemaOutdated)
		}
		return fmt.Errorf("db: read schema version: %w", err)
	}
	if have.Int64 < want {
		return fmt.Errorf("%w: database is at version %d, this binary needs %d; run `manifold migrate up`",
			ErrSchemaOutdated, have.Int64, want)
	}
	return nil
}

// CheckRuntimeRole refuses a runtime connection whose role would bypass
// row-level security: a superuser, a BYPASSRLS role or the tables' owner.
func (d *DB) CheckRuntimeRole(ctx context.Context) error {
	var row struct {
		Role      string
		Super     bool
		BypassRLS bool
		Owns      bool
	}
	err := d.gorm.WithContext(ctx).Raw(`
		SELECT r.rolname AS role, r.rolsuper AS super, r.rolbypassrls AS bypass_rls,
		       EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = r.rolname) AS owns
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&row).Error
	if err != nil {
		return fmt.Errorf("db: inspect runtime role: %w", err)
	}
	switch {
	case row.Super:
		return fmt.Errorf("db: runtime role %q is a superuser; connect as %s (APP_DATABASE_URL)", row.Role, migrations.AppRole)
	case row.BypassRLS:
		return fmt.Errorf("db: runtime role %q bypasses row-level security; connect as %s (APP_DATABASE_URL)", row.Role, migrations.AppRole)
	case row.Owns:
		return fmt.Errorf("db: runtime role %q owns tables, so row-level security is weaker; connect as %s (APP_DATABASE_URL)", row.Role, migrations.AppRole)
	}
	return nil
}

// Migrator applies the embedded migrations as the schema owner, under a
// PostgreSQL advisory lock so concurrent runs wait for each other.
type Migrator struct {
	sqlDB    *sql.DB
	provider *goose.Provider
}

// NewMigrator connects to ownerURL and prepares the migrations.
func NewMigrator(ctx context.Context, ownerURL string) (*Migrator, error) {
	sqlDB, err := sql.Open("pgx", ownerURL)
	if err != nil {
		return nil, fmt.Errorf("migrate: open: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("migrate: connect: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS(), goose.WithSessionLocker(locker))
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return &Migrator{sqlDB: sqlDB, provider: p}, nil
}

// Close releases the connection.
func (m *Migrator) Close() error { return m.sqlDB.Close() }

// Up applies every pending migration.
func (m *Migrator) Up(ctx context.Context, log *slog.Logger) error {
	res, err := m.provider.Up(ctx)
	for _, r := range res {
		log.Info("migration applied", slog.Int64("version", r.Source.Version), slog.String("file", r.Source.Path), slog.Duration("took", r.Duration))
	}
	if err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// Down rolls back the most recent migration.
func (m *Migrator) Down(ctx context.Context, log *slog.Logger) error {
	r, err := m.provider.Down(ctx)
	if r != nil {
		log.Info("migration rolled back", slog.Int64("version", r.Source.Version), slog.String("file", r.Source.Path))
	}
	if err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// MigrationStatus is one migration's state.
type MigrationStatus struct {
	Version   int64
	File      string
	Applied   bool
	AppliedAt time.Time
}

// Status lists every migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, File: s.Source.Path,
			Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt})
	}
	return out, nil
}
