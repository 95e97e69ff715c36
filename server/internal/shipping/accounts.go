package shipping

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/shared/api"
)

func credentialsOwner(accountID uuid.UUID) string { return "carrier_account:" + accountID.String() }

type accountRow struct {
	ID           uuid.UUID
	Provider     string
	Name         string
	BaseURL      string
	Enabled      bool
	Preference   int
	Credentials  []byte
	WebhookToken string
	CreatedAt    time.Time
}

const accountColumns = `id, provider, name, base_url, enabled, preference, credentials, webhook_token, created_at`

// account is an enabled carrier account ready to call.
type account struct {
	row     accountRow
	adapter carrier.Adapter
	conn    carrier.Conn
}

func (s *Service) checkProvider(provider string) error {
	if _, ok := s.adapters[provider]; !ok {
		return apperr.Invalid("provider %q is not supported; use one of %s", provider, strings.Join(s.adapters.Keys(), ", "))
	}
	return nil
}

func checkAccount(name, baseURL string, creds map[string]string, pref int) error {
	if name == "" || len(name) > 200 {
		return apperr.Invalid("name is required and must be at most 200 characters")
	}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return apperr.Invalid("base_url %q must be an http(s) URL such as https://wwwcie.ups.com", baseURL)
		}
	}
	for k, v := range creds {
		if strings.TrimSpace(k) == "" || len(k) > 64 || len(v) > 8192 {
			return apperr.Invalid("credential field %q is not acceptable (names up to 64 characters, values up to 8 KiB)", k)
		}
	}
	if pref < 0 || pref > 10000 {
		return apperr.Invalid("preference must be from 0 to 10000 (lower wins ties)")
	}
	return nil
}

// accountConflict names the unique key an account write ran into.
func accountConflict(err error, provider, name string) error {
	switch {
	case db.IsUniqueViolation(err, "carrier_accounts_one_enabled"):
		return apperr.Conflict("an enabled %s account already exists; disable it first (quotes name their provider, so one enabled account per provider)", provider)
	case db.IsUniqueViolation(err, ""):
		return apperr.Conflict("a carrier account named %q already exists", name)
	}
	return err
}

// CreateAccount connects a carrier account; its credentials are sealed for
// the tenant and the account and never returned.
func (s *Service) CreateAccount(ctx context.Context, tenantID uuid.UUID, req api.CreateCarrierAccountRequest) (api.CarrierAccount, error) {
	req.Provider = strings.TrimSpace(req.Provider)
	req.Name = strings.TrimSpace(req.Name)
	if err := s.checkProvider(req.Provider); err != nil {
		return api.CarrierAccount{}, err
	}
	pref := 100
	if req.Preference != nil {
		pref = *req.Preference
	}
	if err := checkAccount(req.Name, req.BaseURL, req.Credentials, pref); err != nil {
		return api.CarrierAccount{}, err
	}
	if len(req.Credentials) == 0 {
		return api.CarrierAccount{}, apperr.Invalid("credentials are required for a %s account", req.Provider)
	}
	enabled := req.Enabled == nil || *req.Enabled
	if s.keys == nil {
		return api.CarrierAccount{}, errNoKeys
	}
	id := uuid.New()
	sealed, err := s.keys.Seal(tenantID, credentialsOwner(id), req.Credentials)
	if err != nil {
		return api.CarrierAccount{}, fmt.Errorf("shipping: seal credentials: %w", err)
	}
	var out api.CarrierAccount
	err = s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO carrier_accounts (tenant_id, id, provider, name, base_url, credentials, enabled, preference)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tenantID, id, req.Provider, req.Name, req.BaseURL, sealed, enabled, pref).Error; err != nil {
			return accountConflict(err, req.Provider, req.Name)
		}
		r, err := loadAccountTx(tx, tenantID, id)
		if err != nil {
			return err
		}
		out = s.accountToAPI(tenantID, r)
		return nil
	})
	return out, wrap(err, "create carrier account")
}

// UpdateAccount changes an account's name, base URL, enabled state,
// preference or credentials (replaced whole, sealed again).
func (s *Service) UpdateAccount(ctx context.Context, tenantID, id uuid.UUID, req api.UpdateCarrierAccountRequest) (api.CarrierAccount, error) {
	var out api.CarrierAccount
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		r, err := loadAccountTx(tx, tenantID, id)
		if err != nil {
			return err
		}
		if req.Name != nil {
			r.Name = strings.TrimSpace(*req.Name)
		}
		if req.BaseURL != nil {
			r.BaseURL = *req.BaseURL
		}
		if req.Enabled != nil {
			r.Enabled = *req.Enabled
		}
		if req.Preference != nil {
			r.Preference = *req.Preference
		}
		if err := checkAccount(r.Name, r.BaseURL, req.Credentials, r.Preference); err != nil {
			return err
		}
		if req.Credentials != nil {
			if len(req.Credentials) == 0 {
				return apperr.Invalid("credentials cannot be emptied; send the new ones")
			}
			if s.keys == nil {
				return errNoKeys
			}
			if r.Credentials, err = s.keys.Seal(tenantID, credentialsOwner(id), req.Credentials); err != nil {
				return fmt.Errorf("shipping: seal credentials: %w", err)
			}
			if f, ok := s.tokens.(interface{ Forget(prefix string) }); ok {
				f.Forget(id.String())
			}
		}
		if err := tx.Exec(`UPDATE carrier_accounts SET name = ?, base_url = ?, enabled = ?, preference = ?, credentials = ?,
				updated_at = now() WHERE tenant_id = ? AND id = ?`,
			r.Name, r.BaseURL, r.Enabled, r.Preference, r.Credentials, tenantID, id).Error; err != nil {
			return accountConflict(err, r.Provider, r.Name)
		}
		if r, err = loadAccountTx(tx, tenantID, id); err != nil {
			return err
		}
		out = s.accountToAPI(tenantID, r)
		return nil
	})
	return out, wrap(err, "update carrier account")
}

