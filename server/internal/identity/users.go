package identity

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/authz"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/domain"
)

// User is a row of the users table.
type User struct {
	ID           uuid.UUID  `gorm:"column:id;primaryKey"`
	TenantID     *uuid.UUID `gorm:"column:tenant_id"`
	Email        string     `gorm:"column:email"`
	Name         string     `gorm:"column:name"`
	PasswordHash string     `gorm:"column:password_hash"`
	DisabledAt   *time.Time `gorm:"column:disabled_at"`
	CreatedAt    time.Time  `gorm:"column:created_at"`
	UpdatedAt    time.Time  `gorm:"column:updated_at"`
}

// TableName maps User to its table.
func (User) TableName() string { return "users" }

// Service manages users, sessions and tokens.
type Service struct {
	db       *db.DB
	authz    *authz.Authorizer
	params   PasswordParams
	limiter  *LoginLimiter
	ttl      time.Duration
	dummyPwd string
}

// NewService builds the identity service.
func NewService(d *db.DB, a *authz.Authorizer, limiter *LoginLimiter, params PasswordParams, sessionTTL time.Duration) (*Service, error) {
	dummy, err := HashPassword("manifold-unknown-user", params)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, authz: a, params: params, limiter: limiter, ttl: sessionTTL, dummyPwd: dummy}, nil
}

// NewUser describes a user to create.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Role     domain.Role
}

func (n NewUser) validate(operator bool) error {
	addr, err := mail.ParseAddress(n.Email)
	if err != nil || addr.Address != strings.TrimSpace(n.Email) {
		return apperr.Invalid("email %q is not a valid email address", n.Email)
	}
	if len(n.Password) < MinPasswordLength {
		return apperr.Invalid("password must be at least %d characters", MinPasswordLength)
	}
	if len(n.Password) > 1024 {
		return apperr.Invalid("password must be at most 1024 characters")
	}
	if len(n.Name) > 200 {
		return apperr.Invalid("name must be at most 200 characters")
	}
	if operator {
		if n.Role != domain.RoleOperator {
			return apperr.Invalid("platform users must have the operator role")
		}
		return nil
	}
	if _, err := domain.ParseTenantRole(string(n.Role)); err != nil {
		return apperr.Invalid("%v", err)
	}
	return nil
}

// CreateUser adds a user with a role to a tenant (uuid.Nil: a platform
// operator). The user and the role grant commit together.
func (s *Service) CreateUser(ctx context.Context, tenantID uuid.UUID, n NewUser) (api.User, error) {
	n.Email = strings.TrimSpace(n.Email)
	if err := n.validate(tenantID == uuid.Nil); err != nil {
		return api.User{}, err
	}
	hash, err := HashPassword(n.Password, s.params)
	if err != nil {
		return api.User{}, err
	}
	u := User{ID: uuid.New(), Email: n.Email, Name: strings.TrimSpace(n.Name), PasswordHash: hash}
	if tenantID != uuid.Nil {
		u.TenantID = &tenantID
	}
	err = s.scope(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			if db.IsUniqueViolation(err, "users_email_key") {
				return apperr.Conflict("a user with email %s already exists", n.Email)
			}
			return fmt.Errorf("identity: create user: %w", err)
		}
		return authz.GrantTx(tx, u.ID, tenantID, n.Role)
	})
	if err != nil {
		return api.User{}, err
	}
	if err := s.authz.Committed(); err != nil {
		return api.User{}, err
	}
	return toAPIUser(u, n.Role), nil
}

// scope runs fn in the tenant's transaction, or the platform's for uuid.Nil.
func (s *Service) scope(ctx context.Context, tenantID uuid.UUID, fn func(tx *gorm.DB) error) error {
	if tenantID == uuid.Nil {
		return s.db.Platform(ctx, fn)
	}
	return s.db.Tenant(ctx, tenantID, fn)
}

// ListUsers lists a tenant's users, oldest first.
func (s *Service) ListUsers(ctx context.Context, tenantID uuid.UUID) ([]api.User, error) {
	var rows []User
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		return tx.Where("tenant_id = ?", tenantID).Order("created_at, id").Find(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("identity: list users: %w", err)
	}
	out := make([]api.User, 0, len(rows))
	for _, u := range rows {
		out = append(out, toAPIUser(u, s.authz.RoleOf(u.ID, tenantID)))
	}
	return out, nil
}

