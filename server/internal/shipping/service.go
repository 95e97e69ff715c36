package shipping

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/rateshop"
)

// Adapters is the registry of carrier adapters by provider key
// (carrier.UPSDirect, carrier.EasyPost, ...). main builds it.
type Adapters map[string]carrier.Adapter

// Keys returns the registered provider keys, sorted.
func (a Adapters) Keys() []string {
	out := make([]string, 0, len(a))
	for k := range a {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SyncBack sends an order's tracking to the channel it came from once the
// carrier has the parcel. The channel package implements it.
type SyncBack interface {
	Record(ctx context.Context, tenantID, orderID uuid.UUID, carrier, service, trackingNumber string, shippedAt time.Time) error
}

// SyncBackFunc adapts a function to SyncBack.
type SyncBackFunc func(ctx context.Context, tenantID, orderID uuid.UUID, carrier, service, trackingNumber string, shippedAt time.Time) error

// Record calls f.
func (f SyncBackFunc) Record(ctx context.Context, tenantID, orderID uuid.UUID, carrier, service, trackingNumber string, shippedAt time.Time) error {
	return f(ctx, tenantID, orderID, carrier, service, trackingNumber, shippedAt)
}

// PDFRenderer renders a carrier's ZPL label as a 4×6 PDF, for providers that
// return one format per purchase.
type PDFRenderer interface {
	RenderPDF(ctx context.Context, zpl []byte) ([]byte, error)
}

// Config is what the service needs; main builds it.
type Config struct {
	DB       *db.DB
	Keys     *secrets.Keyring
	Adapters Adapters
	Orders   *orders.Service
	// SyncBack may be nil: tracking then stays in Manifold.
	SyncBack SyncBack
	// PDF may be nil: labels then keep the carrier's format only, with a note.
	PDF PDFRenderer
	// HTTP is given to adapters; its timeout bounds every carrier call.
	HTTP *http.Client
	// Tokens caches carrier OAuth tokens across calls; nil fetches a token per call.
	Tokens carrier.TokenCache
	// Calendar counts business days; nil means the US federal calendar.
	Calendar *rateshop.Calendar
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Service is the shipping feature.
type Service struct {
	db       *db.DB
	keys     *secrets.Keyring
	adapters Adapters
	orders   *orders.Service
	syncBack SyncBack
	pdf      PDFRenderer
	http     *http.Client
	tokens   carrier.TokenCache
	cal      *rateshop.Calendar
	now      func() time.Time
	log      *slog.Logger
}

// NewService returns the shipping service.
func NewService(cfg Config) *Service {
	s := &Service{db: cfg.DB, keys: cfg.Keys, adapters: cfg.Adapters, orders: cfg.Orders, syncBack: cfg.SyncBack,
		pdf: cfg.PDF, http: cfg.HTTP, tokens: cfg.Tokens, cal: cfg.Calendar, now: cfg.Now, log: cfg.Log}
	if s.adapters == nil {
		s.adapters = Adapters{}
	}
	if s.http == nil {
		s.http = &http.Client{Timeout: 60 * time.Second}
	}
	if s.tokens == nil {
		s.tokens = noTokens{}
	}
	if s.cal == nil {
		s.cal = rateshop.NewCalendar()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// noTokens caches nothing.
type noTokens struct{}

func (noTokens) Get(string) (string, bool)     { return "", false }
func (noTokens) Put(string, string, time.Time) {}

// errNoKeys: credentials cannot be sealed or opened without the master key.
var errNoKeys = errors.New("shipping: no key to seal or open credentials (MANIFOLD_SECRET_KEY)")
