package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/manifold-oms/manifold/server/internal/authz"
	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/shared/api"
)

// access says who may call a route.
type access int

const (
	public    access = iota // anyone
	signedIn                // any authenticated caller
	permitted               // an authenticated caller holding Route.Perm
)

// Route is one endpoint: where it is, who may call it, what serves it and how
// the OpenAPI document describes it.
type Route struct {
	Method  string
	Path    string // Fiber syntax: /api/v1/users/:id
	Access  access
	Perm    authz.Permission
	Handler fiber.Handler
	Doc     Doc
}

// Doc describes a route in the OpenAPI document.
type Doc struct {
	Summary  string
	Tag      string
	Request  any // a value of the JSON request body's type; nil for none
	Response any // a value of the JSON success body's type; nil for none
	Status   int // success status; 200 when zero
	Query    []QueryParam
	// Produces is the success content type when it is not JSON.
	Produces string
	// Consumes is the request content type when it is not JSON.
	Consumes string
}

// QueryParam documents a query-string parameter.
type QueryParam struct {
	Name, Description, Type string
	Required                bool
}

func perm(obj, act string) authz.Permission { return authz.P(obj, act) }

// routes declares every endpoint of the API, each with the permission it needs.
func (s *Server) routes() []Route {
	d := s.deps
	const v = api.Version
	return []Route{
		{Method: "GET", Path: "/healthz", Access: public, Handler: s.health.live,
			Doc: Doc{Summary: "The process is up", Tag: "system", Response: api.Health{}}},
		{Method: "GET", Path: "/readyz", Access: public, Handler: s.health.ready,
			Doc: Doc{Summary: "PostgreSQL and Redis are reachable", Tag: "system", Response: api.Health{}}},
		{Method: "GET", Path: v + "/openapi.json", Access: public, Handler: s.openAPIHandler,
			Doc: Doc{Summary: "This OpenAPI document", Tag: "system", Response: map[string]any{}}},

		{Method: "POST", Path: v + "/auth/login", Access: public, Handler: d.Identity.Login,
			Doc: Doc{Summary: "Sign in to the console; sets the session cookie", Tag: "auth", Request: api.LoginRequest{}, Response: api.LoginResponse{}}},
		{Method: "POST", Path: v + "/auth/device", Access: public, Handler: d.Identity.DeviceLogin,
			Doc: Doc{Summary: "Exchange a password for a device API token", Tag: "auth", Request: api.DeviceLoginRequest{}, Response: api.CreatedToken{}, Status: 201}},
		{Method: "POST", Path: v + "/auth/logout", Access: signedIn, Handler: d.Identity.Logout,
			Doc: Doc{Summary: "End the console session on the server", Tag: "auth", Status: 204}},
		{Method: "GET", Path: v + "/me", Access: signedIn, Handler: d.Identity.GetMe,
			Doc: Doc{Summary: "The caller's user, tenant and role", Tag: "auth", Response: api.Me{}}},

		{Method: "GET", Path: v + "/users", Access: permitted, Perm: perm(authz.ObjUsers, authz.Read), Handler: d.Identity.ListUsers,
			Doc: Doc{Summary: "List the tenant's users", Tag: "users", Response: api.UserList{}}},
		{Method: "POST", Path: v + "/users", Access: permitted, Perm: perm(authz.ObjUsers, authz.Write), Handler: d.Identity.CreateUser,
			Doc: Doc{Summary: "Add a user to the tenant", Tag: "users", Request: api.CreateUserRequest{}, Response: api.User{}, Status: 201}},
		{Method: "GET", Path: v + "/users/:id", Access: permitted, Perm: perm(authz.ObjUsers, authz.Read), Handler: d.Identity.GetUser,
			Doc: Doc{Summary: "One user of the tenant", Tag: "users", Response: api.User{}}},
		{Method: "PATCH", Path: v + "/users/:id", Access: permitted, Perm: perm(authz.ObjUsers, authz.Write), Handler: d.Identity.UpdateUser,
			Doc: Doc{Summary: "Change a user's role or disable them", Tag: "users", Request: api.UpdateUserRequest{}, Response: api.User{}}},

		{Method: "GET", Path: v + "/tokens", Access: permitted, Perm: perm(authz.ObjTokens, authz.Read), Handler: d.Identity.ListTokens,
			Doc: Doc{Summary: "List the tenant's API tokens", Tag: "tokens", Response: api.TokenList{}}},
		{Method: "POST", Path: v + "/tokens", Access: permitted, Perm: perm(authz.ObjTokens, authz.Write), Handler: d.Identity.CreateToken,
			Doc: Doc{Summary: "Create an API token acting as the caller; the secret is shown once", Tag: "tokens", Request: api.CreateTokenRequest{}, Response: api.CreatedToken{}, Status: 201}},
		{Method: "DELETE", Path: v + "/tokens/:id", Access: permitted, Perm: perm(authz.ObjTokens, authz.Write), Handler: d.Identity.RevokeToken,
			Doc: Doc{Summary: "Revoke an API token; it stops working at once", Tag: "tokens", Status: 204}},

		{Method: "GET", Path: v + "/events", Access: permitted, Perm: perm(authz.ObjEvents, authz.Read), Handler: d.Events,
			Doc: Doc{Summary: "The tenant's realtime event stream (Server-Sent Events); resume with Last-Event-ID or ?after=", Tag: "events",
				Produces: "text/event-stream", Response: api.Event{},
				Query: []QueryParam{{Name: "after", Type: "integer", Description: "deliver events with a greater seq"}}}},

		{Method: "POST", Path: v + "/products", Access: permitted, Perm: perm(authz.ObjCatalog, authz.Write), Handler: d.Catalog.CreateProduct,
			Doc: Doc{Summary: "Add a product (SKU) with barcodes, bin, weight and dimensions", Tag: "catalog", Request: api.CreateProductRequest{}, Response: api.Product{}, Status: 201}},
		{Method: "GET", Path: v + "/products", Access: permitted, Perm: perm(authz.ObjCatalog, authz.Read), Handler: d.Catalog.ListProducts,
			Doc: Doc{Summary: "Products by SKU, paged", Tag: "catalog", Response: api.ProductList{}, Query: []QueryParam{
				{Name: "cursor", Description: "next_cursor of the previous page"}, {Name: "limit", Type: "integer", Description: "1 to 500, default 100"}}}},
		{Method: "GET", Path: v + "/products/export", Access: permitted, Perm: perm(authz.ObjCatalog, authz.Read), Handler: d.Catalog.Export,
			Doc: Doc{Summary: "Export the catalog as CSV (the import's columns)", Tag: "catalog", Produces: "text/csv", Response: ""}},
		{Method: "POST", Path: v + "/products/import", Access: permitted, Perm: perm(authz.ObjCatalog, authz.Write), Handler: d.Catalog.Import,
			Doc: Doc{Summary: "Import products from CSV; all rows or none. 422 lists every bad row with its line, SKU and column", Tag: "catalog",
				Consumes: "text/csv", Request: "", Response: api.ImportResult{}}},
		{Method: "GET", Path: v + "/products/:id", Access: permitted, Perm: perm(authz.ObjCatalog, authz.Read), Handler: d.Catalog.GetProduct,
			Doc: Doc{Summary: "One product", Tag: "catalog", Response: api.Product{}}},
		{Method: "PUT", Path: v + "/products/:id", Access: permitted, Perm: perm(authz.ObjCatalog, authz.Write), Handler: d.Catalog.UpdateProduct,
			Doc: Doc{Summary: "Replace a product's details", Tag: "catalog", Request: api.CreateProductRequest{}, Response: api.Product{}}},
		{Method: "GET", Path: v + "/barcodes/:code", Access: permitted, Perm: perm(authz.ObjCatalog, authz.Read), Handler: d.Catalog.ByBarcode,
			Doc: Doc{Summary: "The product a scanned barcode belongs to", Tag: "catalog", Response: api.Product{}}},

		{Method: "POST", Path: v + "/stock/adjustments", Access: permitted, Perm: perm(authz.ObjStock, authz.Write), Handler: d.Stock.Adjust,
			Doc: Doc{Summary: "Record a receipt, a correction or a physical count; refused with 409 if on hand would fall below allocated", Tag: "stock",
				Request: api.StockAdjustmentRequest{}, Response: api.LedgerEntry{}, Status: 201}},
		{Method: "GET", Path: v + "/stock/:sku", Access: permitted, Perm: perm(authz.ObjStock, authz.Read), Handler: d.Stock.Level,
			Doc: Doc{Summary: "On hand, allocated, available, and per channel what should show (and why) and what was pushed", Tag: "stock", Response: api.StockLevel{}}},
		{Method: "GET", Path: v + "/stock/:sku/ledger", Access: permitted, Perm: perm(authz.ObjStock, authz.Read), Handler: d.Stock.Ledger,
			Doc: Doc{Summary: "A product's stock changes, newest first", Tag: "stock", Response: api.LedgerList{},
				Query: []QueryParam{{Name: "limit", Type: "integer", Description: "1 to 1000, default 100"}}}},
		{Method: "GET", Path: v + "/allocation-policy", Access: permitted, Perm: perm(authz.ObjAllocation, authz.Read), Handler: d.Stock.Policies,
			Doc: Doc{Summary: "The tenant's allocation strategy and per-SKU overrides", Tag: "stock", Response: api.AllocationPolicies{}}},
		{Method: "PUT", Path: v + "/allocation-policy", Access: permitted, Perm: perm(authz.ObjAllocation, authz.Write), Handler: d.Stock.PutPolicies,
			Doc: Doc{Summary: "Replace the allocation policies; every channel is re-pushed at once where its quantity changes", Tag: "stock",
				Request: api.AllocationPolicies{}, Response: api.AllocationPolicies{}}},

		{Method: "POST", Path: v + "/orders", Access: permitted, Perm: perm(authz.ObjOrders, authz.Write), Handler: d.Orders.Create,
			Doc: Doc{Summary: "Enter a manual or phone order (201); with a known external_id, the existing order (200)", Tag: "orders",
				Request: api.CreateOrderRequest{}, Response: api.Order{}, Status: 201}},
		{Method: "GET", Path: v + "/orders", Access: permitted, Perm: perm(authz.ObjOrders, authz.Read), Handler: d.Orders.List,
			Doc: Doc{Summary: "Orders, newest first", Tag: "orders", Response: api.OrderList{}, Query: []QueryParam{
				{Name: "status", Description: "NEW, ALLOCATED, PICKING, PACKED, LABELED, SHIPPED, DELIVERED, ON_HOLD or CANCELLED"},
				{Name: "cursor", Description: "next_cursor of the previous page"},
				{Name: "limit", Type: "integer", Description: "1 to 500, default 50"}}}},
		{Method: "GET", Path: v + "/orders/:id", Access: permitted, Perm: perm(authz.ObjOrders, authz.Read), Handler: d.Orders.Get,
			Doc: Doc{Summary: "One order with its lines and status history", Tag: "orders", Response: api.Order{}}},
		{Method: "POST", Path: v + "/orders/:id/cancel", Access: permitted, Perm: perm(authz.ObjOrders, authz.Write), Handler: d.Orders.Cancel,
			Doc: Doc{Summary: "Cancel an order and release its stock", Tag: "orders", Request: api.CancelOrderRequest{}, Response: api.Order{}}},
		{Method: "POST", Path: v + "/orders/:id/transitions", Access: permitted, Perm: perm(authz.ObjPickQueue, authz.Write), Handler: d.Orders.Transition,
			Doc: Doc{Summary: "Move an order along its lifecycle; an illegal move is refused with 409", Tag: "orders",
				Request: api.TransitionRequest{}, Response: api.Order{}}},
		{Method: "GET", Path: v + "/pick-queue", Access: permitted, Perm: perm(authz.ObjPickQueue, authz.Read), Handler: d.Orders.PickQueue,
			Doc: Doc{Summary: "Allocated orders to pick and pack, earliest ship-by first, with bins and barcodes", Tag: "orders", Response: api.PickQueue{}}},
		{Method: "POST", Path: v + "/pick-queue/:id/claim", Access: permitted, Perm: perm(authz.ObjPickQueue, authz.Write), Handler: d.Orders.Claim,
			Doc: Doc{Summary: "Claim an order for picking (it becomes PICKING)", Tag: "orders", Response: api.Order{}}},
		{Method: "GET", Path: v + "/mappings", Access: permitted, Perm: perm(authz.ObjMappings, authz.Read), Handler: d.Orders.Mappings,
			Doc: Doc{Summary: "Channel SKU mappings and the review queue of unmapped SKUs on held orders", Tag: "orders", Response: api.Mappings{}}},
		{Method: "PUT", Path: v + "/mappings", Access: permitted, Perm: perm(authz.ObjMappings, authz.Write), Handler: d.Orders.PutMapping,
			Doc: Doc{Summary: "Map a channel SKU to a catalog SKU; held orders waiting for it go on to allocation", Tag: "orders",
				Request: api.PutMappingRequest{}, Response: api.PutMappingResult{}}},

		{Method: "POST", Path: v + "/channel-accounts", Access: permitted, Perm: perm(authz.ObjChannels, authz.Write), Handler: d.ChannelAccounts.Create,
			Doc: Doc{Summary: "Connect a marketplace account; credentials are sealed and never returned", Tag: "channels",
				Request: api.CreateChannelAccountRequest{}, Response: api.ChannelAccount{}, Status: 201}},
		{Method: "GET", Path: v + "/channel-accounts", Access: permitted, Perm: perm(authz.ObjChannels, authz.Read), Handler: d.ChannelAccounts.List,
			Doc: Doc{Summary: "The tenant's marketplace accounts with their polling state", Tag: "channels", Response: api.ChannelAccountList{}}},
		{Method: "GET", Path: v + "/channel-accounts/:id", Access: permitted, Perm: perm(authz.ObjChannels, authz.Read), Handler: d.ChannelAccounts.Get,
			Doc: Doc{Summary: "One marketplace account", Tag: "channels", Response: api.ChannelAccount{}}},
		{Method: "PATCH", Path: v + "/channel-accounts/:id", Access: permitted, Perm: perm(authz.ObjChannels, authz.Write), Handler: d.ChannelAccounts.Update,
			Doc: Doc{Summary: "Enable, disable, rename, re-point or replace the credentials of an account", Tag: "channels",
				Request: api.UpdateChannelAccountRequest{}, Response: api.ChannelAccount{}}},
		{Method: "POST", Path: v + "/channel-accounts/:id/test", Access: permitted, Perm: perm(authz.ObjChannels, authz.Write), Handler: d.ChannelAccounts.Test,
			Doc: Doc{Summary: "Test the account's credentials against the marketplace", Tag: "channels", Response: api.ConnectionTest{}}},
		{Method: "POST", Path: v + "/channel-accounts/:id/poll", Access: permitted, Perm: perm(authz.ObjChannels, authz.Write), Handler: d.ChannelAccounts.Poll,
			Doc: Doc{Summary: "Fetch new and changed orders from the marketplace now", Tag: "channels", Response: api.PollResult{}}},
		{Method: "GET", Path: v + "/orders/:id/shipment-confirmations", Access: permitted, Perm: perm(authz.ObjOrders, authz.Read), Handler: d.Confirmations.List,
			Doc: Doc{Summary: "Tracking sent back to the order's channel, with the channel's refusal verbatim", Tag: "orders",
				Response: channel.ShipmentConfirmationList{}}},
		// Before the marketplace webhooks, whose pattern matches this path too.
		{Method: "POST", Path: "/webhooks/carriers/:provider/:account", Access: public, Handler: d.Shipping.Webhook,
			Doc: Doc{Summary: "Carrier tracking events (EasyPost tracker.updated, Shippo track_updated); the URL's token and the provider's signature are checked before the body is read", Tag: "shipping",
				Request: map[string]any{}, Response: shipping.WebhookReply{},
				Query: []QueryParam{{Name: "token", Required: true, Description: "the account's webhook token, as in its webhook_path"}}}},
		{Method: "POST", Path: "/webhooks/:kind/:account/:token", Access: public, Handler: d.Webhooks.Receive,
			Doc: Doc{Summary: "Marketplace order events; the signature is verified over the raw body before anything is parsed", Tag: "channels",
				Request: map[string]any{}, Response: channel.WebhookReply{}, Status: 202}},

		{Method: "POST", Path: v + "/rates", Access: permitted, Perm: perm(authz.ObjShipping, authz.Write), Handler: d.Shipping.QuickRate,
			Doc: Doc{Summary: "Quote every carrier for a parcel and decide the cheapest that keeps the promise (no order needed)", Tag: "shipping",
				Request: api.QuickRateRequest{}, Response: api.Shipment{}, Status: 201}},
		{Method: "POST", Path: v + "/orders/:id/rates", Access: permitted, Perm: perm(authz.ObjShipping, authz.Write), Handler: d.Shipping.RateOrder,
			Doc: Doc{Summary: "Rate-shop an order; the decision (every quote, why each was excluded, the winner, the saving) is stored", Tag: "shipping",
				Request: api.RateOrderRequest{}, Response: api.Shipment{}, Status: 201}},
		{Method: "POST", Path: v + "/orders/:id/label", Access: permitted, Perm: perm(authz.ObjShipping, authz.Write), Handler: d.Shipping.BuyLabel,
			Doc: Doc{Summary: "Buy the decided label; the order becomes LABELED", Tag: "shipping", Response: api.Shipment{}, Status: 201}},
		{Method: "GET", Path: v + "/shipments", Access: permitted, Perm: perm(authz.ObjShipping, authz.Read), Handler: d.Shipping.ListShipments,
			Doc: Doc{Summary: "Shipments, optionally of one order or only possible lost parcels", Tag: "shipping", Response: api.ShipmentList{},
				Query: []QueryParam{{Name: "order_id"}, {Name: "possible_lost", Type: "boolean"}, {Name: "limit", Type: "integer"}}}},
		{Method: "GET", Path: v + "/shipments/:id", Access: permitted, Perm: perm(authz.ObjShipping, authz.Read), Handler: d.Shipping.GetShipment,
			Doc: Doc{Summary: "A shipment with its stored rate decision and tracking", Tag: "shipping", Response: api.Shipment{}}},
		{Method: "GET", Path: v + "/shipments/:id/label", Access: permitted, Perm: perm(authz.ObjShipping, authz.Read), Handler: d.Shipping.Label,
			Doc: Doc{Summary: "Download (or reprint) the label as ZPL or PDF", Tag: "shipping", Produces: "application/octet-stream", Response: "",
				Query: []QueryParam{{Name: "format", Description: "zpl or pdf"}}}},
		{Method: "POST", Path: v + "/shipments/:id/void", Access: permitted, Perm: perm(authz.ObjShipping, authz.Write), Handler: d.Shipping.Void,
			Doc: Doc{Summary: "Void an unused label; the order returns to PACKED", Tag: "shipping", Response: api.Shipment{}}},
		{Method: "POST", Path: v + "/manifests", Access: permitted, Perm: perm(authz.ObjShipping, authz.Write), Handler: d.Shipping.CloseOut,
			Doc: Doc{Summary: "Close out a provider's parcels of a day (SCAN form, scan form, manifest)", Tag: "shipping",
				Request: api.CloseOutRequest{}, Response: api.Manifest{}, Status: 201}},
		{Method: "GET", Path: v + "/manifests/:id/document", Access: permitted, Perm: perm(authz.ObjShipping, authz.Read), Handler: d.Shipping.ManifestDocument,
			Doc: Doc{Summary: "The printable close-out form", Tag: "shipping", Produces: "application/pdf", Response: ""}},
		{Method: "POST", Path: v + "/handoffs", Access: permitted, Perm: perm(authz.ObjShipping, authz.Write), Handler: d.Shipping.StartHandoff,
			Doc: Doc{Summary: "Start a truck hand-off: parcels are scanned as they go on the truck", Tag: "shipping",
				Request: api.StartHandoffRequest{}, Response: api.Handoff{}, Status: 201}},
		{Method: "POST", Path: v + "/handoffs/:id/scans", Access: permitted, Perm: perm(authz.ObjShipping, authz.Write), Handler: d.Shipping.Scan,
			Doc: Doc{Summary: "Record one scanned label: expected, duplicate, voided or unexpected", Tag: "shipping",
				Request: api.HandoffScanRequest{}, Response: api.HandoffScanResult{}, Status: 201}},
		{Method: "GET", Path: v + "/handoffs/:id", Access: permitted, Perm: perm(authz.ObjShipping, authz.Read), Handler: d.Shipping.GetHandoff,
			Doc: Doc{Summary: "The hand-off's reconciliation: missing, unexpected, voided, possible lost", Tag: "shipping", Response: api.Handoff{}}},
		{Method: "POST", Path: v + "/handoffs/:id/close", Access: permitted, Perm: perm(authz.ObjShipping, authz.Write), Handler: d.Shipping.CloseHandoff,
			Doc: Doc{Summary: "Close a hand-off", Tag: "shipping", Response: api.Handoff{}}},
		{Method: "GET", Path: v + "/reports/shipping-savings", Access: permitted, Perm: perm(authz.ObjReports, authz.Read), Handler: d.Shipping.Savings,
			Doc: Doc{Summary: "Savings by provider and service, net of negative savings, with monthly and yearly projection", Tag: "shipping",
				Response: api.SavingsReport{}, Query: []QueryParam{{Name: "from"}, {Name: "to"}, {Name: "currency"}}}},
		{Method: "POST", Path: v + "/carrier-accounts", Access: permitted, Perm: perm(authz.ObjCarriers, authz.Write), Handler: d.Shipping.CreateAccount,
			Doc: Doc{Summary: "Connect a carrier or aggregator account; credentials are sealed and never returned", Tag: "shipping",
				Request: api.CreateCarrierAccountRequest{}, Response: api.CarrierAccount{}, Status: 201}},
		{Method: "GET", Path: v + "/carrier-accounts", Access: permitted, Perm: perm(authz.ObjCarriers, authz.Read), Handler: d.Shipping.ListAccounts,
			Doc: Doc{Summary: "The tenant's carrier accounts", Tag: "shipping", Response: api.CarrierAccountList{}}},
		{Method: "PATCH", Path: v + "/carrier-accounts/:id", Access: permitted, Perm: perm(authz.ObjCarriers, authz.Write), Handler: d.Shipping.UpdateAccount,
			Doc: Doc{Summary: "Enable, disable, reorder or replace the credentials of a carrier account", Tag: "shipping",
				Request: api.UpdateCarrierAccountRequest{}, Response: api.CarrierAccount{}}},
		{Method: "GET", Path: v + "/shipping-settings", Access: permitted, Perm: perm(authz.ObjShipping, authz.Read), Handler: d.Shipping.GetSettings,
			Doc: Doc{Summary: "Origin, promise levels, service-level mappings, baseline services, timeouts", Tag: "shipping", Response: api.ShippingSettings{}}},
		{Method: "PUT", Path: v + "/shipping-settings", Access: permitted, Perm: perm(authz.ObjCarriers, authz.Write), Handler: d.Shipping.PutSettings,
			Doc: Doc{Summary: "Replace the shipping settings", Tag: "shipping", Request: api.ShippingSettings{}, Response: api.ShippingSettings{}}},

		{Method: "GET", Path: v + "/listings", Access: permitted, Perm: perm(authz.ObjChannels, authz.Read), Handler: d.Listings.List,
			Doc: Doc{Summary: "Channel listings: what each should show, why, and what was last pushed", Tag: "channels", Response: api.ListingList{},
				Query: []QueryParam{{Name: "account_id", Description: "only this channel account"}, {Name: "sku", Description: "only listings of this catalog SKU"}}}},
		{Method: "POST", Path: v + "/listings/push", Access: permitted, Perm: perm(authz.ObjChannels, authz.Write), Handler: d.Listings.Push,
			Doc: Doc{Summary: "Push stock to channels now; only what differs is sent", Tag: "channels", Response: api.PushQueued{}, Status: 202,
				Query: []QueryParam{{Name: "account_id", Description: "only this channel account"}}}},

		{Method: "GET", Path: v + "/platform/tenants", Access: permitted, Perm: perm(authz.ObjPlatformTenants, authz.Read), Handler: d.Tenants.List,
			Doc: Doc{Summary: "List every tenant (platform operators)", Tag: "platform", Response: api.TenantList{}}},
		{Method: "POST", Path: v + "/platform/tenants", Access: permitted, Perm: perm(authz.ObjPlatformTenants, authz.Write), Handler: d.Tenants.Create,
			Doc: Doc{Summary: "Create a tenant (platform operators)", Tag: "platform", Request: api.CreateTenantRequest{}, Response: api.Tenant{}, Status: 201}},
		{Method: "GET", Path: v + "/platform/jobs", Access: permitted, Perm: perm(authz.ObjPlatformJobs, authz.Read), Handler: d.Jobs.Overview,
			Doc: Doc{Summary: "Job queues and recent failures (platform operators)", Tag: "platform", Response: api.JobOverview{}}},
		{Method: "POST", Path: v + "/platform/jobs/:queue/:id/run", Access: permitted, Perm: perm(authz.ObjPlatformJobs, authz.Write), Handler: d.Jobs.RunArchived,
			Doc: Doc{Summary: "Run an archived job again now (platform operators)", Tag: "platform", Status: 204}},
	}
}