func loadAccountTx(tx *gorm.DB, tenantID, id uuid.UUID) (accountRow, error) {
	var r accountRow
	res := tx.Raw(`SELECT `+accountColumns+` FROM carrier_accounts WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&r)
	if res.Error != nil {
		return r, fmt.Errorf("shipping: read carrier account: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return r, apperr.NotFound("carrier account %s not found", id)
	}
	return r, nil
}

// ListAccounts returns the tenant's carrier accounts, preferred first.
func (s *Service) ListAccounts(ctx context.Context, tenantID uuid.UUID) ([]api.CarrierAccount, error) {
	var rows []accountRow
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Raw(`SELECT `+accountColumns+` FROM carrier_accounts WHERE tenant_id = ? ORDER BY preference, name`, tenantID).Scan(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("shipping: list carrier accounts: %w", err)
	}
	out := make([]api.CarrierAccount, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.accountToAPI(tenantID, r))
	}
	return out, nil
}

func (s *Service) accountToAPI(tenantID uuid.UUID, r accountRow) api.CarrierAccount {
	out := api.CarrierAccount{ID: r.ID.String(), Provider: r.Provider, Name: r.Name, BaseURL: r.BaseURL, Enabled: r.Enabled,
		Preference: r.Preference, CredentialFields: []string{}, CreatedAt: r.CreatedAt}
	if creds, err := s.openCredentials(tenantID, r); err == nil {
		for k := range creds {
			out.CredentialFields = append(out.CredentialFields, k)
		}
		sort.Strings(out.CredentialFields)
	}
	if _, ok := s.adapters[r.Provider].(carrier.WebhookReader); ok {
		out.WebhookPath = WebhookPath(r.Provider, r.ID, r.WebhookToken)
	}
	return out
}

func (s *Service) openCredentials(tenantID uuid.UUID, r accountRow) (map[string]string, error) {
	creds := map[string]string{}
	if len(r.Credentials) == 0 {
		return creds, nil
	}
	if s.keys == nil {
		return nil, errNoKeys
	}
	if err := s.keys.Open(tenantID, credentialsOwner(r.ID), r.Credentials, &creds); err != nil {
		return nil, fmt.Errorf("shipping: credentials of carrier account %s: %w", r.ID, err)
	}
	return creds, nil
}

// enabledAccountsTx returns the tenant's enabled accounts, preferred first.
// Accounts whose provider this server has no adapter for, or whose
// credentials do not open, come back in broken with the reason.
func (s *Service) enabledAccountsTx(tx *gorm.DB, tenantID uuid.UUID) (ok []account, broken []rateshopFailure, err error) {
	var rows []accountRow
	if err := tx.Raw(`SELECT `+accountColumns+` FROM carrier_accounts WHERE tenant_id = ? AND enabled
		ORDER BY preference, name`, tenantID).Scan(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("shipping: carrier accounts: %w", err)
	}
	for _, r := range rows {
		a, err := s.openAccount(tenantID, r)
		if err != nil {
			broken = append(broken, rateshopFailure{provider: r.Provider, err: err.Error()})
			continue
		}
		ok = append(ok, a)
	}
	return ok, broken, nil
}

// rateshopFailure is an account that could not be asked at all.
type rateshopFailure struct {
	provider string
	err      string
}

func (s *Service) openAccount(tenantID uuid.UUID, r accountRow) (account, error) {
	ad, found := s.adapters[r.Provider]
	if !found {
		return account{}, fmt.Errorf("this server has no adapter for provider %q", r.Provider)
	}
	creds, err := s.openCredentials(tenantID, r)
	if err != nil {
		return account{}, err
	}
	return account{row: r, adapter: ad, conn: carrier.Conn{AccountID: r.ID.String(), BaseURL: r.BaseURL,
		Credentials: creds, HTTP: s.http, Tokens: s.tokens}}, nil
}

// accountTx opens one account by id, enabled or not.
func (s *Service) accountTx(tx *gorm.DB, tenantID, id uuid.UUID) (account, error) {
	r, err := loadAccountTx(tx, tenantID, id)
	if err != nil {
		return account{}, err
	}
	return s.openAccount(tenantID, r)
}

// wrap passes domain errors through and prefixes the others.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	return fmt.Errorf("shipping: %s: %w", what, err)
}

// messageOf returns the message of a domain error without its cause.
func messageOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return err.Error()
}
