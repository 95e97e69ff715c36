// Package fake is an in-process channel for tests and the demo. It remembers
// every push with its time, shows the last accepted quantity of each listing
// and can be told to fail: whole calls, single listings, or slowly.
package fake

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/channel"
)

// ErrUnavailable is the failure injected by FailNext when no other is given.
var ErrUnavailable = errors.New("fake channel: service unavailable (503)")

// Push is one PushQuantities call as the channel received it.
type Push struct {
	At      time.Time
	Account uuid.UUID
	Updates []channel.QuantityUpdate
	// Err is the injected failure of the whole call, if any.
	Err error
}

// Channel is the fake connector. The zero value is not usable; call New.
type Channel struct {
	mu       sync.Mutex
	maxBatch int
	delay    time.Duration
	failN    int
	failErr  error
	rejects  map[string]string // channel SKU → reason
	noRead   bool
	pushes   []Push
	shows    map[key]int
	onPush   func(Push)
}

type key struct{ account, listing uuid.UUID }

// New returns a fake channel that accepts everything, 50 updates per call.
func New() *Channel {
	return &Channel{maxBatch: 50, rejects: map[string]string{}, shows: map[key]int{}}
}

var _ channel.Channel = (*Channel)(nil)

// MaxBatch implements channel.Channel.
func (f *Channel) MaxBatch() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxBatch
}

// SetMaxBatch changes how many updates one call may carry.
func (f *Channel) SetMaxBatch(n int) {
	f.mu.Lock()
	f.maxBatch = n
	f.mu.Unlock()
}

// SetDelay makes every call take at least d (a slow marketplace).
func (f *Channel) SetDelay(d time.Duration) {
	f.mu.Lock()
	f.delay = d
	f.mu.Unlock()
}

// FailNext makes the next n calls fail as a whole with err (ErrUnavailable
// when nil). Failed calls are recorded but change nothing.
func (f *Channel) FailNext(n int, err error) {
	if err == nil {
		err = ErrUnavailable
	}
	f.mu.Lock()
	f.failN, f.failErr = n, err
	f.mu.Unlock()
}

// Reject makes the channel reject every update of channelSKU with reason,
// until Accept.
func (f *Channel) Reject(channelSKU, reason string) {
	f.mu.Lock()
	f.rejects[channelSKU] = reason
	f.mu.Unlock()
}

// Accept undoes Reject.
func (f *Channel) Accept(channelSKU string) {
	f.mu.Lock()
	delete(f.rejects, channelSKU)
	f.mu.Unlock()
}

// DisableReadBack makes ReadQuantities answer that reading is unsupported.
func (f *Channel) DisableReadBack() {
	f.mu.Lock()
	f.noRead = true
	f.mu.Unlock()
}

// OnPush calls fn, outside the channel's lock, after every call is recorded.
// Tests use it to change stock while a push is in flight.
func (f *Channel) OnPush(fn func(Push)) {
	f.mu.Lock()
	f.onPush = fn
	f.mu.Unlock()
}

// PushQuantities implements channel.Channel.
func (f *Channel) PushQuantities(ctx context.Context, conn channel.Conn, updates []channel.QuantityUpdate) ([]channel.PushResult, error) {
	acct := conn.Account
	f.mu.Lock()
	delay, maxBatch := f.delay, f.maxBatch
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if len(updates) > maxBatch {
		return nil, fmt.Errorf("fake channel: %d updates in one call, at most %d", len(updates), maxBatch)
	}
	f.mu.Lock()
	p := Push{At: time.Now(), Account: acct.ID, Updates: append([]channel.QuantityUpdate(nil), updates...)}
	var out []channel.PushResult
	if f.failN > 0 {
		f.failN--
		p.Err = f.failErr
	} else {
		out = make([]channel.PushResult, len(updates))
		for i, u := range updates {
			if reason, ok := f.rejects[u.ChannelSKU]; ok {
				out[i] = channel.PushResult{ListingID: u.ListingID, Error: reason}
				continue
			}
			f.shows[key{acct.ID, u.ListingID}] = u.Quantity
			out[i] = channel.PushResult{ListingID: u.ListingID, Accepted: true}
		}
	}
	f.pushes = append(f.pushes, p)
	hook := f.onPush
	f.mu.Unlock()
	if hook != nil {
		hook(p)
	}
	if p.Err != nil {
		return nil, p.Err
	}
	return out, nil
}

// ReadQuantities implements channel.Channel: a listing shows what was last
// accepted for it, or what SetShown put there.
func (f *Channel) ReadQuantities(_ context.Context, conn channel.Conn, listings []channel.ListingRef) ([]channel.ListingQuantity, bool, error) {
	acct := conn.Account
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noRead {
		return nil, false, nil
	}
	out := make([]channel.ListingQuantity, len(listings))
	for i, l := range listings {
		q, ok := f.shows[key{acct.ID, l.ListingID}]
		out[i] = channel.ListingQuantity{ListingID: l.ListingID, Found: ok, Quantity: q}
	}
	return out, true, nil
}

// SetShown changes what a listing shows, as a seller editing it on the
// marketplace would.
func (f *Channel) SetShown(account, listing uuid.UUID, qty int) {
	f.mu.Lock()
	f.shows[key{account, listing}] = qty
	f.mu.Unlock()
}

// Shown returns what a listing shows, and whether anything was ever pushed to it.
func (f *Channel) Shown(account, listing uuid.UUID) (int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, ok := f.shows[key{account, listing}]
	return q, ok
}

// Pushes returns every call received, in order.
func (f *Channel) Pushes() []Push {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Push(nil), f.pushes...)
}

// PushCount returns how many calls were received for account (every account
// when account is uuid.Nil), failed ones included.
func (f *Channel) PushCount(account uuid.UUID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.pushes {
		if account == uuid.Nil || p.Account == account {
			n++
		}
	}
	return n
}

// Updates returns every update sent for a listing, in order, failed calls included.
func (f *Channel) Updates(listing uuid.UUID) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for _, p := range f.pushes {
		for _, u := range p.Updates {
			if u.ListingID == listing {
				out = append(out, u.Quantity)
			}
		}
	}
	return out
}

// Reset forgets recorded calls, keeping what listings show and the injected failures.
func (f *Channel) Reset() {
	f.mu.Lock()
	f.pushes = nil
	f.mu.Unlock()
}
