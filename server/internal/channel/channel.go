package channel

import (
	"context"
	"sort"

	"github.com/google/uuid"
)

// Channel is one marketplace connector. The core talks to every marketplace
// through it and never knows which one it is. It carries the stock push for
// now; order fetching and tracking sync-back join it as methods of their own.
type Channel interface {
	// MaxBatch is the most quantity updates one PushQuantities call may carry.
	MaxBatch() int
	// PushQuantities sets the quantity each listing shows. It returns one
	// result per update: a channel may accept some and reject others. An error
	// means the call as a whole failed (unreachable, throttled, refused
	// credentials) and nothing can be assumed about any update in it.
	PushQuantities(ctx context.Context, c Conn, updates []QuantityUpdate) ([]PushResult, error)
	// ReadQuantities reads back what listings show, where the marketplace's
	// API allows it; ok is false when it does not.
	ReadQuantities(ctx context.Context, c Conn, listings []ListingRef) (quantities []ListingQuantity, ok bool, err error)
}

// Account is the channel account a call acts for.
type Account struct {
	TenantID uuid.UUID
	ID       uuid.UUID
	Kind     string
	Name     string
}

// ListingRef names a listing on a channel, by Manifold's id and by the
// identifiers the channel knows it by.
type ListingRef struct {
	ListingID         uuid.UUID
	ChannelSKU        string
	ExternalListingID string
}

// QuantityUpdate asks a channel to show Quantity units for a listing.
type QuantityUpdate struct {
	ListingRef
	Quantity int
}

// PushResult is a channel's answer for one update.
type PushResult struct {
	ListingID uuid.UUID
	Accepted  bool
	// Error is the channel's reason for a rejection, in its words.
	Error string
}

// ListingQuantity is what a channel says a listing shows.
type ListingQuantity struct {
	ListingID uuid.UUID
	// Found is false when the channel does not know the listing.
	Found    bool
	Quantity int
}

// Registry maps a channel account kind ("amazon", "woocommerce", ...) to its
// connector. main builds it; accounts of a kind missing from it are left alone.
type Registry map[string]Channel

// Get returns the connector for kind.
func (r Registry) Get(kind string) (Channel, bool) {
	c, ok := r[kind]
	return c, ok
}

// Kinds lists the registered kinds, sorted.
func (r Registry) Kinds() []string {
	out := make([]string, 0, len(r))
	for k := range r {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
