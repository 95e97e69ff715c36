package channel

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The push record is written in bulk: each statement takes its rows as one
// JSON array, so a round costs a few statements however many listings the
// account has.

type desiredRow struct {
	ID     uuid.UUID `json:"id"`
	Qty    int       `json:"qty"`
	Reason string    `json:"reason"`
}

type pushedRow struct {
	ID        uuid.UUID `json:"id"`
	ProductID uuid.UUID `json:"product_id"`
	Qty       int       `json:"qty"`
	Version   int64     `json:"version"`
}

type failedRow struct {
	ID    uuid.UUID `json:"id"`
	Error string    `json:"error"`
}

// updateDesired records what listings should show and why.
func updateDesired(tx *gorm.DB, tenantID uuid.UUID, rows []desiredRow) error {
	return bulk(tx, "record desired quantities", `UPDATE channel_listings l
		SET desired_qty = d.qty, desired_reason = d.reason, updated_at = now()
		FROM jsonb_to_recordset(?::jsonb) AS d(id uuid, qty integer, reason text)
		WHERE l.tenant_id = ? AND l.id = d.id`, rows, tenantID)
}

// markCurrent records that listings already show their desired quantity at
// a newer stock version. A listing re-pointed to another product meanwhile
// is left for the next round.
func markCurrent(tx *gorm.DB, tenantID uuid.UUID, rows []pushedRow) error {
	return bulk(tx, "record current listings", `UPDATE channel_listings l
		SET pushed_version = d.version, last_error = '', push_attempts = 0, updated_at = now()
		FROM jsonb_to_recordset(?::jsonb) AS d(id uuid, product_id uuid, version bigint)
		WHERE l.tenant_id = ? AND l.id = d.id AND l.product_id = d.product_id AND l.pushed_qty IS NOT NULL`, rows, tenantID)
}

// markPushed records accepted updates.
func markPushed(tx *gorm.DB, tenantID uuid.UUID, rows []pushedRow) error {
	return bulk(tx, "record pushed quantities", `UPDATE channel_listings l
		SET pushed_qty = d.qty, pushed_version = d.version, pushed_at = now(),
		    last_error = '', push_attempts = 0, updated_at = now()
		FROM jsonb_to_recordset(?::jsonb) AS d(id uuid, product_id uuid, qty integer, version bigint)
		WHERE l.tenant_id = ? AND l.id = d.id AND l.product_id = d.product_id`, rows, tenantID)
}

// markFailed records failed updates; push_attempts counts consecutive
// failures and sets the listing's backoff.
func markFailed(tx *gorm.DB, tenantID uuid.UUID, rows []failedRow) error {
	return bulk(tx, "record push failures", `UPDATE channel_listings l
		SET last_error = d.error, last_error_at = now(), push_attempts = l.push_attempts + 1, updated_at = now()
		FROM jsonb_to_recordset(?::jsonb) AS d(id uuid, error text)
		WHERE l.tenant_id = ? AND l.id = d.id`, rows, tenantID)
}

func bulk[T any](tx *gorm.DB, what, query string, rows []T, tenantID uuid.UUID) error {
	if len(rows) == 0 {
		return nil
	}
	data, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("channel: %s: %w", what, err)
	}
	if err := tx.Exec(query, string(data), tenantID).Error; err != nil {
		return fmt.Errorf("channel: %s: %w", what, err)
	}
	return nil
}