// GetUser returns one user of the tenant (uuid.Nil: a platform operator).
// A user of another tenant is not found.
func (s *Service) GetUser(ctx context.Context, tenantID, userID uuid.UUID) (api.User, error) {
	var u User
	err := s.scope(ctx, tenantID, func(tx *gorm.DB) error {
		q := tx.Where("id = ?", userID)
		if tenantID == uuid.Nil {
			q = q.Where("tenant_id IS NULL")
		} else {
			q = q.Where("tenant_id = ?", tenantID)
		}
		return q.Take(&u).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return api.User{}, apperr.NotFound("user %s not found", userID)
	}
	if err != nil {
		return api.User{}, fmt.Errorf("identity: get user: %w", err)
	}
	return toAPIUser(u, s.authz.RoleOf(u.ID, tenantID)), nil
}

// UpdateUser changes a tenant user's role and/or disables or re-enables them.
// Disabling a user stops their sessions and tokens at once. The last owner of
// a tenant cannot be demoted or disabled.
func (s *Service) UpdateUser(ctx context.Context, tenantID, userID uuid.UUID, role *domain.Role, disabled *bool) (api.User, error) {
	if role != nil {
		if _, err := domain.ParseTenantRole(string(*role)); err != nil {
			return api.User{}, apperr.Invalid("%v", err)
		}
	}
	var u User
	err := s.db.Tenant(ctx, tenantID, func(tx *gorm.DB) error {
		if err := tx.Set("gorm:query_option", "FOR UPDATE").Where("id = ? AND tenant_id = ?", userID, tenantID).Take(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.NotFound("user %s not found", userID)
			}
			return err
		}
		current := s.authz.RoleOf(u.ID, tenantID)
		losesOwner := current == domain.RoleOwner &&
			((role != nil && *role != domain.RoleOwner) || (disabled != nil && *disabled))
		if losesOwner {
			if err := s.ensureAnotherOwner(tx, tenantID, userID); err != nil {
				return err
			}
		}
		if disabled != nil {
			var at *time.Time
			if *disabled {
				now := time.Now().UTC()
				at = &now
			}
			u.DisabledAt = at
			if err := tx.Model(&User{}).Where("id = ? AND tenant_id = ?", userID, tenantID).
				Updates(map[string]any{"disabled_at": at, "updated_at": gorm.Expr("now()")}).Error; err != nil {
				return err
			}
			if *disabled {
				if err := tx.Exec("DELETE FROM sessions WHERE tenant_id = ? AND user_id = ?", tenantID, userID).Error; err != nil {
					return err
				}
			}
		}
		if role != nil && *role != current {
			return authz.GrantTx(tx, userID, tenantID, *role)
		}
		return nil
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return api.User{}, err
		}
		return api.User{}, fmt.Errorf("identity: update user: %w", err)
	}
	if role != nil {
		if err := s.authz.Committed(); err != nil {
			return api.User{}, err
		}
	}
	return toAPIUser(u, s.authz.RoleOf(u.ID, tenantID)), nil
}

func (s *Service) ensureAnotherOwner(tx *gorm.DB, tenantID, userID uuid.UUID) error {
	var n int64
	err := tx.Raw(`SELECT count(*) FROM casbin_rule c JOIN users u ON c.v0 = 'user:' || u.id::text
		WHERE c.ptype = 'g' AND c.v1 = 'role:owner' AND c.v2 = ? AND u.tenant_id = ? AND u.id <> ? AND u.disabled_at IS NULL`,
		authz.TenantDomain(tenantID), tenantID, userID).Scan(&n).Error
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.Conflict("this is the tenant's last active owner; make another user owner first")
	}
	return nil
}

func toAPIUser(u User, role domain.Role) api.User {
	out := api.User{ID: u.ID.String(), Email: u.Email, Name: u.Name, Role: string(role),
		Disabled: u.DisabledAt != nil, CreatedAt: u.CreatedAt}
	if u.TenantID != nil {
		out.TenantID = u.TenantID.String()
	}
	return out
}
