package inventory

import (
	"fmt"
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/shared/api"
)

// Desired is what one listing should show now, and why.
type Desired struct {
	ListingID, ProductID, AccountID uuid.UUID
	Quantity                        int
	Reason                          string
	// Version is the stock_levels.version the quantity was computed from.
	Version int64
}

// DesiredTx computes, inside a tenant transaction, the desired quantity of
// every listing of the given products (all of the tenant's listings when
// products is empty).
func DesiredTx(tx *gorm.DB, tenantID uuid.UUID, products []uuid.UUID) ([]Desired, error) {
	q := `SELECT id AS listing_id, product_id, channel_account_id AS account_id FROM channel_listings WHERE tenant_id = ?`
	args := []any{tenantID}
	if len(products) > 0 {
		q += ` AND product_id IN ?`
		args = append(args, products)
	}
	return desiredFor(tx, tenantID, q, args)
}

// DesiredForAccountTx computes the desired quantity of every listing of one
// channel account.
func DesiredForAccountTx(tx *gorm.DB, tenantID, accountID uuid.UUID) ([]Desired, error) {
	return desiredFor(tx, tenantID, `SELECT id AS listing_id, product_id, channel_account_id AS account_id
		FROM channel_listings WHERE tenant_id = ? AND channel_account_id = ?`, []any{tenantID, accountID})
}

type listingRef struct {
	ListingID uuid.UUID
	ProductID uuid.UUID
	AccountID uuid.UUID
}

func desiredFor(tx *gorm.DB, tenantID uuid.UUID, listingQuery string, args []any) ([]Desired, error) {
	var listings []listingRef
	if err := tx.Raw(listingQuery+` ORDER BY id`, args...).Scan(&listings).Error; err != nil {
		return nil, fmt.Errorf("inventory: listings: %w", err)
	}
	if len(listings) == 0 {
		return nil, nil
	}
	productSet := map[uuid.UUID]bool{}
	for _, l := range listings {
		productSet[l.ProductID] = true
	}
	products := make([]uuid.UUID, 0, len(productSet))
	for p := range productSet {
		products = append(products, p)
	}
	// A channel's quantity depends on the product's stock, the policy, what
	// that channel's own open orders hold and, under a shared pool, what is
	// left of the ring-fenced channels' shares: the listings asked for plus
	// the ring-fenced channels' listings of the same products.
	var stock []struct {
		ProductID uuid.UUID
		OnHand    int
		Allocated int
		Version   int64
	}
	if err := tx.Raw(`SELECT product_id, on_hand, allocated, version FROM stock_levels
		WHERE tenant_id = ? AND product_id IN ?`, tenantID, products).Scan(&stock).Error; err != nil {
		return nil, fmt.Errorf("inventory: stock: %w", err)
	}
	var used []struct {
		ProductID uuid.UUID
		AccountID uuid.UUID
		Used      int
	}
	if err := tx.Raw(`SELECT a.product_id, o.channel_account_id AS account_id, sum(a.quantity) AS used
		FROM allocations a JOIN orders o ON o.tenant_id = a.tenant_id AND o.id = a.order_id
		WHERE a.tenant_id = ? AND a.product_id IN ? AND a.released_at IS NULL AND a.shipped_at IS NULL
		GROUP BY a.product_id, o.channel_account_id`, tenantID, products).Scan(&used).Error; err != nil {
		return nil, fmt.Errorf("inventory: used by channel: %w", err)
	}
	policies, err := loadPolicies(tx, tenantID)
	if err != nil {
		return nil, err
	}
	usedBy := map[[2]uuid.UUID]int{}
	for _, u := range used {
		usedBy[[2]uuid.UUID{u.ProductID, u.AccountID}] = u.Used
	}
	fenced, err := fencedListings(tx, tenantID, policies, products)
	if err != nil {
		return nil, err
	}
	accountsOf := map[uuid.UUID][]ChannelInput{}
	seen := map[[2]uuid.UUID]bool{}
	for _, l := range slices.Concat(listings, fenced) {
		k := [2]uuid.UUID{l.ProductID, l.AccountID}
		if !seen[k] {
			seen[k] = true
			accountsOf[l.ProductID] = append(accountsOf[l.ProductID], ChannelInput{AccountID: l.AccountID, Used: usedBy[k]})
		}
	}
	quantities := map[uuid.UUID]map[uuid.UUID]Quantity{}
	versions := map[uuid.UUID]int64{}
	for _, s := range stock {
		quantities[s.ProductID] = ChannelQuantities(policies.of(s.ProductID), s.OnHand, s.Allocated, accountsOf[s.ProductID])
		versions[s.ProductID] = s.Version
	}
	out := make([]Desired, 0, len(listings))
	for _, l := range listings {
		q := quantities[l.ProductID][l.AccountID]
		out = append(out, Desired{ListingID: l.ListingID, ProductID: l.ProductID, AccountID: l.AccountID,
			Quantity: q.Quantity, Reason: q.Reason, Version: versions[l.ProductID]})
	}
	return out, nil
}

// fencedListings returns, for the products, the listings of channel
// accounts their policies ring-fence within a shared pool: the other
// channels' quantities depend on them.
func fencedListings(tx *gorm.DB, tenantID uuid.UUID, policies policySet, products []uuid.UUID) ([]listingRef, error) {
	var fencedAccounts []string
	seen := map[string]bool{}
	all := []api.AllocationPolicy{policies.def}
	for _, p := range policies.overrides {
		all = append(all, p)
	}
	for _, p := range all {
		if p.Strategy != api.StrategySharedPool {
			continue
		}
		for id, rule := range p.Channels {
			if (rule.AllotmentUnits != nil || rule.AllotmentPercent != nil) && !seen[id] {
				seen[id] = true
				fencedAccounts = append(fencedAccounts, id)
			}
		}
	}
	if len(fencedAccounts) == 0 {
		return nil, nil
	}
	var out []listingRef
	if err := tx.Raw(`SELECT id AS listing_id, product_id, channel_account_id AS account_id FROM channel_listings
		WHERE tenant_id = ? AND product_id IN ? AND channel_account_id::text IN ?`,
		tenantID, products, fencedAccounts).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("inventory: ring-fenced listings: %w", err)
	}
	return out, nil
}
