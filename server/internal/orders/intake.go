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
func intakeTx(tx *gorm.DB, tenantID uuid.UUID, actor string, in Intake, w *work) (created api.Order, orderID uuid.UUID, err error) {
	kind, products, err := resolveLines(tx, tenantID, in.ChannelAccountID, in.Lines)
	if err != nil {
		return api.Order{}, uuid.Nil, err
	}
	oi := &orderInsert{in: in, actor: actor, kind: kind, products: products, status: domain.StatusNew}
	if err := insertOrders(tx, tenantID, []*orderInsert{oi}); err != nil {
		return api.Order{}, uuid.Nil, err
	}
	if !oi.isNew {
		return api.Order{}, oi.row.ID, nil // seen before (a webhook and a poll, a retry): one order
	}
	o, lines := &oi.row, oi.lines
	if unmapped := oi.unmapped(); len(unmapped) > 0 {
		detail := unmappedDetail(unmapped)
		if err := setStatus(tx, tenantID, o, domain.StatusOnHold, api.HoldUnmapped, detail, actor, detail); err != nil {
			return api.Order{}, uuid.Nil, err
		}
	} else if err := allocateOrder(tx, tenantID, o, lines, actor, w); err != nil {
		return api.Order{}, uuid.Nil, err
	}
	return oi.created(w), o.ID, nil
}

// intakeBatchTx records a batch of orders inside tx with one statement for
// all of them: each mapped order is written ALLOCATED with its allocation
// rows and its lines added to w.claimed (the caller moves the stock of the
// whole batch), an order with an unmapped SKU goes on hold. Any order's
// error is returned as the batch's.
func intakeBatchTx(tx *gorm.DB, tenantID uuid.UUID, calls []*intakeCall, w *work) ([]api.Order, []uuid.UUID, error) {
	ins := make([]Intake, len(calls))
	for i, c := range calls {
		ins[i] = c.in
	}
	accounts, err := resolveBatch(tx, tenantID, ins)
	if err != nil {
		return nil, nil, err
	}
	items := make([]*orderInsert, len(calls))
	for i, c := range calls {
		res := accounts[c.in.ChannelAccountID]
		oi := &orderInsert{in: c.in, actor: c.actor, kind: res.kind, products: res.products, status: domain.StatusAllocated}
		if unmapped := oi.unmapped(); len(unmapped) > 0 {
			if res.kind == ManualKind {
				return nil, nil, apperr.Invalid("unknown SKU: %s", strings.Join(unmapped, ", "))
			}
			reason := api.HoldUnmapped
			oi.status, oi.holdReason, oi.holdDetail = domain.StatusOnHold, &reason, unmappedDetail(unmapped)
		}
		items[i] = oi
	}
	if err := insertOrders(tx, tenantID, items); err != nil {
		return nil, nil, err
	}
	created, ids := make([]api.Order, len(items)), make([]uuid.UUID, len(items))
	for i, oi := range items {
		ids[i] = oi.row.ID
		if !oi.isNew {
			continue
		}
		if oi.status == domain.StatusAllocated {
			for _, l := range oi.lines {
				w.claimed = append(w.claimed, inventory.LineDemand{OrderID: oi.row.ID, LineID: l.ID, ProductID: *l.ProductID,
					Quantity: l.Quantity, Actor: oi.actor})
			}
		}
		created[i] = oi.created(w)
	}
	return created, ids, nil
}

