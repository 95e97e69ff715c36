package channel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/shared/api"
)

// Accounts stores channel accounts and opens connections to them. Credentials
// are sealed per tenant and bound to their account; they are decrypted only
// to make a Conn and never returned or logged.
type Accounts struct {
	db     *db.DB
	keys   *secrets.Keyring
	reg    Registry
	http   *http.Client
	tokens *MemoryTokens
}

// NewAccounts returns the account store. keys may be nil only where no
// account has credentials (tests of the push loop with a fake channel).
func NewAccounts(d *db.DB, keys *secrets.Keyring, reg Registry, httpClient *http.Client) *Accounts {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Accounts{db: d, keys: keys, reg: reg, http: httpClient, tokens: NewMemoryTokens()}
}

func credentialsOwner(accountID uuid.UUID) string { return "channel_account:" + accountID.String() }

type accountRow struct {
	ID             uuid.UUID
	Kind           string
	Name           string
	BaseURL        string
	Enabled        bool
	Credentials    []byte
	WebhookToken   string
	PollWatermark  *time.Time
	LastPollAt     *time.Time
	LastPollError  string
	NextPollAt     *time.Time
	OrdersImported int64
	CreatedAt      time.Time
}

const accountColumns = `id, kind, name, base_url, enabled, credentials, webhook_token, poll_watermark, last_poll_at,
	last_poll_error, next_poll_at, orders_imported, created_at`

func (a *Accounts) loadTx(tx *gorm.DB, tenantID, accountID uuid.UUID) (accountRow, error) {
	var r accountRow
	res := tx.Raw(`SELECT `+accountColumns+` FROM channel_accounts WHERE tenant_id = ? AND id = ?`, tenantID, accountID).Scan(&r)
	if res.Error != nil {
		return r, res.Error
	}
	if res.RowsAffected == 0 {
		return r, fmt.Errorf("channel: account %s of tenant %s: %w", accountID, tenantID, ErrAccountNotFound)
	}
	return r, nil
}

func (a *Accounts) open(tenantID uuid.UUID, r accountRow) (Credentials, error) {
	creds := Credentials{}
	if len(r.Credentials) == 0 {
		return creds, nil
	}
	if a.keys == nil {
		return nil, errors.New("channel: no key to open credentials (MANIFOLD_SECRET_KEY)")
	}
	if err := a.keys.Open(tenantID, credentialsOwner(r.ID), r.Credentials, &creds); err != nil {
		return nil, fmt.Errorf("channel: credentials of account %s: %w", r.ID, err)
	}
	return creds, nil
}

// ConnTx opens a connection to an account inside the caller's tenant
// transaction, and says whether the account is enabled.
func (a *Accounts) ConnTx(tx *gorm.DB, tenantID, accountID uuid.UUID) (Conn, bool, error) {
	r, err := a.loadTx(tx, tenantID, accountID)
	if err != nil {
		return Conn{}, false, err
	}
	creds, err := a.open(tenantID, r)
	if err != nil {
		return Conn{}, false, err
	}
	return Conn{Account: Account{TenantID: tenantID, ID: r.ID, Kind: r.Kind, Name: r.Name}, BaseURL: r.BaseURL,
		Credentials: creds, HTTP: a.http, Tokens: a.tokens}, r.Enabled, nil
}

// Conn opens a connection to an account.
func (a *Accounts) Conn(ctx context.Context, tenantID, accountID uuid.UUID) (Conn, bool, error) {
	var (
		c       Conn
		enabled bool
	)
	err := a.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		var err error
		c, enabled, err = a.ConnTx(tx, tenantID, accountID)
		return err
	})
	return c, enabled, err
}

func (a *Accounts) validate(kind, name, baseURL string, creds map[string]string) error {
	if _, ok := a.reg.Get(kind); !ok {
		return apperr.Invalid("kind %q is not a supported channel; use one of %s", kind, strings.Join(a.reg.Kinds(), ", "))
	}
	if strings.TrimSpace(name) == "" || len(name) > 200 {
		return apperr.Invalid("name is required and must be at most 200 characters")
	}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return apperr.Invalid("base_url %q must be an http(s) URL such as https://sandbox.example.com", baseURL)
		}
	}
	for k, v := range creds {
		if strings.TrimSpace(k) == "" || len(k) > 64 || len(v) > 8192 {
			return apperr.Invalid("credential field %q is not acceptable (names up to 64 characters, values up to 8 KiB)", k)
		}
	}
	return nil
}

// Create connects a new account.
func (a *Accounts) Create(ctx context.Context, tenantID uuid.UUID, req api.CreateChannelAccountRequest) (api.ChannelAccount, error) {
	req.Name = strings.TrimSpace(req.Name)
	if err := a.validate(req.Kind, req.Name, req.BaseURL, req.Credentials); err != nil {
		return api.ChannelAccount{}, err
	}
	if len(req.Credentials) == 0 {
		return api.ChannelAccount{}, apperr.Invalid("credentials are required for a %s account", req.Kind)
	}
	if a.keys == nil {
		return api.ChannelAccount{}, errors.New("channel: no key to seal credentials (MANIFOLD_SECRET_KEY)")
	}
	id := uuid.New()
	sealed, err := a.keys.Seal(tenantID, credentialsOwner(id), req.Credentials)
	if err != nil {
		return api.ChannelAccount{}, err
	}
	var out api.ChannelAccount
	err = a.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO channel_accounts (tenant_id, id, kind, name, base_url, credentials)
			VALUES (?, ?, ?, ?, ?, ?)`, tenantID, id, req.Kind, req.Name, req.BaseURL, sealed).Error; err != nil {
			if db.IsUniqueViolation(err, "") {
				return apperr.Conflict("a channel account named %q already exists", req.Name)
			}
			return err
		}
		r, err := a.loadTx(tx, tenantID, id)
		if err != nil {
			return err
		}
		out = a.toAPI(tenantID, r)
		return nil
	})
	return out, wrapAccountErr(err)
}

// List returns the tenant's channel accounts (not the manual-orders one).
func (a *Accounts) List(ctx context.Context, tenantID uuid.UUID) ([]api.ChannelAccount, error) {
	var rows []accountRow
	err := a.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT `+accountColumns+` FROM channel_accounts WHERE tenant_id = ? AND kind <> 'manual'
			ORDER BY name`, tenantID).Scan(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("channel: list accounts: %w", err)
	}
	out := make([]api.ChannelAccount, 0, len(rows))
	for _, r := range rows {
		out = append(out, a.toAPI(tenantID, r))
	}
	return out, nil
}

