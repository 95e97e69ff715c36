package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// Intake is an order as a channel connector (or the API) hands it over.
type Intake struct {
	ChannelAccountID uuid.UUID
	ExternalID       string
	CustomerName     string
	CustomerEmail    string
	ShipTo           api.Address
	Lines            []IntakeLine
	ServiceLevel     string
	ShipBy           *time.Time
	PlacedAt         time.Time
	Notes            string
	Currency         string
}

// IntakeLine is one line of an incoming order, by the channel's SKU.
type IntakeLine struct {
	ChannelSKU     string
	ChannelLineID  string
	Title          string
	Quantity       int
	UnitPriceCents int64
}

// IntakeResult is the order and whether this call created it.
type IntakeResult struct {
	Order   api.Order
	Created bool
}

// MaxLines bounds the lines of one order.
const MaxLines = 500

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

func (in *Intake) normalize() error {
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if in.ExternalID == "" || len(in.ExternalID) > 128 {
		return apperr.Invalid("external_id must be 1 to 128 characters")
	}
	if in.Currency == "" {
		in.Currency = "USD"
	}
	in.Currency = strings.ToUpper(in.Currency)
	if !currencyPattern.MatchString(in.Currency) {
		return apperr.Invalid("currency %q must be a three-letter ISO 4217 code such as USD", in.Currency)
	}
	if len(in.Lines) == 0 {
		return apperr.Invalid("an order needs at least one line")
	}
	if len(in.Lines) > MaxLines {
		return apperr.Invalid("an order has at most %d lines, this one has %d", MaxLines, len(in.Lines))
	}
	for i := range in.Lines {
		l := &in.Lines[i]
		l.ChannelSKU = strings.TrimSpace(l.ChannelSKU)
		if l.ChannelSKU == "" || len(l.ChannelSKU) > 128 {
			return apperr.Invalid("line %d: sku must be 1 to 128 characters", i+1)
		}
		if l.Quantity <= 0 {
			return apperr.Invalid("line %d (%s): quantity must be a positive whole number, not %d", i+1, l.ChannelSKU, l.Quantity)
		}
		if l.Quantity > 100_000 {
			return apperr.Invalid("line %d (%s): quantity %d is too large", i+1, l.ChannelSKU, l.Quantity)
		}
		if l.UnitPriceCents < 0 {
			return apperr.Invalid("line %d (%s): unit price cannot be negative", i+1, l.ChannelSKU)
		}
	}
	if strings.TrimSpace(in.ShipTo.Country) != "" && len(strings.TrimSpace(in.ShipTo.Country)) != 2 {
		return apperr.Invalid("ship_to.country %q must be a two-letter ISO 3166 code such as US", in.ShipTo.Country)
	}
	in.ShipTo.Country = strings.ToUpper(strings.TrimSpace(in.ShipTo.Country))
	if in.CustomerEmail != "" {
		if _, err := mail.ParseAddress(in.CustomerEmail); err != nil {
			return apperr.Invalid("customer_email %q is not a valid email address", in.CustomerEmail)
		}
	}
	if in.PlacedAt.IsZero() {
		in.PlacedAt = time.Now().UTC()
	}
	if len(in.Notes) > 4000 {
		return apperr.Invalid("notes must be at most 4000 characters")
	}
	return nil
}

// Intake records an incoming order exactly once per (tenant, channel
// account, external id), maps its lines to catalog products and allocates
// it, all in one transaction. An order seen before is returned unchanged
// with Created false. A line whose channel SKU is unmapped puts the order on
// hold in the mapping review queue; for the manual channel, lines name
// catalog SKUs directly and an unknown SKU is refused.
//
// Intake runs for every order of every channel, so it keeps its statements
// few: one resolves the account and the SKUs, one writes the order with its
// lines and first transition, and the order it returns is built from what
// those statements returned rather than read again. Orders of one tenant
// arriving while another of its intakes is committing are taken together in
// the next transaction (see intakeBatcher), so a burst on one SKU locks its
// stock row once per batch rather than once per order.
func (s *Service) Intake(ctx context.Context, tenantID uuid.UUID, actor string, in Intake) (IntakeResult, error) {
	if err := in.normalize(); err != nil {
		return IntakeResult{}, err
	}
	c := &intakeCall{ctx: ctx, actor: actor, in: in, done: make(chan struct{})}
	s.batcher.submit(tenantID, c)
	select {
	case <-c.done:
	case <-ctx.Done():
		// The order may still be recorded; intake is idempotent, so a retry
		// finds it.
		return IntakeResult{}, ctx.Err()
	}
	if c.err != nil {
		return IntakeResult{}, c.err
	}
	if c.created.ID != "" {
		return IntakeResult{Order: c.created, Created: true}, nil
	}
	order, err := s.Get(ctx, tenantID, c.orderID)
	if err != nil {
		return IntakeResult{}, err
	}
	return IntakeResult{Order: order}, nil
}

