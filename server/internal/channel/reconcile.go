package channel

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/db"
)

// ReconcileHandler runs TaskReconcile: for every tenant, enqueue the push of
// each account that has a listing behind its stock. Whatever happened to
// earlier push tasks, this makes every listing converge.
func (p *Pusher) ReconcileHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		if len(p.reg) == 0 {
			return nil
		}
		tenants, err := db.IDs(p.db.Unscoped(ctx), `SELECT t AS id FROM tenant_ids() AS t`)
		if err != nil {
			return fmt.Errorf("channel: list tenants: %w", err)
		}
		var errs []error
		for _, t := range tenants {
			if _, err := p.ReconcileTenant(ctx, t); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

// ReconcileTenant enqueues the push of every enabled account of the tenant
// with a listing that was never pushed, whose pushed stock version is not the
// current one, or whose last push failed and has waited out its backoff. It
// returns how many accounts it enqueued.
func (p *Pusher) ReconcileTenant(ctx context.Context, tenantID uuid.UUID) (int, error) {
	var accounts []uuid.UUID
	err := p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		accounts, err = db.IDs(tx, `SELECT a.id FROM channel_accounts a
			WHERE a.tenant_id = ? AND a.enabled AND a.kind IN ?
			  AND EXISTS (
			    SELECT 1 FROM channel_listings l
			    JOIN stock_levels s ON s.tenant_id = l.tenant_id AND s.product_id = l.product_id
			    WHERE l.tenant_id = a.tenant_id AND l.channel_account_id = a.id
			      AND (l.pushed_qty IS NULL OR l.pushed_version <> s.version OR l.last_error <> '')
			      AND (`+dueSQL("l.")+`))
			ORDER BY a.id`, tenantID, p.reg.Kinds(), p.backoffBase.Seconds(), p.backoffMax.Seconds())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("channel: reconcile tenant %s: %w", tenantID, err)
	}
	if err := p.enqueueAll(ctx, tenantID, accounts); err != nil {
		return 0, fmt.Errorf("channel: reconcile tenant %s: %w", tenantID, err)
	}
	return len(accounts), nil
}
