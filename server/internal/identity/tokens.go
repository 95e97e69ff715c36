package identity

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/shared/api"
)

// Token is an API token row; the secret itself is never stored.
type Token struct {
	ID         uuid.UUID  `gorm:"column:id;primaryKey"`
	TenantID   *uuid.UUID `gorm:"column:tenant_id"`
	UserID     uuid.UUID  `gorm:"column:user_id"`
	Name       string     `gorm:"column:name"`
	TokenHash  []byte     `gorm:"column:token_hash"`
	Prefix     string     `gorm:"column:prefix"`
	CreatedAt  time.Time  `gorm:"column:created_at"`
	LastUsedAt *time.Time `gorm:"column:last_used_at"`
	ExpiresAt  *time.Time `gorm:"column:expires_at"`
	RevokedAt  *time.Time `gorm:"column:revoked_at"`
}

// TableName maps Token to its table.
func (Token) TableName() string { return "api_tokens" }

// CreateToken issues an API token acting as userID in tenantID (uuid.Nil: the
// platform). The secret is returned once and stored only as a digest.
func (s *Service) CreateToken(ctx context.Context, tenantID, userID uuid.UUID, name string, expiresAt *time.Time) (api.CreatedToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return api.CreatedToken{}, apperr.Invalid("token name is required and must be at most 200 characters")
	}
	if expiresAt != nil && !expiresAt.After(time.Now()) {
		return api.CreatedToken{}, apperr.Invalid("expires_at must be in the future")
	}
	secret, digest, err := newSecret(TokenPrefix)
	if err != nil {
		return api.CreatedToken{}, err
	}
	row := Token{ID: uuid.New(), UserID: userID, Name: name, TokenHash: digest, Prefix: secret[:12], ExpiresAt: expiresAt}
	if tenantID != uuid.Nil {
		row.TenantID = &tenantID
	}
	err = s.scope(ctx, tenantID, func(tx *gorm.DB) error {
		var n int64
		q := tx.Model(&User{}).Where("id = ? AND disabled_at IS NULL", userID)
		if tenantID == uuid.Nil {
			q = q.Where("tenant_id IS NULL")
		} else {
			q = q.Where("tenant_id = ?", tenantID)
		}
		if err := q.Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.NotFound("user %s not found", userID)
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return api.CreatedToken{}, err
		}
		return api.CreatedToken{}, fmt.Errorf("identity: create token: %w", err)
	}
	return api.CreatedToken{Token: toAPIToken(row), Secret: secret}, nil
}

// TokenPrincipal authenticates an API token secret. Revoked, expired and
// disabled users' tokens fail at once: every request checks the database.
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return Principal{}, apperr.Unauthenticated("the API token is not valid")
	}
	var row struct {
		TokenID  uuid.UUID
		UserID   uuid.UUID
		TenantID *uuid.UUID
	}
	res := s.db.Unscoped(ctx).Raw("SELECT * FROM auth_token(decode(?, 'hex'))", hex.EncodeToString(hashSecret(secret))).Scan(&row)
	if res.Error != nil {
		return Principal{}, fmt.Errorf("identity: look up token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Principal{}, apperr.Unauthenticated("the API token is not valid, expired or was revoked")
	}
	p := Principal{UserID: row.UserID, Method: MethodToken, TokenID: row.TokenID}
	if row.TenantID != nil {
		p.TenantID = *row.TenantID
	}
	return p, nil
}

// TouchToken records that a token was used, at most once a minute.
func (s *Service) TouchToken(ctx context.Context, p Principal) error {
	return s.scope(ctx, p.TenantID, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE api_tokens SET last_used_at = now()
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, p.TokenID).Error
	})
}

// ListTokens lists a tenant's tokens, newest first.
func (s *Service) ListTokens(ctx context.Context, tenantID uuid.UUID) ([]api.Token, error) {
	var rows []Token
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Where("tenant_id = ?", tenantID).Order("created_at DESC, id").Find(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("identity: list tokens: %w", err)
	}
	out := make([]api.Token, 0, len(rows))
	for _, t := range rows {
		out = append(out, toAPIToken(t))
	}
	return out, nil
}

// RevokeToken revokes a tenant's token; revoking twice is harmless.
func (s *Service) RevokeToken(ctx context.Context, tenantID, tokenID uuid.UUID) error {
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
			WHERE id = ? AND tenant_id = ?`, tokenID, tenantID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.NotFound("token %s not found", tokenID)
		}
		return nil
	})
	if err != nil && !errors.As(err, new(*apperr.Error)) {
		return fmt.Errorf("identity: revoke token: %w", err)
	}
	return err
}

func toAPIToken(t Token) api.Token {
	return api.Token{ID: t.ID.String(), Name: t.Name, Prefix: t.Prefix, UserID: t.UserID.String(),
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt}
}

// RevokeOwnToken revokes the token the principal authenticated with.
func (s *Service) RevokeOwnToken(ctx context.Context, p Principal) error {
	return s.scope(ctx, p.TenantID, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = ? AND user_id = ?`,
			p.TokenID, p.UserID).Error
	})
}
