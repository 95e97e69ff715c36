// Package woocommerce simulates one WooCommerce store's REST API v3
// (/wp-json/wc/v3) over real HTTP: consumer key authentication (HTTP Basic
// or query keys over HTTPS, OAuth 1.0a one-legged signatures with nonce and
// timestamp checks over plain HTTP), orders with page/per_page pagination and
// the X-WP-Total, X-WP-TotalPages and Link headers, local and _gmt date
// twins in a configurable store time zone, "" and null for blank values,
// order notes, product and variation stock with the 100-item batch limit,
// WordPress error bodies, signed webhooks (order.created, order.updated,
// order.deleted, and the unsigned ping) with duplicate and out-of-order
// delivery modes, and a control API under /_sim/.
//
// Throttling convention: core WooCommerce never throttles; an injected 429
// answers like a host or WAF would, with Retry-After in seconds and the body
// {"code":"rest_too_many_requests","message":"…","data":{"status":429}}.
package woocommerce

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/server/sim"
)

// Default credentials, used when Options leave them empty. Real keys have
// the same shape: ck_ or cs_ and 40 hex digits.
const (
	DefaultConsumerKey    = "ck_e2eefd36142418685f98594c1ddb13158a0007fc"
	DefaultConsumerSecret = "cs_2bfbf349645b2352a0c3964398649d638a2ed3d4"
	DefaultWebhookSecret  = "manifold-sim-webhook-secret"
)

// Credential field names, as the WooCommerce connector reads them.
const (
	fieldConsumerKey    = "consumer_key"
	fieldConsumerSecret = "consumer_secret"
	fieldWebhookSecret  = "webhook_secret"
)

// Options configure a simulated store.
type Options struct {
	// Clock is the store's time (order dates, OAuth timestamps); time.Now
	// when nil.
	Clock func() time.Time
	// Timezone is the store's time zone: the plain date fields
	// (date_created, date_modified …) are in it, the _gmt twins in UTC.
	// UTC when nil.
	Timezone *time.Location
	// PerPage is the page size when a request names none; WooCommerce's 10
	// when zero. A small value makes short sweeps span several pages.
	PerPage int
	// ConsumerKey and ConsumerSecret are the read/write REST API keys
	// accepted; the Default* values when empty.
	ConsumerKey, ConsumerSecret string
	// WebhookSecret signs webhook deliveries; DefaultWebhookSecret when empty.
	WebhookSecret string
	// SiteURL is the store's home URL, sent as X-WC-Webhook-Source;
	// "https://shop.example.test" when empty.
	SiteURL string
	// Currency of orders; USD when empty.
	Currency string
	// AssumeHTTPS treats every request as arriving over HTTPS (a store
	// behind a TLS-terminating proxy), which enables Basic authentication
	// on a plain-HTTP listener. Off, Basic is honoured only over TLS, as
	// WooCommerce does.
	AssumeHTTPS bool
	// HTTPClient delivers webhooks; a client with a 10 s timeout when nil.
	HTTPClient *http.Client
}

// Server is a simulated WooCommerce store. It is safe for concurrent use.
// The zero value is not usable; call New.
type Server struct {
	opts   Options
	client *http.Client
	ctl    *http.ServeMux

	mu       sync.Mutex
	nextPost int64 // posts share one id space: products, variations, orders
	nextItem int64 // order item ids (line, shipping)
	nextNote int64
	orders   map[int64]*order
	orderIDs []int64
	products map[int64]*product
	prodIDs  []int64
	notes    []*note
	nonces   map[string]int64 // consumer key + nonce → timestamp
	faults   []fault
	requests []Request
	hook     hookState
}

var _ sim.Marketplace = (*Server)(nil)

// New returns an empty store.
func New(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Timezone == nil {
		opts.Timezone = time.UTC
	}
	if opts.PerPage <= 0 {
		opts.PerPage = 10
	}
	if opts.PerPage > 100 {
		opts.PerPage = 100
	}
	if opts.ConsumerKey == "" {
		opts.ConsumerKey = DefaultConsumerKey
	}
	if opts.ConsumerSecret == "" {
		opts.ConsumerSecret = DefaultConsumerSecret
	}
	if opts.WebhookSecret == "" {
		opts.WebhookSecret = DefaultWebhookSecret
	}
	if opts.SiteURL == "" {
		opts.SiteURL = "https://shop.example.test"
	}
	opts.SiteURL = strings.TrimRight(opts.SiteURL, "/")
	if opts.Currency == "" {
		opts.Currency = "USD"
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Server{opts: opts, client: client, nextPost: 400, nextItem: 9000, nextNote: 700,
		orders: map[int64]*order{}, products: map[int64]*product{}, nonces: map[string]int64{},
		hook: hookState{secret: opts.WebhookSecret, mode: DeliverNormally}}
	s.ctl = s.controlMux()
	return s
}

// Kind implements sim.Marketplace.
func (s *Server) Kind() string { return "woocommerce" }

// Credentials implements sim.Marketplace: the REST API keys and the webhook
// secret, by the connector's field names.
func (s *Server) Credentials() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]string{fieldConsumerKey: s.opts.ConsumerKey, fieldConsumerSecret: s.opts.ConsumerSecret,
		fieldWebhookSecret: s.hook.secret}
}

