// Package woocommerce is the connector for WooCommerce stores, through the
// WooCommerce REST API v3.
//
// # Account
//
// Conn.BaseURL is the store's API root, https://store.example/wp-json/wc/v3;
// a bare store URL (https://store.example) gets /wp-json/wc/v3 appended.
// There is no production default: every store has its own URL.
//
// Credentials (WooCommerce › Settings › Advanced › REST API, Read/Write):
//
//	consumer_key     ck_…  (CredConsumerKey)
//	consumer_secret  cs_…  (CredConsumerSecret)
//	webhook_secret   the secret given to the store's webhooks (CredWebhookSecret);
//	                 needed only to receive webhooks
//	https_auth       optional (CredHTTPSAuth): "query" sends the keys as the
//	                 consumer_key and consumer_secret query parameters, for hosts
//	                 that strip the Authorization header; HTTP Basic otherwise
//
// Over HTTPS the keys travel as HTTP Basic credentials. Over plain HTTP,
// where WooCommerce refuses Basic, every request carries a one-legged OAuth
// 1.0a signature (HMAC-SHA256, fresh nonce and timestamp) in its query
// string; the JSON body is not signed.
//
// # Orders
//
// FetchOrders asks for orders modified after the given time in UTC
// (modified_after with dates_are_gmt=true, one second earlier because the
// store's filter is exclusive), ordered by id so a sweep is stable, and
// follows the pages to the end (X-WP-TotalPages). Times come from the _gmt
// fields: the plain ones are in the store's own time zone without an offset.
// ModifiedAt is date_modified_gmt.
//
// Statuses: pending, on-hold and checkout-draft → pending; processing →
// ready; completed → shipped; cancelled, failed, trash and refunded →
// cancelled, with every line marked cancelled (WooCommerce has no partial
// cancellation; a fully refunded order must not ship, and one refunded
// after shipping stays shipped by the core's monotonic transitions). A
// status added by a plugin is treated as pending.
//
// Lines: ChannelLineID is line_items[].id; the unit price is the line
// total (after discounts) divided by the quantity, in integer cents,
// rounded half away from zero when it does not divide. The float "price"
// field is never read. A line without a SKU gets the ChannelSKU
// "wc:<product_id>" or, for a variation, "wc:<product_id>:<variation_id>"
// ("wc:0" when the product was deleted from the store). ServiceLevel is the
// first shipping line's method_id (flat_rate, free_shipping, a carrier
// plugin's id …). The ship-to address falls back to billing when the
// shipping address is blank.
//
// # Stock
//
// A listing's ExternalListingID is "<product_id>" for a simple (or a
// stock-managing variable) product and "<product_id>:<variation_id>" for a
// variation. When it is empty, a ChannelSKU of the form above is read the
// same way, and any other SKU is looked up with GET /products?sku=, which
// finds products and variations (exact, case-sensitive match; results are
// cached per account). Pushes send {"manage_stock":true,"stock_quantity":n}
// through POST /products/batch and /products/{id}/variations/batch, at most
// 100 objects a request; the store answers each object in place.
// ReadQuantities reads stock_quantity back; a product that does not manage
// stock shows no quantity (Found false).
//
// # Shipments
//
// WooCommerce core has no tracking fields. ConfirmShipment adds an order
// note, visible to the buyer, "Shipped via UPS, tracking 1Z…" (plus the
// tracking link and, for a partial shipment, the items), unless a note
// already names that tracking number, then sets the order completed. Core
// has no partial shipment state: the first shipment completes the order and
// later ones add their notes. A shipment for an order cancelled, refunded,
// failed or trashed on the store is refused (*channel.Rejection, 409) and
// the order left alone.
//
// # Webhooks
//
// Topics order.created, order.updated, order.deleted and order.restored
// name the order (the body's id) to fetch again. X-WC-Webhook-Signature is
// base64(HMAC-SHA256(raw body, webhook_secret)), compared in constant time.
// WooCommerce derives X-WC-Webhook-Delivery-ID from the webhook id and the
// current second, so two different events of one topic within a second
// share it; the event's DeliveryID is therefore that header, a colon and
// the first 16 hex digits of the body's SHA-256: a repeated delivery still
// repeats its id, two different events no longer collide. WooCommerce's
// activation ping (a form body webhook_id=<n>, sent unsigned) verifies as
// topic "ping" with no order; it must be answered 200 for the webhook to
// become active.
//
// WooCommerce needs no acknowledgement; Acknowledge does nothing.
package woocommerce
