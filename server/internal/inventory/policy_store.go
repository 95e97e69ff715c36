package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
)

type policyRow struct {
	ProductID      *uuid.UUID
	SKU            *string
	Strategy       string
	SafetyUnits    int
	SafetyPercent  float64
	ReserveUnits   int
	ReservePercent float64
	ChannelRules   json.RawMessage
}

func (r policyRow) policy() api.AllocationPolicy {
	p := api.AllocationPolicy{Strategy: r.Strategy, SafetyUnits: r.SafetyUnits, SafetyPercent: r.SafetyPercent,
		ReserveUnits: r.ReserveUnits, ReservePercent: r.ReservePercent}
	_ = json.Unmarshal(r.ChannelRules, &p.Channels)
	if len(p.Channels) == 0 {
		p.Channels = nil
	}
	return p
}

// policySet is a tenant's default policy and its per-product overrides.
type policySet struct {
	def       api.AllocationPolicy
	overrides map[uuid.UUID]api.AllocationPolicy
	skus      map[uuid.UUID]string
}

func (ps policySet) of(product uuid.UUID) api.AllocationPolicy {
	if p, ok := ps.overrides[product]; ok {
		return p
	}
	return ps.def
}

func loadPolicies(tx *gorm.DB, tenantID uuid.UUID) (policySet, error) {
	var rows []policyRow
	err := tx.Raw(`SELECT ap.product_id, p.sku, ap.strategy, ap.safety_units, ap.safety_percent::float8 AS safety_percent,
			ap.reserve_units, ap.reserve_percent::float8 AS reserve_percent, ap.channel_rules
		FROM allocation_policies ap LEFT JOIN products p ON p.tenant_id = ap.tenant_id AND p.id = ap.product_id
		WHERE ap.tenant_id = ?`, tenantID).Scan(&rows).Error
	if err != nil {
		return policySet{}, fmt.Errorf("inventory: load policies: %w", err)
	}
	ps := policySet{def: DefaultPolicy(), overrides: map[uuid.UUID]api.AllocationPolicy{}, skus: map[uuid.UUID]string{}}
	for _, r := range rows {
		if r.ProductID == nil {
			ps.def = r.policy()
			continue
		}
		ps.overrides[*r.ProductID] = r.policy()
		if r.SKU != nil {
			ps.skus[*r.ProductID] = *r.SKU
		}
	}
	return ps, nil
}

// Policies returns the tenant's default allocation policy and per-SKU overrides.
func (s *Service) Policies(ctx context.Context, tenantID uuid.UUID) (api.AllocationPolicies, error) {
	var out api.AllocationPolicies
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		ps, err := loadPolicies(tx, tenantID)
		if err != nil {
			return err
		}
		out = api.AllocationPolicies{Default: ps.def, Overrides: map[string]api.AllocationPolicy{}}
		for pid, p := range ps.overrides {
			out.Overrides[ps.skus[pid]] = p
		}
		return nil
	})
	return out, err
}

// PutPolicies replaces the tenant's allocation policies. The change applies
// at once: every listing is re-evaluated and re-pushed where it differs.
func (s *Service) PutPolicies(ctx context.Context, tenantID uuid.UUID, actor string, in api.AllocationPolicies) (api.AllocationPolicies, error) {
	var products []uuid.UUID
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		accountIDs, err := db.IDs(tx, `SELECT id FROM channel_accounts WHERE tenant_id = ? AND kind <> 'manual'`, tenantID)
		if err != nil {
			return err
		}
		accounts := make(map[string]bool, len(accountIDs))
		for _, id := range accountIDs {
			accounts[id.String()] = true
		}
		if err := ValidatePolicy(in.Default, accounts, "default"); err != nil {
			return apperr.Invalid("%v", err)
		}
		skus := make([]string, 0, len(in.Overrides))
		for sku := range in.Overrides {
			skus = append(skus, sku)
		}
		sort.Strings(skus)
		productOf := map[string]uuid.UUID{}
		if len(skus) > 0 {
			var rows []struct {
				ID  uuid.UUID
				SKU string
			}
			if err := tx.Raw(`SELECT id, sku FROM products WHERE tenant_id = ? AND sku IN ?`, tenantID, skus).Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				productOf[r.SKU] = r.ID
			}
		}
		var unknown []string
		for _, sku := range skus {
			if _, ok := productOf[sku]; !ok {
				unknown = append(unknown, sku)
				continue
			}
			if err := ValidatePolicy(in.Overrides[sku], accounts, "overrides["+sku+"]"); err != nil {
				return apperr.Invalid("%v", err)
			}
		}
		if len(unknown) > 0 {
			return apperr.Invalid("overrides name unknown SKU: %s", strings.Join(unknown, ", "))
		}
		if err := tx.Exec(`DELETE FROM allocation_policies WHERE tenant_id = ?`, tenantID).Error; err != nil {
			return err
		}
		if err := insertPolicy(tx, tenantID, nil, in.Default, actor); err != nil {
			return err
		}
		for _, sku := range skus {
			pid := productOf[sku]
			if err := insertPolicy(tx, tenantID, &pid, in.Overrides[sku], actor); err != nil {
				return err
			}
		}
		// Every listing must be looked at again: mark them stale.
		products, err = db.IDs(tx, `UPDATE channel_listings SET pushed_version = -1, updated_at = now()
			WHERE tenant_id = ? RETURNING product_id AS id`, tenantID)
		return err
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return api.AllocationPolicies{}, err
		}
		return api.AllocationPolicies{}, fmt.Errorf("inventory: put policies: %w", err)
	}
	s.Committed(ctx, tenantID, Change{Products: uniqueIDs(products)}, nil)
	return s.Policies(ctx, tenantID)
}

func insertPolicy(tx *gorm.DB, tenantID uuid.UUID, product *uuid.UUID, p api.AllocationPolicy, actor string) error {
	rules := p.Channels
	if rules == nil {
		rules = map[string]api.ChannelRule{}
	}
	raw, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO allocation_policies (tenant_id, product_id, strategy, safety_units, safety_percent,
			reserve_units, reserve_percent, channel_rules, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tenantID, product, p.Strategy, p.SafetyUnits, p.SafetyPercent, p.ReserveUnits, p.ReservePercent, string(raw), actor).Error
}

func uniqueIDs(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
