package api

import "time"

// Stock adjustment kinds.
const (
	AdjustReceipt    = "receipt"    // units received: quantity > 0
	AdjustAdjustment = "adjustment" // a correction: quantity is a non-zero delta
	AdjustCount      = "count"      // a physical count: quantity is the new on-hand figure
)

// StockAdjustmentRequest changes a product's on-hand stock.
type StockAdjustmentRequest struct {
	SKU      string `json:"sku"`
	Kind     string `json:"kind"`
	Quantity int    `json:"quantity"`
	Reason   string `json:"reason,omitempty"`
}

// StockLevel is a product's stock and what each channel should show.
type StockLevel struct {
	SKU       string            `json:"sku"`
	ProductID string            `json:"product_id"`
	OnHand    int               `json:"on_hand"`
	Allocated int               `json:"allocated"`
	Available int               `json:"available"`
	Version   int64             `json:"version"`
	Strategy  string            `json:"strategy"`
	Channels  []ChannelQuantity `json:"channels"`
}

// ChannelQuantity is one channel listing's desired and pushed quantity.
type ChannelQuantity struct {
	ListingID        string     `json:"listing_id"`
	ChannelAccountID string     `json:"channel_account_id"`
	ChannelKind      string     `json:"channel_kind"`
	ChannelName      string     `json:"channel_name"`
	ChannelSKU       string     `json:"channel_sku"`
	Desired          int        `json:"desired"`
	Reason           string     `json:"reason"`
	Pushed           *int       `json:"pushed,omitempty"`
	PushedVersion    int64      `json:"pushed_version"`
	PushedAt         *time.Time `json:"pushed_at,omitempty"`
	ReadBack         *int       `json:"read_back,omitempty"`
	LastError        string     `json:"last_error,omitempty"`
	InSync           bool       `json:"in_sync"`
}

// LedgerEntry is one recorded stock change.
type LedgerEntry struct {
	ID             int64     `json:"id"`
	Kind           string    `json:"kind"`
	OnHandDelta    int       `json:"on_hand_delta"`
	AllocatedDelta int       `json:"allocated_delta"`
	OnHandAfter    int       `json:"on_hand_after"`
	AllocatedAfter int       `json:"allocated_after"`
	Version        int64     `json:"version"`
	OrderID        string    `json:"order_id,omitempty"`
	Actor          string    `json:"actor"`
	Reason         string    `json:"reason,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// LedgerList is a product's stock changes, newest first.
type LedgerList struct {
	Entries []LedgerEntry `json:"entries"`
}

// Allocation strategies.
const (
	StrategySharedPool = "shared_pool"
	StrategyAllotments = "allotments"
)

// AllocationPolicy says how available stock is offered to channels.
//
// shared_pool: every channel shows available minus safety stock (units, or a
// percentage of available) minus the channel's own buffer. A channel given
// an allotment (units, or a percentage of on hand) is ring-fenced: it shows
// what its open orders have not yet used of that share, and the other
// channels see that remainder taken out — the way to sell on a channel that
// reports orders late (Amazon lists orders two minutes after they change)
// without ever offering the same unit twice.
// allotments: a reserve (units or percentage of on hand) is held back; each
// channel gets a fixed number of units or a share of the rest, less what its
// open orders already hold; a channel whose allotment is used up shows 0.
type AllocationPolicy struct {
	Strategy       string                 `json:"strategy"`
	SafetyUnits    int                    `json:"safety_units,omitempty"`
	SafetyPercent  float64                `json:"safety_percent,omitempty"`
	ReserveUnits   int                    `json:"reserve_units,omitempty"`
	ReservePercent float64                `json:"reserve_percent,omitempty"`
	Channels       map[string]ChannelRule `json:"channels,omitempty"` // by channel account id
}

// ChannelRule is one channel account's part of a policy: a buffer, or an
// allotment (with allotments, the channel's share; with shared_pool, a
// ring-fenced share).
type ChannelRule struct {
	BufferUnits      int      `json:"buffer_units,omitempty"`
	AllotmentUnits   *int     `json:"allotment_units,omitempty"`
	AllotmentPercent *float64 `json:"allotment_percent,omitempty"`
}

// AllocationPolicies is the tenant default and the per-SKU overrides.
type AllocationPolicies struct {
	Default   AllocationPolicy            `json:"default"`
	Overrides map[string]AllocationPolicy `json:"overrides"` // by SKU
}

// ListingList is the answer of GET /api/v1/listings.
type ListingList struct {
	Listings []ChannelQuantity `json:"listings"`
}

// PushQueued is the answer of POST /api/v1/listings/push.
type PushQueued struct {
	Accounts int `json:"accounts"` // accounts a push was queued for
}
