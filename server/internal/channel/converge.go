package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/inventory"
)

// Errors of a push that can never succeed as asked.
var (
	// ErrAccountNotFound: the account does not exist in the payload's tenant.
	ErrAccountNotFound = errors.New("channel account not found")
	// ErrNoConnector: this server has no connector for the account's kind.
	ErrNoConnector = errors.New("no connector for the channel kind")
)

// Result says what one convergence did.
type Result struct {
	// Rounds is how many times the desired quantities were computed.
	Rounds int
	// Calls is how many PushQuantities calls were made.
	Calls int
	// Accepted and Rejected count listing updates by the channel's answer.
	Accepted, Rejected int
}

// PushHandler runs TaskPush.
func (p *Pusher) PushHandler() asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		var pl PushPayload
		if err := json.Unmarshal(t.Payload(), &pl); err != nil || pl.TenantID == uuid.Nil || pl.AccountID == uuid.Nil {
			return fmt.Errorf("channel: push payload %q names no tenant and account: %w", t.Payload(), asynq.SkipRetry)
		}
		if pl.FollowUp > 0 {
			return p.runFollowUp(ctx, pl)
		}
		res, err := p.Converge(ctx, pl.TenantID, pl.AccountID)
		switch {
		case errors.Is(err, ErrAccountNotFound), errors.Is(err, ErrNoConnector):
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		case err != nil && lastAttempt(ctx):
			// Archiving would keep the task id, and with it every later push
			// of the account, out of the queue. The failure is recorded on the
			// listings and the reconciler resumes once their backoff expires.
			return fmt.Errorf("%w (retries used up; the reconciler takes over): %w", err, asynq.RevokeTask)
		case err != nil:
			return err
		}
		if res.Calls > 0 {
			p.log.Debug("channel: stock pushed", slog.String("account_id", pl.AccountID.String()),
				slog.Int("rounds", res.Rounds), slog.Int("calls", res.Calls),
				slog.Int("accepted", res.Accepted), slog.Int("rejected", res.Rejected))
		}
		return nil
	})
}

func lastAttempt(ctx context.Context) bool {
	n, ok1 := asynq.GetRetryCount(ctx)
	most, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && n >= most
}

// Converge brings one account's listings to what they should show. Each
// round computes every listing's desired quantity, records it, marks
// listings whose pushed quantity already matches as current, and sends the
// rest in batches. It repeats until a round finds nothing to send, so stock
// that moved during a push (whose own push request was absorbed by this run)
// is sent before the run ends; a request that arrives during that last look
// makes it look once more (see runs). A listing the channel rejects waits for
// its backoff instead of being sent again in the same run.
//
// It returns an error when a call to the channel failed; what was pushed
// before stays recorded.
func (p *Pusher) Converge(ctx context.Context, tenantID, accountID uuid.UUID) (Result, error) {
	var res Result
	rejected := map[uuid.UUID]bool{}
	r := p.runs.start(accountID)
	defer func() {
		// A run answers the requests it took with a look that finds nothing
		// to send (runs.finish). One ending otherwise, on an error or with
		// its rounds used up, hands them to a follow-up rather than leave
		// them to the reconciler.
		if p.runs.end(r) {
			p.followUpLater(ctx, tenantID, accountID)
		}
	}()
	var sent time.Time
	for res.Rounds < p.maxRounds {
		// The pace counts from the last call: a look made again for a late
		// request, after a round that sent nothing, does not wait.
		if wait := time.Until(sent.Add(p.pace)); !sent.IsZero() && wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return res, fmt.Errorf("channel: push of account %s: %w", accountID, ctx.Err())
			}
		}
		res.Rounds++
		p.runs.look(r)
		acct, todo, err := p.plan(ctx, tenantID, accountID, rejected)
		if p.afterLook != nil {
			p.afterLook()
		}
		if err != nil {
			return res, err
		}
		if len(todo) == 0 {
			if p.runs.finish(r) {
				return res, nil
			}
			continue
		}
		ch, _ := p.reg.Get(acct.Kind)
		err = p.send(ctx, ch, acct, todo, rejected, &res)
		sent = time.Now()
		if err != nil {
			return res, err
		}
	}
	p.log.Info("channel: stock still changing after the last push round; the next push continues",
		slog.String("account_id", accountID.String()), slog.Int("rounds", res.Rounds))
	return res, nil
}

