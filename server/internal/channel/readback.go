package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

type readRow struct {
	ID  uuid.UUID `json:"id"`
	Qty int       `json:"qty"`
}

// ReadBack asks the channel what the account's listings show and records it
// (readback_qty, readback_at). A listing showing something other than what
// was last pushed to it, because someone edited it on the marketplace, takes
// what it shows as its pushed quantity, so the next push corrects it, and the
// account's push is enqueued. ok is false when the channel cannot read
// quantities back.
func (p *Pusher) ReadBack(ctx context.Context, tenantID, accountID uuid.UUID) (drifted int, ok bool, err error) {
	var acct Conn
	var refs []ListingRef
	err = p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		conn, _, err := p.accounts.ConnTx(tx, tenantID, accountID)
		if err != nil {
			return err
		}
		acct = conn
		return tx.Raw(`SELECT id AS listing_id, channel_sku, external_listing_id FROM channel_listings
			WHERE tenant_id = ? AND channel_account_id = ? ORDER BY channel_sku`, tenantID, accountID).Scan(&refs).Error
	})
	if err != nil {
		if errors.Is(err, ErrAccountNotFound) {
			return 0, false, err
		}
		return 0, false, fmt.Errorf("channel: read back account %s: %w", accountID, err)
	}
	ch, found := p.reg.Get(acct.Kind)
	if !found {
		return 0, false, fmt.Errorf("channel: account %s is of kind %q: %w", accountID, acct.Kind, ErrNoConnector)
	}
	var rows []readRow
	size := max(ch.MaxBatch(), 1)
	for start := 0; start < len(refs); start += size {
		got, supported, err := ch.ReadQuantities(ctx, acct, refs[start:min(start+size, len(refs))])
		if err != nil {
			return 0, true, fmt.Errorf("channel: read quantities of %s account %s: %w", acct.Kind, accountID, err)
		}
		if !supported {
			return 0, false, nil
		}
		for _, q := range got {
			if q.Found {
				rows = append(rows, readRow{ID: q.ListingID, Qty: q.Quantity})
			}
		}
	}
	if len(rows) == 0 {
		return 0, true, nil
	}
	data, err := json.Marshal(rows)
	if err != nil {
		return 0, true, fmt.Errorf("channel: read back: %w", err)
	}
	err = p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var n struct{ Drifted int }
		err := tx.Raw(`WITH done AS (
				UPDATE channel_listings l
				SET readback_qty = d.qty, readback_at = now(),
				    pushed_qty = CASE WHEN l.pushed_qty IS NULL THEN NULL ELSE d.qty END,
				    pushed_version = CASE WHEN l.pushed_qty <> d.qty THEN -1 ELSE l.pushed_version END
				FROM (SELECT * FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, qty integer)) AS d,
				     LATERAL (SELECT pushed_qty AS was FROM channel_listings o WHERE o.tenant_id = ? AND o.id = d.id) AS prev
				WHERE l.tenant_id = ? AND l.id = d.id
				RETURNING prev.was IS NOT NULL AND prev.was <> d.qty AS drift)
			SELECT count(*) FILTER (WHERE drift) AS drifted FROM done`, string(data), tenantID, tenantID).Scan(&n).Error
		drifted = n.Drifted
		return err
	})
	if err != nil {
		return 0, true, fmt.Errorf("channel: record read back of account %s: %w", accountID, err)
	}
	if drifted > 0 {
		if err := p.Enqueue(ctx, tenantID, accountID); err != nil {
			return drifted, true, err
		}
	}
	return drifted, true, nil
}