// Get returns one account.
func (a *Accounts) Get(ctx context.Context, tenantID, id uuid.UUID) (api.ChannelAccount, error) {
	var out api.ChannelAccount
	err := a.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		r, err := a.loadTx(tx, tenantID, id)
		if err != nil {
			return err
		}
		out = a.toAPI(tenantID, r)
		return nil
	})
	return out, wrapAccountErr(err)
}

// Update changes an account's name, base URL, enabled state or credentials.
func (a *Accounts) Update(ctx context.Context, tenantID, id uuid.UUID, req api.UpdateChannelAccountRequest) (api.ChannelAccount, error) {
	var out api.ChannelAccount
	err := a.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		r, err := a.loadTx(tx, tenantID, id)
		if err != nil {
			return err
		}
		if r.Kind == "manual" {
			return apperr.Invalid("the manual-orders account has no connection to change")
		}
		name, base := r.Name, r.BaseURL
		if req.Name != nil {
			name = strings.TrimSpace(*req.Name)
		}
		if req.BaseURL != nil {
			base = *req.BaseURL
		}
		if err := a.validate(r.Kind, name, base, req.Credentials); err != nil {
			return err
		}
		sealed := r.Credentials
		if req.Credentials != nil {
			if a.keys == nil {
				return errors.New("channel: no key to seal credentials (MANIFOLD_SECRET_KEY)")
			}
			if sealed, err = a.keys.Seal(tenantID, credentialsOwner(id), req.Credentials); err != nil {
				return err
			}
			a.tokens.Forget(id.String())
		}
		enabled := r.Enabled
		if req.Enabled != nil {
			enabled = *req.Enabled
		}
		if err := tx.Exec(`UPDATE channel_accounts SET name = ?, base_url = ?, credentials = ?, enabled = ?,
				next_poll_at = CASE WHEN ? AND NOT enabled THEN now() ELSE next_poll_at END, updated_at = now()
			WHERE tenant_id = ? AND id = ?`, name, base, sealed, enabled, enabled, tenantID, id).Error; err != nil {
			if db.IsUniqueViolation(err, "") {
				return apperr.Conflict("a channel account named %q already exists", name)
			}
			return err
		}
		if r, err = a.loadTx(tx, tenantID, id); err != nil {
			return err
		}
		out = a.toAPI(tenantID, r)
		return nil
	})
	return out, wrapAccountErr(err)
}

func (a *Accounts) toAPI(tenantID uuid.UUID, r accountRow) api.ChannelAccount {
	out := api.ChannelAccount{ID: r.ID.String(), Kind: r.Kind, Name: r.Name, BaseURL: r.BaseURL, Enabled: r.Enabled,
		CredentialFields: []string{}, PollWatermark: r.PollWatermark, LastPollAt: r.LastPollAt, LastPollError: r.LastPollError,
		NextPollAt: r.NextPollAt, OrdersImported: r.OrdersImported, CreatedAt: r.CreatedAt}
	if creds, err := a.open(tenantID, r); err == nil {
		for k := range creds {
			out.CredentialFields = append(out.CredentialFields, k)
		}
		sort.Strings(out.CredentialFields)
	}
	if _, ok := a.reg.Get(r.Kind); ok {
		out.WebhookPath = "/webhooks/" + r.Kind + "/" + r.ID.String() + "/" + r.WebhookToken
	}
	return out
}

func wrapAccountErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrAccountNotFound):
		return apperr.NotFound("channel account not found")
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	return fmt.Errorf("channel: %w", err)
}

// MemoryTokens is a process-wide TokenCache.
type MemoryTokens struct {
	mu     sync.Mutex
	tokens map[string]memToken
}

type memToken struct {
	token   string
	expires time.Time
}

// NewMemoryTokens returns an empty cache.
func NewMemoryTokens() *MemoryTokens { return &MemoryTokens{tokens: map[string]memToken{}} }

// Get returns a token that is still valid for at least a minute.
func (m *MemoryTokens) Get(key string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[key]
	if !ok || time.Until(t.expires) < time.Minute {
		return "", false
	}
	return t.token, true
}

// Put stores a token until it expires.
func (m *MemoryTokens) Put(key, token string, expires time.Time) {
	m.mu.Lock()
	m.tokens[key] = memToken{token: token, expires: expires}
	m.mu.Unlock()
}

// Forget drops every token whose key starts with prefix (an account id).
func (m *MemoryTokens) Forget(prefix string) {
	m.mu.Lock()
	for k := range m.tokens {
		if strings.HasPrefix(k, prefix) {
			delete(m.tokens, k)
		}
	}
	m.mu.Unlock()
}