// intakeTx records one incoming order inside tx. It returns the order as
// written when it is new, or only its id when it was seen before; the
// order's stock moves and events are added to w.
//
// res, when not nil, holds the account's kind and SKU mappings resolved
// beforehand for a whole batch; otherwise they are read here.
func intakeTx(tx *gorm.DB, tenantID uuid.UUID, actor string, in Intake, res *resolved, w *work) (created api.Order, orderID uuid.UUID, err error) {
	if res == nil {
		kind, products, err := resolveLines(tx, tenantID, in.ChannelAccountID, in.Lines)
		if err != nil {
			return api.Order{}, uuid.Nil, err
		}
		res = &resolved{kind: kind, products: products}
	} else if res.kind == ManualKind {
		for _, l := range in.Lines {
			if _, ok := res.products[l.ChannelSKU]; !ok {
				return api.Order{}, uuid.Nil, apperr.Invalid("unknown SKU: %s", l.ChannelSKU)
			}
		}
	}
	kind, products := res.kind, res.products
	var unmapped []string
	for _, l := range in.Lines {
		if _, ok := products[l.ChannelSKU]; !ok {
			unmapped = append(unmapped, l.ChannelSKU)
		}
	}
	// In a batch, a mapped order is written ALLOCATED with its allocation
	// rows; the batch moves the stock of all its orders at the end.
	direct := w.deferStock && len(unmapped) == 0
	o, lines, isNew, err := insertOrder(tx, tenantID, actor, in, kind, products, direct)
	if err != nil {
		return api.Order{}, uuid.Nil, err
	}
	if !isNew {
		return api.Order{}, o.ID, nil // seen before (a webhook and a poll, a retry): one order
	}
	if direct {
		for _, l := range lines {
			w.claimed = append(w.claimed, inventory.LineDemand{OrderID: o.ID, LineID: l.ID, ProductID: *l.ProductID,
				Quantity: l.Quantity, Actor: actor})
		}
	} else if len(unmapped) > 0 {
		detail := "unmapped channel SKU: " + strings.Join(dedupe(unmapped), ", ")
		if err := setStatus(tx, tenantID, &o, domain.StatusOnHold, api.HoldUnmapped, detail, actor, detail); err != nil {
			return api.Order{}, uuid.Nil, err
		}
	} else if err := allocateOrder(tx, tenantID, &o, lines, actor, w); err != nil {
		return api.Order{}, uuid.Nil, err
	}
	for i := range lines {
		lines[i].Allocated = o.Status == domain.StatusAllocated
	}
	created = toAPI(o, lines)
	created.Transitions = o.transitions
	w.orderEvent("order.created", &o)
	return created, o.ID, nil
}

// resolved is a channel account's kind and what its SKUs map to.
type resolved struct {
	kind     string
	products map[string]catalogProduct
}

// resolveBatch resolves the accounts and SKUs of a batch of orders with one
// statement per account.
func resolveBatch(tx *gorm.DB, tenantID uuid.UUID, ins []Intake) (map[uuid.UUID]*resolved, error) {
	lines := map[uuid.UUID][]IntakeLine{}
	for _, in := range ins {
		lines[in.ChannelAccountID] = append(lines[in.ChannelAccountID], in.Lines...)
	}
	out := make(map[uuid.UUID]*resolved, len(lines))
	for account, ls := range lines {
		kind, products, err := resolveLinesAll(tx, tenantID, account, ls)
		if err != nil {
			return nil, err
		}
		out[account] = &resolved{kind: kind, products: products}
	}
	return out, nil
}

// catalogProduct is what a line needs of the product its SKU maps to.
type catalogProduct struct {
	ID          uuid.UUID
	SKU         string
	Name        string
	BinLocation string
}