func unmappedDetail(skus []string) string {
	return "unmapped channel SKU: " + strings.Join(skus, ", ")
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

// orderInsert is one order for insertOrders: what to write, then what was
// written.
type orderInsert struct {
	in       Intake
	actor    string
	kind     string
	products map[string]catalogProduct
	// status is NEW, or, in a batch, ALLOCATED (the caller then owes the
	// stock update) or ON_HOLD with its reason and detail.
	status     domain.OrderStatus
	holdReason *string
	holdDetail string

	row   orderRow
	lines []lineRow
	isNew bool
}

// unmapped lists, sorted and once each, the order's channel SKUs that map
// to no catalog product.
func (oi *orderInsert) unmapped() []string {
	var out []string
	for _, l := range oi.in.Lines {
		if _, ok := oi.products[l.ChannelSKU]; !ok {
			out = append(out, l.ChannelSKU)
		}
	}
	return dedupe(out)
}

// created is the new order as written, for the caller; it also records the
// order's event in w.
func (oi *orderInsert) created(w *work) api.Order {
	for i := range oi.lines {
		oi.lines[i].Allocated = oi.row.Status == domain.StatusAllocated
	}
	out := toAPI(oi.row, oi.lines)
	out.Transitions = oi.row.transitions
	w.orderEvent("order.created", &oi.row)
	return out
}

// insertOrders writes orders with their lines and transitions in one
// statement; an order written ALLOCATED also gets its lines' allocation rows.
// An order that exists already (same account and external id) is left as it
// is: its item gets isNew false and the existing order's id.
func insertOrders(tx *gorm.DB, tenantID uuid.UUID, items []*orderInsert) error {
	var sb strings.Builder
	args := make([]any, 0, 20*len(items))
	sb.WriteString(`WITH v (order_id, id, line_no, channel_sku, channel_line_id, title, product_id, quantity, price) AS (VALUES `)
	first := true
	for _, oi := range items {
		oi.row.ID = uuid.New()
		oi.lines = make([]lineRow, len(oi.in.Lines))
		for i, l := range oi.in.Lines {
			ln := lineRow{ID: uuid.New(), OrderID: oi.row.ID, LineNo: i + 1, ChannelSKU: l.ChannelSKU, ChannelLineID: l.ChannelLineID,
				Title: l.Title, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents}
			if p, ok := oi.products[l.ChannelSKU]; ok {
				ln.ProductID, ln.SKU, ln.ProductName, ln.BinLocation = &p.ID, &p.SKU, &p.Name, &p.BinLocation
			}
			oi.lines[i] = ln
			if !first {
				sb.WriteString(", ")
			}
			first = false
			sb.WriteString("(?::uuid, ?::uuid, ?::integer, ?::text, ?::text, ?::text, ?::uuid, ?::integer, ?::bigint)")
			args = append(args, oi.row.ID, ln.ID, i+1, l.ChannelSKU, l.ChannelLineID, l.Title, ln.ProductID, l.Quantity, l.UnitPriceCents)
		}
	}
	sb.WriteString(`),
		ov (ord, id, channel_account_id, external_id, status, hold_reason, hold_detail, customer_name, customer_email,
			ship_to, service_level, ship_by, placed_at, buyer_notes, currency, total_cents, actor) AS (VALUES `)
	for n, oi := range items {
		shipTo, err := json.Marshal(oi.in.ShipTo)
		if err != nil {
			return err
		}
		var total int64
		for _, l := range oi.in.Lines {
			total += int64(l.Quantity) * l.UnitPriceCents
		}
		if n > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(`(?::integer, ?::uuid, ?::uuid, ?::text, ?::text, ?::text, ?::text, ?::text, ?::text,
			?::jsonb, ?::text, ?::timestamptz, ?::timestamptz, ?::text, ?::text, ?::bigint, ?::text)`)
		args = append(args, n, oi.row.ID, oi.in.ChannelAccountID, oi.in.ExternalID, string(oi.status), oi.holdReason, oi.holdDetail,
			strings.TrimSpace(oi.in.CustomerName), oi.in.CustomerEmail, string(shipTo), strings.TrimSpace(oi.in.ServiceLevel),
			oi.in.ShipBy, oi.in.PlacedAt, oi.in.Notes, oi.in.Currency, total, oi.actor)
	}
	// Orders are numbered in the batch's order; each order's transitions
	// are NEW, then its status when it is written as another.
	sb.WriteString(`),
		o AS (
			INSERT INTO orders (tenant_id, id, channel_account_id, external_id, status, hold_reason, hold_detail, customer_name,
				customer_email, ship_to, service_level, ship_by, placed_at, buyer_notes, currency, total_cents)
			SELECT ?::uuid, id, channel_account_id, external_id, status, hold_reason, hold_detail, customer_name,
				customer_email, ship_to, service_level, ship_by, placed_at, buyer_notes, currency, total_cents
			FROM ov ORDER BY ord
			ON CONFLICT ON CONSTRAINT orders_external_key DO NOTHING
			RETURNING *),
		t AS (
			INSERT INTO order_transitions (tenant_id, order_id, from_status, to_status, actor, reason)
			SELECT o.tenant_id, o.id, s.from_status, CASE WHEN s.n = 1 THEN 'NEW' ELSE o.status END, ov.actor,
				CASE WHEN s.n = 1 THEN '' ELSE o.hold_detail END
			FROM o JOIN ov ON ov.id = o.id, (VALUES (1, NULL::text), (2, 'NEW')) AS s (n, from_status)
			WHERE s.n = 1 OR o.status <> 'NEW'
			ORDER BY o.number, s.n),
		a AS (
			INSERT INTO allocations (tenant_id, order_line_id, order_id, product_id, quantity)
			SELECT o.tenant_id, v.id, o.id, v.product_id, v.quantity FROM o JOIN v ON v.order_id = o.id
			WHERE o.status = 'ALLOCATED'),
		l AS (
			INSERT INTO order_lines (tenant_id, id, order_id, line_no, channel_sku, channel_line_id, title,
				product_id, quantity, unit_price_cents)
			SELECT o.tenant_id, v.id, o.id, v.line_no, v.channel_sku, v.channel_line_id, v.title, v.product_id, v.quantity, v.price
			FROM o JOIN v ON v.order_id = o.id)
		SELECT * FROM o`)
	args = append(args, tenantID)
	var rows []orderRow
	if err := tx.Raw(sb.String(), args...).Scan(&rows).Error; err != nil {
		return fmt.Errorf("orders: insert: %w", err)
	}
	written := make(map[uuid.UUID]orderRow, len(rows))
	for _, r := range rows {
		written[r.ID] = r
	}
	for _, oi := range items {
		r, ok := written[oi.row.ID]
		if !ok {
			existing, found, err := db.ID(tx, `SELECT id FROM orders WHERE tenant_id = ? AND channel_account_id = ? AND external_id = ?`,
				tenantID, oi.in.ChannelAccountID, oi.in.ExternalID)
			if err == nil && !found {
				err = fmt.Errorf("orders: order %s of account %s neither inserted nor found", oi.in.ExternalID, oi.in.ChannelAccountID)
			}
			if err != nil {
				return err
			}
			oi.row, oi.lines = orderRow{ID: existing}, nil
			continue
		}
		r.ChannelKind = oi.kind
		// The transitions' time is the transaction's now(), like created_at.
		r.transitions = []api.Transition{{To: string(domain.StatusNew), Actor: oi.actor, At: r.CreatedAt}}
		if r.Status != domain.StatusNew {
			r.transitions = append(r.transitions, api.Transition{From: string(domain.StatusNew), To: string(r.Status),
				Actor: oi.actor, Reason: r.HoldDetail, At: r.CreatedAt})
		}
		oi.row, oi.isNew = r, true
	}
	return nil
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