// followUpLater schedules a follow-up for requests a run took and leaves
// unanswered, even when the run's context has ended.
func (p *Pusher) followUpLater(ctx context.Context, tenantID, accountID uuid.UUID) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), kickTimeout)
	defer cancel()
	if err := p.followUp(ctx, tenantID, accountID, 1); err != nil {
		p.log.Warn("channel: push follow-up not scheduled; the reconciler will push",
			slog.String("account_id", accountID.String()), slog.String("err", err.Error()))
	}
}

// runFollowUp runs a follow-up (see Enqueue). It was requested after a stock
// change and could not have started before, so looking now covers that
// change: when a listing should show another quantity than the one the last
// look recorded, some change is still unseen, and it requests the push again
// (scheduling the chain's next follow-up if the push task is still queued or
// running). Otherwise every change has been looked at by a push, which sent
// what needed sending, and there is nothing to do; in particular a listing
// the channel rejected is not sent again before its backoff.
func (p *Pusher) runFollowUp(ctx context.Context, pl PushPayload) error {
	unseen, err := p.unseen(ctx, pl.TenantID, pl.AccountID)
	if err != nil || !unseen {
		return err
	}
	return p.request(ctx, pl.TenantID, pl.AccountID, pl.FollowUp+1)
}

// unseen reports whether a listing of the account should show another
// quantity than the desired one its last look recorded (or has never been
// looked at).
func (p *Pusher) unseen(ctx context.Context, tenantID, accountID uuid.UUID) (bool, error) {
	var found bool
	err := p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		// What was recorded is read first: a look recording in between makes
		// the comparison find a difference, never hide one.
		var rows []struct {
			ID         uuid.UUID
			DesiredQty *int
		}
		if err := tx.Raw(`SELECT id, desired_qty FROM channel_listings WHERE tenant_id = ? AND channel_account_id = ?`,
			tenantID, accountID).Scan(&rows).Error; err != nil {
			return fmt.Errorf("channel: read listings: %w", err)
		}
		recorded := make(map[uuid.UUID]*int, len(rows))
		for _, r := range rows {
			recorded[r.ID] = r.DesiredQty
		}
		desired, err := inventory.DesiredForAccountTx(tx, tenantID, accountID)
		if err != nil {
			return err
		}
		for _, d := range desired {
			if q, ok := recorded[d.ListingID]; ok && (q == nil || *q != d.Quantity) {
				found = true
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("channel: follow-up of account %s: %w", accountID, err)
	}
	return found, nil
}

// listingState is a listing's push record as plan reads it.
type listingState struct {
	ID                uuid.UUID
	ProductID         uuid.UUID
	ChannelSKU        string
	ExternalListingID string
	DesiredQty        *int
	DesiredReason     string
	PushedQty         *int
	PushedVersion     int64
	LastError         string
	Due               bool
}

// pending is a listing update to send, with what to record once it is accepted.
type pending struct {
	QuantityUpdate
	ProductID uuid.UUID
	Version   int64
}

// plan records the account's desired quantities and returns the updates to
// send. It returns none for a disabled account.
func (p *Pusher) plan(ctx context.Context, tenantID, accountID uuid.UUID, skip map[uuid.UUID]bool) (Conn, []pending, error) {
	var acct Conn
	var todo []pending
	err := p.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		conn, enabled, err := p.accounts.ConnTx(tx, tenantID, accountID)
		if err != nil {
			return err
		}
		acct = conn
		a := struct{ Enabled bool }{enabled}
		if _, ok := p.reg.Get(conn.Kind); !ok && a.Enabled {
			return fmt.Errorf("channel: account %s is of kind %q: %w", accountID, conn.Kind, ErrNoConnector)
		}
		desired, err := inventory.DesiredForAccountTx(tx, tenantID, accountID)
		if err != nil {
			return err
		}
		var rows []listingState
		if err := tx.Raw(`SELECT id, product_id, channel_sku, external_listing_id, desired_qty, desired_reason,
				pushed_qty, pushed_version, last_error, (`+dueSQL("")+`) AS due
			FROM channel_listings WHERE tenant_id = ? AND channel_account_id = ?`,
			p.backoffBase.Seconds(), p.backoffMax.Seconds(), tenantID, accountID).Scan(&rows).Error; err != nil {
			return fmt.Errorf("channel: read listings: %w", err)
		}
		state := make(map[uuid.UUID]*listingState, len(rows))
		for i := range rows {
			state[rows[i].ID] = &rows[i]
		}
		var wants []desiredRow
		var current []pushedRow
		for _, d := range desired {
			s, ok := state[d.ListingID]
			if !ok || s.ProductID != d.ProductID {
				continue
			}
			if s.DesiredQty == nil || *s.DesiredQty != d.Quantity || s.DesiredReason != d.Reason {
				wants = append(wants, desiredRow{ID: d.ListingID, Qty: d.Quantity, Reason: d.Reason})
			}
			// pushed_qty is what the channel is known to show; when it
			// already shows the desired quantity, only the version moves.
			inSync := s.PushedQty != nil && *s.PushedQty == d.Quantity
			switch {
			case inSync:
				if s.PushedVersion != d.Version || s.LastError != "" {
					current = append(current, pushedRow{ID: d.ListingID, ProductID: d.ProductID, Qty: d.Quantity, Version: d.Version})
				}
			case a.Enabled && s.Due && !skip[d.ListingID]:
				todo = append(todo, pending{QuantityUpdate: QuantityUpdate{
					ListingRef: ListingRef{ListingID: d.ListingID, ChannelSKU: s.ChannelSKU, ExternalListingID: s.ExternalListingID},
					Quantity:   d.Quantity}, ProductID: d.ProductID, Version: d.Version})
			}
		}
		if err := updateDesired(tx, tenantID, wants); err != nil {
			return err
		}
		return markCurrent(tx, tenantID, current)
	})
	if err != nil {
		if errors.Is(err, ErrAccountNotFound) || errors.Is(err, ErrNoConnector) {
			return acct, nil, err
		}
		return acct, nil, fmt.Errorf("channel: plan push of account %s: %w", accountID, err)
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].ChannelSKU < todo[j].ChannelSKU })
	return acct, todo, nil
}

