package api

import "time"

// Order statuses.
const (
	StatusNew       = "NEW"
	StatusAllocated = "ALLOCATED"
	StatusPicking   = "PICKING"
	StatusPacked    = "PACKED"
	StatusLabeled   = "LABELED"
	StatusShipped   = "SHIPPED"
	StatusDelivered = "DELIVERED"
	StatusOnHold    = "ON_HOLD"
	StatusCancelled = "CANCELLED"
)

// Hold reasons.
const (
	HoldUnmapped = "unmapped" // a line's channel SKU maps to no catalog product
	HoldShort    = "short"    // not enough available stock for every line
)

// Address is a postal address.
type Address struct {
	Name       string `json:"name"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
}

// OrderLineInput is a line of a manual order, by catalog SKU.
type OrderLineInput struct {
	SKU       string `json:"sku"`
	Quantity  int    `json:"quantity"`
	UnitPrice string `json:"unit_price"` // decimal, e.g. "12.99"
	Title     string `json:"title,omitempty"`
}

// CreateOrderRequest enters a manual or phone order. With an external_id the
// call is idempotent: the same id returns the existing order.
type CreateOrderRequest struct {
	ExternalID    string           `json:"external_id,omitempty"`
	CustomerName  string           `json:"customer_name"`
	CustomerEmail string           `json:"customer_email,omitempty"`
	ShipTo        Address          `json:"ship_to"`
	Lines         []OrderLineInput `json:"lines"`
	ServiceLevel  string           `json:"service_level,omitempty"`
	ShipBy        *time.Time       `json:"ship_by,omitempty"`
	PlacedAt      *time.Time       `json:"placed_at,omitempty"`
	Currency      string           `json:"currency,omitempty"` // default USD
	Notes         string           `json:"notes,omitempty"`
}

// OrderLine is one line of an order.
type OrderLine struct {
	ID          string `json:"id"`
	LineNo      int    `json:"line_no"`
	ChannelSKU  string `json:"channel_sku"`
	SKU         string `json:"sku,omitempty"` // empty while unmapped
	ProductID   string `json:"product_id,omitempty"`
	Title       string `json:"title,omitempty"`
	Quantity    int    `json:"quantity"`
	UnitPrice   string `json:"unit_price"`
	Allocated   bool   `json:"allocated"`
	BinLocation string `json:"bin_location,omitempty"`
}

// Transition is one recorded status change of an order.
type Transition struct {
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// Order is an order from any channel.
type Order struct {
	ID               string       `json:"id"`
	Number           int64        `json:"number"`
	ChannelAccountID string       `json:"channel_account_id"`
	ChannelKind      string       `json:"channel_kind"`
	ExternalID       string       `json:"external_id"`
	Status           string       `json:"status"`
	HoldReason       string       `json:"hold_reason,omitempty"`
	HoldDetail       string       `json:"hold_detail,omitempty"`
	CustomerName     string       `json:"customer_name"`
	CustomerEmail    string       `json:"customer_email,omitempty"`
	ShipTo           Address      `json:"ship_to"`
	ServiceLevel     string       `json:"service_level,omitempty"`
	ShipBy           *time.Time   `json:"ship_by,omitempty"`
	PlacedAt         time.Time    `json:"placed_at"`
	BuyerNotes       string       `json:"buyer_notes,omitempty"`
	Currency         string       `json:"currency"`
	Total            string       `json:"total"`
	Lines            []OrderLine  `json:"lines"`
	ClaimedBy        string       `json:"claimed_by,omitempty"`
	ClaimedAt        *time.Time   `json:"claimed_at,omitempty"`
	Transitions      []Transition `json:"transitions,omitempty"`
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
}

// OrderList is a page of orders, newest first.
type OrderList struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// CancelOrderRequest cancels an order and releases its stock.
type CancelOrderRequest struct {
	Reason string `json:"reason,omitempty"`
}

// TransitionRequest moves an order to another status through the lifecycle.
type TransitionRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// PickLine is a line to pick.
type PickLine struct {
	SKU         string   `json:"sku"`
	Name        string   `json:"name"`
	BinLocation string   `json:"bin_location"`
	Quantity    int      `json:"quantity"`
	Barcodes    []string `json:"barcodes"`
}

// PickOrder is an order in the pick/pack queue.
type PickOrder struct {
	ID           string     `json:"id"`
	Number       int64      `json:"number"`
	Status       string     `json:"status"`
	ChannelKind  string     `json:"channel_kind"`
	CustomerName string     `json:"customer_name"`
	ServiceLevel string     `json:"service_level,omitempty"`
	ShipBy       *time.Time `json:"ship_by,omitempty"`
	PlacedAt     time.Time  `json:"placed_at"`
	ClaimedBy    string     `json:"claimed_by,omitempty"`
	ClaimedAt    *time.Time `json:"claimed_at,omitempty"`
	Lines        []PickLine `json:"lines"`
}

// PickQueue is the pick/pack queue, oldest ship-by first.
type PickQueue struct {
	Orders []PickOrder `json:"orders"`
}

// Mapping ties a channel account's SKU to a catalog SKU.
type Mapping struct {
	ListingID         string `json:"listing_id"`
	ChannelAccountID  string `json:"channel_account_id"`
	ChannelSKU        string `json:"channel_sku"`
	SKU               string `json:"sku"`
	ExternalListingID string `json:"external_listing_id,omitempty"`
}

// UnmappedSKU is a channel SKU seen on held orders with no catalog product.
type UnmappedSKU struct {
	ChannelAccountID string    `json:"channel_account_id"`
	ChannelSKU       string    `json:"channel_sku"`
	Title            string    `json:"title,omitempty"`
	HeldOrders       int       `json:"held_orders"`
	FirstSeen        time.Time `json:"first_seen"`
}

// Mappings lists the mapped listings and the mapping review queue.
type Mappings struct {
	Mappings []Mapping     `json:"mappings"`
	Unmapped []UnmappedSKU `json:"unmapped"`
}

// PutMappingRequest maps a channel SKU to a catalog SKU (creating or changing the listing).
type PutMappingRequest struct {
	ChannelAccountID  string `json:"channel_account_id"`
	ChannelSKU        string `json:"channel_sku"`
	SKU               string `json:"sku"`
	ExternalListingID string `json:"external_listing_id,omitempty"`
}

// PutMappingResult is the mapping and the held orders it released.
type PutMappingResult struct {
	Mapping         Mapping  `json:"mapping"`
	OrdersReleased  []string `json:"orders_released"`
	OrdersAllocated []string `json:"orders_allocated"`
}
