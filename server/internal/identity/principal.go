package identity

import (
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/shared/domain"
)

// Method says how a caller authenticated.
type Method string

// Authentication methods.
const (
	MethodSession Method = "session"
	MethodToken   Method = "token"
	MethodCLI     Method = "cli"
)

// Principal is an authenticated caller. The tenant comes from the credential,
// never from the request.
type Principal struct {
	UserID   uuid.UUID
	TenantID uuid.UUID // uuid.Nil for a platform operator
	Role     domain.Role
	Method   Method
	// SessionID or TokenID identify the credential used.
	SessionID uuid.UUID
	TokenID   uuid.UUID
	CSRFToken string
}

// IsOperator reports whether the principal acts for the platform rather than a tenant.
func (p Principal) IsOperator() bool { return p.TenantID == uuid.Nil }
