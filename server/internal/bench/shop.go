package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/shared/api"
)

// shop is one tenant ready to take orders: catalog products with stock and a
// channel account whose listings map a channel SKU to each product.
type shop struct {
	tenant   uuid.UUID
	account  uuid.UUID
	products []product
}

type product struct {
	id         uuid.UUID
	sku        string
	channelSKU string
}

// newShop creates a tenant (slug plus a random suffix), its products with
// onHand units each, received through the stock service, and a mapped
// channel account.
func newShop(ctx context.Context, st *stack, slug string, skus []string, onHand int) (*shop, error) {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	slug = slug + "-" + hex.EncodeToString(b)
	t, err := tenancy.NewService(st.db).Create(ctx, slug, "Bench "+slug)
	if err != nil {
		return nil, fmt.Errorf("bench: create tenant: %w", err)
	}
	s := &shop{tenant: uuid.MustParse(t.ID), account: uuid.New()}
	err = st.db.Tenant(ctx, s.tenant, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO channel_accounts (tenant_id, id, kind, name) VALUES (?, ?, 'amazon', 'Amazon (bench)')`,
			s.tenant, s.account).Error; err != nil {
			return err
		}
		for _, sku := range skus {
			p := product{id: uuid.New(), sku: sku, channelSKU: "AMZ-" + sku}
			if err := tx.Exec(`INSERT INTO products (tenant_id, id, sku, name, bin_location) VALUES (?, ?, ?, ?, ?)`,
				s.tenant, p.id, sku, "Product "+sku, "A-"+sku).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO stock_levels (tenant_id, product_id) VALUES (?, ?)`, s.tenant, p.id).Error; err != nil {
				return err
			}
			s.products = append(s.products, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: create products: %w", err)
	}
	for _, p := range s.products {
		if onHand > 0 {
			if _, err := st.inv.Adjust(ctx, s.tenant, "bench", api.StockAdjustmentRequest{SKU: p.sku, Kind: api.AdjustReceipt, Quantity: onHand}); err != nil {
				return nil, fmt.Errorf("bench: receive %s: %w", p.sku, err)
			}
		}
		if _, err := st.orders.PutMapping(ctx, s.tenant, "bench", api.PutMappingRequest{
			ChannelAccountID: s.account.String(), ChannelSKU: p.channelSKU, SKU: p.sku}); err != nil {
			return nil, fmt.Errorf("bench: map %s: %w", p.sku, err)
		}
	}
	return s, nil
}

// order builds a channel order for the shop's account.
func (s *shop) order(externalID string, lines []orders.IntakeLine) orders.Intake {
	return orders.Intake{
		ChannelAccountID: s.account,
		ExternalID:       externalID,
		CustomerName:     "Dana Whitfield",
		CustomerEmail:    "dana@example.com",
		ShipTo:           api.Address{Name: "Dana Whitfield", Line1: "1200 Commerce St", City: "Dallas", Region: "TX", PostalCode: "75202", Country: "US"},
		Lines:            lines,
		ServiceLevel:     "Standard",
	}
}

// line orders qty units of p through its channel SKU.
func (p product) line(qty int) orders.IntakeLine {
	return orders.IntakeLine{ChannelSKU: p.channelSKU, Title: "Product " + p.sku, Quantity: qty, UnitPriceCents: 1299}
}
