package orders_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/shared/api"
)

// recorder is an inventory observer that remembers what changed.
type recorder struct {
	changes chan inventory.Change
}

func (r *recorder) StockChanged(_ context.Context, _ uuid.UUID, c inventory.Change) {
	select {
	case r.changes <- c:
	default:
	}
}

type fixture struct {
	t      *testing.T
	db     *db.DB
	inv    *inventory.Service
	orders *orders.Service
	tenant uuid.UUID
	seen   *recorder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := env.DB(t)
	log := slog.New(slog.DiscardHandler)
	inv := inventory.NewService(d, nil, log)
	rec := &recorder{changes: make(chan inventory.Change, 1000)}
	inv.Observe(rec)
	svc := orders.NewService(d, inv, log)
	tn, err := tenancy.NewService(d).Create(context.Background(), "o-"+strings.ReplaceAll(uuid.NewString()[:12], "-", ""), "Orders test")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: d, inv: inv, orders: svc, tenant: uuid.MustParse(tn.ID), seen: rec}
}

// product creates a catalog product with on-hand stock.
func (f *fixture) product(sku, bin string, onHand int) uuid.UUID {
	f.t.Helper()
	id := uuid.New()
	err := f.db.Tenant(context.Background(), f.tenant, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO products (tenant_id, id, sku, name, bin_location) VALUES (?, ?, ?, ?, ?)`,
			f.tenant, id, sku, "Product "+sku, bin).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO stock_levels (tenant_id, product_id) VALUES (?, ?)`, f.tenant, id).Error
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if onHand > 0 {
		f.receive(sku, onHand)
	}
	return id
}

func (f *fixture) receive(sku string, qty int) {
	f.t.Helper()
	if _, err := f.inv.Adjust(context.Background(), f.tenant, "test", api.StockAdjustmentRequest{SKU: sku, Kind: api.AdjustReceipt, Quantity: qty}); err != nil {
		f.t.Fatal(err)
	}
}

// account creates a channel account of a kind.
func (f *fixture) account(kind string) uuid.UUID {
	f.t.Helper()
	id := uuid.New()
	err := f.db.Tenant(context.Background(), f.tenant, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO channel_accounts (tenant_id, id, kind, name) VALUES (?, ?, ?, ?)`, f.tenant, id, kind, kind+" "+id.String()[:8]).Error
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) mapSKU(account uuid.UUID, channelSKU, sku string) api.PutMappingResult {
	f.t.Helper()
	res, err := f.orders.PutMapping(context.Background(), f.tenant, "test", api.PutMappingRequest{
		ChannelAccountID: account.String(), ChannelSKU: channelSKU, SKU: sku})
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

type stock struct{ OnHand, Allocated int }

func (f *fixture) stock(product uuid.UUID) stock {
	f.t.Helper()
	var s stock
	err := f.db.Tenant(context.Background(), f.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT on_hand, allocated FROM stock_levels WHERE tenant_id = ? AND product_id = ?`, f.tenant, product).Scan(&s).Error
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func address() api.Address {
	return api.Address{Name: "Dana Whitfield", Line1: "1200 Commerce St", City: "Dallas", Region: "TX", PostalCode: "75202", Country: "US"}
}

func intake(account uuid.UUID, external string, lines ...orders.IntakeLine) orders.Intake {
	return orders.Intake{ChannelAccountID: account, ExternalID: external, CustomerName: "Dana Whitfield", ShipTo: address(),
		Lines: lines, ServiceLevel: "Standard"}
}

func line(channelSKU string, qty int) orders.IntakeLine {
	return orders.IntakeLine{ChannelSKU: channelSKU, Quantity: qty, UnitPriceCents: 1299}
}

// checkLedger verifies a product's ledger replays to its current figures.
func (f *fixture) checkLedger(product uuid.UUID) {
	f.t.Helper()
	var sum stock
	err := f.db.Tenant(context.Background(), f.tenant, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT coalesce(sum(on_hand_delta), 0) AS on_hand, coalesce(sum(allocated_delta), 0) AS allocated
			FROM stock_ledger WHERE tenant_id = ? AND product_id = ?`, f.tenant, product).Scan(&sum).Error
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if cur := f.stock(product); cur != sum {
		f.t.Fatalf("ledger replays to %+v but stock is %+v", sum, cur)
	}
}
