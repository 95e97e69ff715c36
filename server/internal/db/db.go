// Package db opens Manifold's PostgreSQL connection and runs work inside
// transactions that carry the tenant (or platform) scope row-level security
// checks.
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DB is the runtime database handle. Tenant data is reached only through
// Tenant, which sets the tenant of the transaction for row-level security.
type DB struct {
	gorm *gorm.DB
}

// Open connects to url with a bounded pool.
func Open(ctx context.Context, url string, maxConns int) (*DB, error) {
	g, err := gorm.Open(postgres.New(postgres.Config{DSN: url}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("db: connect: %w", err)
	}
	return &DB{gorm: g}, nil
}

// Close releases the pool.
func (d *DB) Close() error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Unscoped returns a handle without tenant scope, for the few tables that are
// not tenant-owned (authorization policy) and for the SECURITY DEFINER
// credential lookups. Row-level security still applies to everything else.
func (d *DB) Unscoped(ctx context.Context) *gorm.DB { return d.gorm.WithContext(ctx) }

// Tenant runs fn in a transaction scoped to tenantID: row-level security then
// hides every other tenant's rows, as a second lock behind the explicit
// tenant_id filters in every query.
func (d *DB) Tenant(ctx context.Context, tenantID uuid.UUID, fn func(tx *gorm.DB) error) error {
	if tenantID == uuid.Nil {
		return errors.New("db: tenant transaction without a tenant")
	}
	return d.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT set_config('app.tenant_id', ?, true)", tenantID.String()).Error; err != nil {
			return fmt.Errorf("db: set tenant: %w", err)
		}
		return fn(tx)
	})
}

// Platform runs fn in a transaction with the platform operator's scope: it can
// read and create tenants and operator accounts, and nothing else crosses tenants.
func (d *DB) Platform(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return d.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT set_config('app.operator', 'on', true)").Error; err != nil {
			return fmt.Errorf("db: set platform scope: %w", err)
		}
		return fn(tx)
	})
}

// IsUniqueViolation reports whether err is a unique-constraint violation,
// optionally of the named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23505" {
		return false
	}
	return constraint == "" || pg.ConstraintName == constraint
}

// PgError returns the PostgreSQL error inside err, if any.
func PgError(err error) (*pgconn.PgError, bool) {
	var pg *pgconn.PgError
	ok := errors.As(err, &pg)
	return pg, ok
}

// LogValue keeps connection details out of logs.
func (d *DB) LogValue() slog.Value { return slog.StringValue("postgres") }
