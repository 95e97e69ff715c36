package channel

import (
	"sync"

	"github.com/google/uuid"
)

// runs are the push runs (Converge calls) under way in this process, by
// account. A push request that finds the account's task already queued or
// running cannot tell, from the queue alone, whether that task will still
// look at the stock: a running task may have made its last look and only be
// waiting for asynq to complete it. When the run is in this process the
// request is handed to it instead, and the run looks again before it ends.
//
// The run clears its flag right before every look and ends only after a look
// found nothing to send with the flag still clear, both under the lock, so a
// request either lands before a look that then sees its change, or makes the
// run look once more.
type runs struct {
	mu sync.Mutex
	by map[uuid.UUID]map[*run]struct{}
}

// run is one Converge call.
type run struct {
	account uuid.UUID
	// asked is set by a push request that arrived since the run's last look.
	asked bool
}

// start registers a run of account.
func (rs *runs) start(account uuid.UUID) *run {
	r := &run{account: account}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.by == nil {
		rs.by = map[uuid.UUID]map[*run]struct{}{}
	}
	if rs.by[account] == nil {
		rs.by[account] = map[*run]struct{}{}
	}
	rs.by[account][r] = struct{}{}
	return r
}

// ask hands a push request to the account's runs in this process. It reports
// false when there is none: the request then needs a task of its own.
func (rs *runs) ask(account uuid.UUID) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for r := range rs.by[account] {
		r.asked = true
	}
	return len(rs.by[account]) > 0
}

// look is called right before the run reads what to send: requests made
// until now are answered by that look.
func (rs *runs) look(r *run) {
	rs.mu.Lock()
	r.asked = false
	rs.mu.Unlock()
}

// finish ends a run whose last look found nothing to send, unless a request
// arrived since that look began; then it reports false and the run must look
// again.
func (rs *runs) finish(r *run) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r.asked {
		return false
	}
	rs.remove(r)
	return true
}

// end ends a run whatever its flag and reports whether a request arrived
// since its last look, which the run then leaves unanswered. Ending an ended
// run reports false.
func (rs *runs) end(r *run) (asked bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if _, ok := rs.by[r.account][r]; !ok {
		return false
	}
	rs.remove(r)
	return r.asked
}

func (rs *runs) remove(r *run) {
	delete(rs.by[r.account], r)
	if len(rs.by[r.account]) == 0 {
		delete(rs.by, r.account)
	}
}