// dueSQL is an expression over the listing columns qualified by q (such as
// "l.") that is true when the listing's last push did not fail, or its
// backoff since the failure is over. Its two parameters are the base and the
// cap of the backoff, in seconds.
func dueSQL(q string) string {
	return q + `last_error = '' OR ` + q + `last_error_at IS NULL OR ` + q + `last_error_at <= now() -
		make_interval(secs => least(?::float8 * power(2, least(greatest(` + q + `push_attempts - 1, 0), 20)), ?::float8))`
}

// send pushes the updates in batches and records each answer. A rejected
// listing joins rejected. A failed call stops the run.
func (p *Pusher) send(ctx context.Context, ch Channel, acct Conn, todo []pending, rejected map[uuid.UUID]bool, res *Result) error {
	size := max(ch.MaxBatch(), 1)
	for start := 0; start < len(todo); start += size {
		batch := todo[start:min(start+size, len(todo))]
		updates := make([]QuantityUpdate, len(batch))
		for i, u := range batch {
			updates[i] = u.QuantityUpdate
		}
		res.Calls++
		answers, callErr := ch.PushQuantities(ctx, acct, updates)
		var ok []pushedRow
		var failed []failedRow
		if callErr != nil {
			for _, u := range batch {
				failed = append(failed, failedRow{ID: u.ListingID, Error: clip(callErr.Error())})
			}
		} else {
			byID := make(map[uuid.UUID]PushResult, len(answers))
			for _, a := range answers {
				byID[a.ListingID] = a
			}
			for _, u := range batch {
				a, found := byID[u.ListingID]
				switch {
				case found && a.Accepted:
					ok = append(ok, pushedRow{ID: u.ListingID, ProductID: u.ProductID, Qty: u.Quantity, Version: u.Version})
				case !found:
					failed = append(failed, failedRow{ID: u.ListingID, Error: "the channel did not answer for this listing"})
				case a.Error == "":
					failed = append(failed, failedRow{ID: u.ListingID, Error: "rejected by the channel without a reason"})
				default:
					failed = append(failed, failedRow{ID: u.ListingID, Error: clip(a.Error)})
				}
			}
			res.Accepted += len(ok)
			res.Rejected += len(failed)
			for _, f := range failed {
				rejected[f.ID] = true
			}
		}
		// Record even when the task's context ended: the channel may have
		// applied the call, and a missing record only costs a repeat push.
		recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err := p.db.Tenant(recordCtx, acct.TenantID, func(tx *gorm.DB) error {
			if err := markPushed(tx, acct.TenantID, ok); err != nil {
				return err
			}
			return markFailed(tx, acct.TenantID, failed)
		})
		cancel()
		if callErr != nil {
			return fmt.Errorf("channel: push %d quantities to %s account %s: %w", len(batch), acct.Kind, acct.ID, callErr)
		}
		if err != nil {
			return fmt.Errorf("channel: record push of account %s: %w", acct.ID, err)
		}
	}
	return nil
}

func clip(s string) string {
	const most = 1000
	if len(s) <= most {
		return s
	}
	return s[:most] + "…"
}
