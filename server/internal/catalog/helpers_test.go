package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/catalog"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/shared/api"
)

type fixture struct {
	db      *db.DB
	svc     *catalog.Service
	tenants *tenancy.Service
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	d := env.DB(t)
	return fixture{db: d, svc: catalog.NewService(d), tenants: tenancy.NewService(d)}
}

func (f fixture) tenant(t *testing.T) uuid.UUID {
	t.Helper()
	tn, err := f.tenants.Create(context.Background(), "t-"+uuid.NewString()[:8], "Tenant")
	if err != nil {
		t.Fatal(err)
	}
	return uuid.MustParse(tn.ID)
}

func (f fixture) create(t *testing.T, tid uuid.UUID, req api.CreateProductRequest) api.Product {
	t.Helper()
	p, err := f.svc.Create(context.Background(), tid, req)
	if err != nil {
		t.Fatalf("create %s: %v", req.SKU, err)
	}
	return p
}

// stockOf reads a product's stock row; found is false when it is missing.
func (f fixture) stockOf(t *testing.T, tid uuid.UUID, productID string) (onHand, allocated int, found bool) {
	t.Helper()
	var rows []struct{ OnHand, Allocated int }
	err := f.db.Tenant(context.Background(), tid, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT on_hand, allocated FROM stock_levels WHERE tenant_id = ? AND product_id = ?`, tid, productID).Scan(&rows).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return 0, 0, false
	}
	return rows[0].OnHand, rows[0].Allocated, true
}

// countRows counts a tenant's rows of a table.
func (f fixture) countRows(t *testing.T, tid uuid.UUID, table string) int {
	t.Helper()
	var n int
	err := f.db.Tenant(context.Background(), tid, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT count(*) FROM `+table+` WHERE tenant_id = ?`, tid).Scan(&n).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantErr fails unless err is a domain error of kind whose message contains
// every one of parts.
func wantErr(t *testing.T, err error, kind apperr.Kind, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want kind %d containing %q", kind, parts)
	}
	if got := apperr.KindOf(err); got != kind {
		t.Fatalf("error %q has kind %d; want %d", err, got, kind)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

func ptr(v float64) *float64 { return &v }

func codes(p api.Product) []string {
	out := make([]string, len(p.Barcodes))
	for i, b := range p.Barcodes {
		out[i] = b.Code
	}
	return out
}
