// Package tenancy owns tenants: the manufacturers served by one instance.
package tenancy

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/shared/api"
)

// Tenant is a row of the tenants table.
type Tenant struct {
	ID        uuid.UUID `gorm:"column:id;primaryKey"`
	Slug      string    `gorm:"column:slug"`
	Name      string    `gorm:"column:name"`
	CreatedAt time.Time `gorm:"column:created_at"`
}

// TableName maps Tenant to its table.
func (Tenant) TableName() string { return "tenants" }

// Service manages tenants.
type Service struct {
	db *db.DB
}

// NewService returns the tenant service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// Create adds a tenant. Only the platform scope can do this.
func (s *Service) Create(ctx context.Context, slug, name string) (api.Tenant, error) {
	slug, name = strings.TrimSpace(slug), strings.TrimSpace(name)
	if !slugPattern.MatchString(slug) {
		return api.Tenant{}, apperr.Invalid("slug %q must be 2-63 lowercase letters, digits or dashes, starting with a letter or digit", slug)
	}
	if name == "" || len(name) > 200 {
		return api.Tenant{}, apperr.Invalid("name is required and must be at most 200 characters")
	}
	t := Tenant{ID: uuid.New(), Slug: slug, Name: name}
	err := s.db.Platform(ctx, func(tx *gorm.DB) error { return tx.Create(&t).Error })
	if db.IsUniqueViolation(err, "tenants_slug_key") {
		return api.Tenant{}, apperr.Conflict("a tenant with slug %q already exists", slug)
	}
	if err != nil {
		return api.Tenant{}, fmt.Errorf("tenancy: create: %w", err)
	}
	return toAPI(t), nil
}

// Get returns the tenant with id, seen from inside that tenant.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (api.Tenant, error) {
	var t Tenant
	err := s.db.Tenant(ctx, id, func(tx *gorm.DB) error { return tx.Where("id = ?", id).Take(&t).Error })
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return api.Tenant{}, apperr.NotFound("tenant %s not found", id)
	}
	if err != nil {
		return api.Tenant{}, fmt.Errorf("tenancy: get: %w", err)
	}
	return toAPI(t), nil
}

// BySlug finds a tenant by slug in the platform scope.
func (s *Service) BySlug(ctx context.Context, slug string) (api.Tenant, error) {
	var t Tenant
	err := s.db.Platform(ctx, func(tx *gorm.DB) error { return tx.Where("slug = ?", slug).Take(&t).Error })
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return api.Tenant{}, apperr.NotFound("tenant %q not found", slug)
	}
	if err != nil {
		return api.Tenant{}, fmt.Errorf("tenancy: by slug: %w", err)
	}
	return toAPI(t), nil
}

// List returns every tenant, for the platform operator.
func (s *Service) List(ctx context.Context) ([]api.Tenant, error) {
	var rows []Tenant
	if err := s.db.Platform(ctx, func(tx *gorm.DB) error { return tx.Order("created_at, id").Find(&rows).Error }); err != nil {
		return nil, fmt.Errorf("tenancy: list: %w", err)
	}
	out := make([]api.Tenant, 0, len(rows))
	for _, t := range rows {
		out = append(out, toAPI(t))
	}
	return out, nil
}

func toAPI(t Tenant) api.Tenant {
	return api.Tenant{ID: t.ID.String(), Slug: t.Slug, Name: t.Name, CreatedAt: t.CreatedAt}
}
