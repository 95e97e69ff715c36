package orders

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// orderRow is a row of the orders table.
type orderRow struct {
	TenantID         uuid.UUID          `gorm:"column:tenant_id"`
	ID               uuid.UUID          `gorm:"column:id"`
	Number           int64              `gorm:"column:number"`
	ChannelAccountID uuid.UUID          `gorm:"column:channel_account_id"`
	ChannelKind      string             `gorm:"column:channel_kind;->"`
	ExternalID       string             `gorm:"column:external_id"`
	Status           domain.OrderStatus `gorm:"column:status"`
	HoldReason       *string            `gorm:"column:hold_reason"`
	HoldDetail       string             `gorm:"column:hold_detail"`
	CustomerName     string             `gorm:"column:customer_name"`
	CustomerEmail    string             `gorm:"column:customer_email"`
	ShipTo           json.RawMessage    `gorm:"column:ship_to"`
	ServiceLevel     string             `gorm:"column:service_level"`
	ShipBy           *time.Time         `gorm:"column:ship_by"`
	PlacedAt         time.Time          `gorm:"column:placed_at"`
	BuyerNotes       string             `gorm:"column:buyer_notes"`
	Currency         string             `gorm:"column:currency"`
	TotalCents       int64              `gorm:"column:total_cents"`
	ClaimedBy        *uuid.UUID         `gorm:"column:claimed_by"`
	ClaimedAt        *time.Time         `gorm:"column:claimed_at"`
	CreatedAt        time.Time          `gorm:"column:created_at"`
	UpdatedAt        time.Time          `gorm:"column:updated_at"`

	// transitions are the ones this transaction recorded, in order.
	transitions []api.Transition `gorm:"-"`
}

// lineRow is a row of order_lines joined with its product and allocation.
type lineRow struct {
	ID             uuid.UUID  `gorm:"column:id"`
	OrderID        uuid.UUID  `gorm:"column:order_id"`
	LineNo         int        `gorm:"column:line_no"`
	ChannelSKU     string     `gorm:"column:channel_sku"`
	ChannelLineID  string     `gorm:"column:channel_line_id"`
	Title          string     `gorm:"column:title"`
	ProductID      *uuid.UUID `gorm:"column:product_id"`
	Quantity       int        `gorm:"column:quantity"`
	UnitPriceCents int64      `gorm:"column:unit_price_cents"`
	SKU            *string    `gorm:"column:sku"`
	ProductName    *string    `gorm:"column:product_name"`
	BinLocation    *string    `gorm:"column:bin_location"`
	Allocated      bool       `gorm:"column:allocated"`
}