// resolveLines reads the account's kind and maps each line's channel SKU to
// a catalog product, in one statement. For the manual channel the SKU is the
// catalog SKU and must exist.
func resolveLines(tx *gorm.DB, tenantID, accountID uuid.UUID, lines []IntakeLine) (string, map[string]catalogProduct, error) {
	kind, out, err := resolveLinesAll(tx, tenantID, accountID, lines)
	if err != nil {
		return "", nil, err
	}
	if kind == ManualKind {
		var unknown []string
		for _, l := range lines {
			if _, ok := out[l.ChannelSKU]; !ok {
				unknown = append(unknown, l.ChannelSKU)
			}
		}
		if len(unknown) > 0 {
			return "", nil, apperr.Invalid("unknown SKU: %s", strings.Join(dedupe(unknown), ", "))
		}
	}
	return kind, out, nil
}

// resolveLinesAll is resolveLines without refusing the manual channel's
// unknown SKUs: they are simply left out of the map.
func resolveLinesAll(tx *gorm.DB, tenantID, accountID uuid.UUID, lines []IntakeLine) (string, map[string]catalogProduct, error) {
	skus := make([]string, 0, len(lines))
	for _, l := range lines {
		skus = append(skus, l.ChannelSKU)
	}
	skus = dedupe(skus)
	var rows []struct {
		Kind        string
		Key         *string
		ProductID   *uuid.UUID
		SKU         string
		ProductName string
		BinLocation string
	}
	err := tx.Raw(`SELECT a.kind, k.key, p.id AS product_id, coalesce(p.sku, '') AS sku,
			coalesce(p.name, '') AS product_name, coalesce(p.bin_location, '') AS bin_location
		FROM channel_accounts a
		LEFT JOIN LATERAL (
			SELECT l.channel_sku AS key, l.product_id FROM channel_listings l
			WHERE a.kind <> ? AND l.tenant_id = a.tenant_id AND l.channel_account_id = a.id AND l.channel_sku IN ?
			UNION ALL
			SELECT c.sku, c.id FROM products c
			WHERE a.kind = ? AND c.tenant_id = a.tenant_id AND c.sku IN ?
		) k ON true
		LEFT JOIN products p ON p.tenant_id = a.tenant_id AND p.id = k.product_id
		WHERE a.tenant_id = ? AND a.id = ?`, ManualKind, skus, ManualKind, skus, tenantID, accountID).Scan(&rows).Error
	if err != nil {
		return "", nil, fmt.Errorf("orders: resolve SKUs: %w", err)
	}
	if len(rows) == 0 {
		return "", nil, apperr.NotFound("channel account %s not found", accountID)
	}
	kind := rows[0].Kind
	out := make(map[string]catalogProduct, len(rows))
	for _, r := range rows {
		if r.Key != nil && r.ProductID != nil {
			out[*r.Key] = catalogProduct{ID: *r.ProductID, SKU: r.SKU, Name: r.ProductName, BinLocation: r.BinLocation}
		}
	}
	return kind, out, nil
}

