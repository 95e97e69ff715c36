package identity

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
)

// LookupEmail finds which user, in which tenant (uuid.Nil: the platform),
// holds an email address. It is for operators' command-line tools.
func (s *Service) LookupEmail(ctx context.Context, email string) (userID, tenantID uuid.UUID, err error) {
	var row struct {
		UserID   uuid.UUID
		TenantID *uuid.UUID
	}
	res := s.db.Unscoped(ctx).Raw("SELECT user_id, tenant_id FROM auth_user_by_email(?)", email).Scan(&row)
	if res.Error != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("identity: look up email: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return uuid.Nil, uuid.Nil, apperr.NotFound("no user with email %s", email)
	}
	if row.TenantID != nil {
		tenantID = *row.TenantID
	}
	return row.UserID, tenantID, nil
}

// SetPassword replaces a user's password and ends their console sessions.
func (s *Service) SetPassword(ctx context.Context, tenantID, userID uuid.UUID, password string) error {
	if len(password) < MinPasswordLength {
		return apperr.Invalid("password must be at least %d characters", MinPasswordLength)
	}
	hash, err := HashPassword(password, s.params)
	if err != nil {
		return err
	}
	return s.scope(ctx, tenantID, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE users SET password_hash = ?, updated_at = now() WHERE id = ?", hash, userID)
		if res.Error != nil {
			return fmt.Errorf("identity: set password: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return apperr.NotFound("user %s not found", userID)
		}
		return tx.Exec("DELETE FROM sessions WHERE user_id = ?", userID).Error
	})
}