func (s *Server) now() time.Time { return s.opts.Clock().Truncate(time.Second) }

// Request is one REST API request as the store received it.
type Request struct {
	Method string // after method override
	Route  string // e.g. /wc/v3/products/batch
	Query  string
	// Auth is how the request authenticated: basic, query, oauth or none.
	Auth string
	// Status is the HTTP status answered.
	Status int
	// Items is the number of create, update and delete objects of a batch request.
	Items int
}

// Requests returns every REST API request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP implements http.Handler: the REST API under /wp-json/ (or
// ?rest_route= on the site root, for stores without pretty permalinks) and
// the control API under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.ctl.ServeHTTP(w, r)
		return
	}
	route := ""
	switch {
	case strings.HasPrefix(r.URL.Path, "/wp-json/"):
		route = strings.TrimPrefix(r.URL.Path, "/wp-json")
	case (r.URL.Path == "/" || r.URL.Path == "/index.php") && r.URL.Query().Get("rest_route") != "":
		route = r.URL.Query().Get("rest_route")
	default:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<!doctype html><title>Page not found</title><h1>Oops! That page can’t be found.</h1>"))
		return
	}
	method := r.Method
	if method == http.MethodPost {
		if m := r.Header.Get("X-HTTP-Method-Override"); m != "" {
			method = strings.ToUpper(m)
		} else if m := r.URL.Query().Get("_method"); m != "" {
			method = strings.ToUpper(m)
		}
	}
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	req := Request{Method: method, Route: route, Query: r.URL.RawQuery, Auth: "none"}
	defer func() {
		req.Status = rec.status
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
	}()
	if f, ok := s.takeFault(); ok {
		if f.kind == FaultMalformed {
			buf := &bufferWriter{header: http.Header{}, status: http.StatusOK}
			s.serveAPI(buf, r, method, route, &req)
			serveMalformed(rec, buf)
			return
		}
		serveFault(rec, f)
		return
	}
	s.serveAPI(rec, r, method, route, &req)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, method, route string, req *Request) {
	auth, apiErr := s.authenticate(r)
	req.Auth = auth.method
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	h, params, found := match(method, route)
	if !found {
		writeError(w, errNoRoute())
		return
	}
	if !auth.ok {
		writeError(w, denied(h.perm))
		return
	}
	h.serve(s, w, r, params, req)
}

// recorder remembers the status written.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// bufferWriter holds a whole response, so a fault can damage it.
type bufferWriter struct {
	header http.Header
	status int
	body   []byte
}

func (b *bufferWriter) Header() http.Header  { return b.header }
func (b *bufferWriter) WriteHeader(code int) { b.status = code }
func (b *bufferWriter) Write(p []byte) (int, error) {
	b.body = append(b.body, p...)
	return len(p), nil
}

// routes

type perm int

const (
	permList perm = iota
	permView
	permEdit
	permCreate
	permBatch
)

type handler struct {
	perm  perm
	serve func(s *Server, w http.ResponseWriter, r *http.Request, ids []int64, req *Request)
}

// match finds the handler for a method and a route such as
// /wc/v3/orders/5127/notes; ids are the numeric path segments in order.
func match(method, route string) (handler, []int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimRight(route, "/"), "/wc/v3/")
	if !ok {
		return handler{}, nil, false
	}
	var shape []string
	var ids []int64
	for _, seg := range strings.Split(rest, "/") {
		if n, err := strconv.ParseInt(seg, 10, 64); err == nil && n >= 0 && seg != "" && strings.Trim(seg, "0123456789") == "" {
			shape = append(shape, "#")
			ids = append(ids, n)
			continue
		}
		shape = append(shape, seg)
	}
	read := method == http.MethodGet || method == http.MethodHead
	edit := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
	var h handler
	switch key := strings.Join(shape, "/"); {
	case key == "orders" && read:
		h = handler{permList, (*Server).listOrders}
	case key == "orders/#" && read:
		h = handler{permView, (*Server).getOrder}
	case key == "orders/#" && edit:
		h = handler{permEdit, (*Server).updateOrder}
	case key == "orders/#/notes" && read:
		h = handler{permList, (*Server).listNotes}
	case key == "orders/#/notes" && method == http.MethodPost:
		h = handler{permCreate, (*Server).createNote}
	case key == "products" && read:
		h = handler{permList, (*Server).listProducts}
	case key == "products/batch" && edit:
		h = handler{permBatch, (*Server).batchProducts}
	case key == "products/#" && read:
		h = handler{permView, (*Server).getProduct}
	case key == "products/#" && edit:
		h = handler{permEdit, (*Server).updateProduct}
	case key == "products/#/variations" && read:
		h = handler{permList, (*Server).listVariations}
	case key == "products/#/variations/batch" && edit:
		h = handler{permBatch, (*Server).batchVariations}
	case key == "products/#/variations/#" && read:
		h = handler{permView, (*Server).getVariation}
	case key == "products/#/variations/#" && edit:
		h = handler{permEdit, (*Server).updateVariation}
	default:
		return handler{}, nil, false
	}
	return h, ids, true
}