// insertOrder writes a NEW order with its lines and first transition in one
// statement. When the order exists already (same account and external id)
// it writes nothing and returns the existing order's id with isNew false.
//
// With allocated, every line being mapped, the order is written ALLOCATED
// instead, with both transitions and the lines' allocation rows: the caller
// then owes the stock update (inventory.MoveClaimedTx) before commit.
func insertOrder(tx *gorm.DB, tenantID uuid.UUID, actor string, in Intake, kind string, products map[string]catalogProduct,
	allocated bool) (o orderRow, lines []lineRow, isNew bool, err error) {
	shipTo, err := json.Marshal(in.ShipTo)
	if err != nil {
		return o, nil, false, err
	}
	var total int64
	for _, l := range in.Lines {
		total += int64(l.Quantity) * l.UnitPriceCents
	}
	id := uuid.New()
	status := domain.StatusNew
	if allocated {
		status = domain.StatusAllocated
	}
	var sb strings.Builder
	args := make([]any, 0, 16+8*len(in.Lines))
	sb.WriteString(`WITH v (id, line_no, channel_sku, channel_line_id, title, product_id, quantity, price) AS (VALUES `)
	lines = make([]lineRow, len(in.Lines))
	for i, l := range in.Lines {
		lines[i] = lineRow{ID: uuid.New(), OrderID: id, LineNo: i + 1, ChannelSKU: l.ChannelSKU, ChannelLineID: l.ChannelLineID,
			Title: l.Title, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents}
		if p, ok := products[l.ChannelSKU]; ok {
			lines[i].ProductID, lines[i].SKU, lines[i].ProductName, lines[i].BinLocation = &p.ID, &p.SKU, &p.Name, &p.BinLocation
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?::uuid, ?::integer, ?::text, ?::text, ?::text, ?::uuid, ?::integer, ?::bigint)")
		args = append(args, lines[i].ID, i+1, l.ChannelSKU, l.ChannelLineID, l.Title, lines[i].ProductID, l.Quantity, l.UnitPriceCents)
	}
	sb.WriteString(`),
		o AS (
			INSERT INTO orders (tenant_id, id, channel_account_id, external_id, status, customer_name, customer_email,
				ship_to, service_level, ship_by, placed_at, buyer_notes, currency, total_cents)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT ON CONSTRAINT orders_external_key DO NOTHING
			RETURNING *),
		t AS (
			INSERT INTO order_transitions (tenant_id, order_id, from_status, to_status, actor)
			SELECT o.tenant_id, o.id, s.from_status, s.to_status, ?::text
			FROM o, (VALUES (1, NULL::text, 'NEW'), (2, 'NEW', 'ALLOCATED')) AS s (n, from_status, to_status)
			WHERE s.n = 1 OR o.status = 'ALLOCATED'
			ORDER BY s.n),
		a AS (
			INSERT INTO allocations (tenant_id, order_line_id, order_id, product_id, quantity)
			SELECT o.tenant_id, v.id, o.id, v.product_id, v.quantity FROM o, v WHERE o.status = 'ALLOCATED'),
		l AS (
			INSERT INTO order_lines (tenant_id, id, order_id, line_no, channel_sku, channel_line_id, title,
				product_id, quantity, unit_price_cents)
			SELECT o.tenant_id, v.id, o.id, v.line_no, v.channel_sku, v.channel_line_id, v.title, v.product_id, v.quantity, v.price
			FROM o, v)
		SELECT * FROM o`)
	args = append(args, tenantID, id, in.ChannelAccountID, in.ExternalID, string(status), strings.TrimSpace(in.CustomerName),
		in.CustomerEmail, string(shipTo), strings.TrimSpace(in.ServiceLevel), in.ShipBy, in.PlacedAt,
		in.Notes, in.Currency, total, actor)
	var rows []orderRow
	if err := tx.Raw(sb.String(), args...).Scan(&rows).Error; err != nil {
		return o, nil, false, fmt.Errorf("orders: insert: %w", err)
	}
	if len(rows) == 0 {
		existing, found, err := db.ID(tx, `SELECT id FROM orders WHERE tenant_id = ? AND channel_account_id = ? AND external_id = ?`,
			tenantID, in.ChannelAccountID, in.ExternalID)
		if err == nil && !found {
			err = fmt.Errorf("orders: order %s of account %s neither inserted nor found", in.ExternalID, in.ChannelAccountID)
		}
		return orderRow{ID: existing}, nil, false, err
	}
	o = rows[0]
	o.ChannelKind = kind
	// The transitions' time is the transaction's now(), like created_at.
	o.transitions = []api.Transition{{To: string(domain.StatusNew), Actor: actor, At: o.CreatedAt}}
	if allocated {
		o.transitions = append(o.transitions, api.Transition{From: string(domain.StatusNew), To: string(domain.StatusAllocated),
			Actor: actor, At: o.CreatedAt})
	}
	return o, lines, true, nil
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// tenantTx runs fn in a tenant transaction and passes through domain errors.
func (s *Service) tenantTx(ctx context.Context, tenantID uuid.UUID, fn func(tx *gorm.DB) ([]api.Event, error)) ([]api.Event, error) {
	var events []api.Event
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		events, err = fn(tx)
		return err
	})
	if err != nil {
		return nil, domainError(err)
	}
	return events, nil
}

// domainError passes domain errors through, turns a refused transition into
// a 409 and wraps anything else.
func domainError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	var te *domain.TransitionError
	if errors.As(err, &te) {
		return apperr.Conflict("%v", te)
	}
	return fmt.Errorf("orders: %w", err)
}
