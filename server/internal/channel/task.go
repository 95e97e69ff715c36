package channel

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// Task types.
const (
	// TaskPush converges the listings of one channel account.
	TaskPush = "stock:push"
	// TaskReconcile finds every account with a listing behind its stock and
	// enqueues its push. The scheduler runs it every few seconds.
	TaskReconcile = "stock:reconcile"
)

// PushPayload is the payload of TaskPush.
type PushPayload struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	AccountID uuid.UUID `json:"account_id"`
	// FollowUp, when not zero, makes the task a follow-up rather than a push:
	// the nth of a chain that makes sure a stock change whose push request
	// found the account's push task already queued or running is looked at
	// (see Pusher.Enqueue).
	FollowUp int `json:"follow_up,omitempty"`
}

const (
	// pushTimeout bounds one push task: a few rounds of batched calls. What
	// was pushed before a timeout stays recorded; the retry sends the rest.
	pushTimeout = time.Minute
	// pushMaxRetry retries a failing channel for four to six minutes with
	// tasks.RetryDelay; after that the reconciler takes over, on the backoff
	// the listings record.
	pushMaxRetry = 8
	// reconcileTimeout bounds one reconciler pass over every tenant.
	reconcileTimeout = time.Minute

	// followUpMargin is the least time between the request of a follow-up
	// and its run. Every request sharing a follow-up is made before the
	// follow-up is due by at least this much, so the follow-up cannot have
	// started yet even if the worker's clock runs ahead of the requester's
	// by less than that.
	followUpMargin = 200 * time.Millisecond
	// followUpMaxWait caps the wait between follow-ups of a chain, which
	// doubles from one second while the account's push task stays queued.
	followUpMaxWait = 30 * time.Second
)

// PushTask returns the task that converges an account's listings.
func PushTask(tenantID, accountID uuid.UUID) *asynq.Task {
	payload, _ := json.Marshal(PushPayload{TenantID: tenantID, AccountID: accountID}) // two UUIDs always marshal
	return asynq.NewTask(TaskPush, payload)
}

// pushTaskID names the one push task an account may have queued or running,
// so a burst of stock changes collapses into one task.
func pushTaskID(accountID uuid.UUID) string { return "stockpush:" + accountID.String() }

// followUpTask returns the nth follow-up of an account's push requests.
func followUpTask(tenantID, accountID uuid.UUID, n int) *asynq.Task {
	payload, _ := json.Marshal(PushPayload{TenantID: tenantID, AccountID: accountID, FollowUp: n}) // always marshals
	return asynq.NewTask(TaskPush, payload)
}

// followUpAt returns when the nth follow-up of a chain requested at now runs:
// the first whole second at least followUpMargin after now, the later ones
// waiting longer. asynq keeps the time of a scheduled task in whole seconds,
// so a whole second is exactly when it becomes due.
func followUpAt(now time.Time, n int) time.Time {
	wait := followUpMargin
	if n > 1 {
		wait += min(time.Second<<min(n-2, 5), followUpMaxWait)
	}
	return now.Add(wait).Truncate(time.Second).Add(time.Second)
}

// followUpTaskID names the follow-up due at a whole second. Every request
// of a follow-up due then shares it; none of them is made once it is due.
func followUpTaskID(accountID uuid.UUID, at time.Time) string {
	return pushTaskID(accountID) + ":at:" + strconv.FormatInt(at.Unix(), 10)
}

// ReconcileTask returns the periodic reconciler task, for the scheduler.
func ReconcileTask() *asynq.Task { return asynq.NewTask(TaskReconcile, nil) }

// ReconcilePeriodic is the scheduler entry that runs the reconciler every
// interval on queue. A pass still queued when the next is due makes that one
// redundant, and a failed pass is not retried: the next tick does the same work.
func ReconcilePeriodic(queue string, every time.Duration) tasks.Periodic {
	return tasks.Periodic{Spec: "@every " + every.String(), Task: ReconcileTask(), Opts: []asynq.Option{
		asynq.Queue(queue), asynq.Unique(max(every-time.Second, time.Second)), asynq.MaxRetry(0),
		asynq.Timeout(reconcileTimeout)}}
}
