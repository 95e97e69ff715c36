package api

import "time"

// Tenant is one manufacturer served by the instance.
type Tenant struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateTenantRequest creates a tenant (platform operators only).
type CreateTenantRequest struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// User is a person who signs in. TenantID is empty for platform operators.
type User struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id,omitempty"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateUserRequest adds a user to the caller's tenant.
type CreateUserRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

// UpdateUserRequest changes a user's role or disables the user; nil fields are left alone.
type UpdateUserRequest struct {
	Role     *string `json:"role,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

// UserList is a page of users.
type UserList struct {
	Users []User `json:"users"`
}

// Me describes the caller: who they are, which tenant they act in, with what role.
type Me struct {
	User        User     `json:"user"`
	Tenant      *Tenant  `json:"tenant,omitempty"`
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
	AuthMethod  string   `json:"auth_method"`
}

// LoginRequest signs in with an email and password.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// LoginResponse answers a console login; the session itself travels in an
// HttpOnly cookie, and CSRFToken must accompany every unsafe request in the
// X-CSRF-Token header.
type LoginResponse struct {
	Me        Me     `json:"me"`
	CSRFToken string `json:"csrf_token"`
}

// DeviceLoginRequest exchanges a password for an API token bound to a device,
// such as a packing station.
type DeviceLoginRequest struct {
	Email      string `json:"email"`
	Password   string `json:"password"`
	DeviceName string `json:"device_name"`
}

// Token is an API token's metadata; the secret is never shown again after creation.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	UserID     string     `json:"user_id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// CreateTokenRequest creates an API token for the caller.
type CreateTokenRequest struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// CreatedToken carries the token secret, shown exactly once.
type CreatedToken struct {
	Token  Token  `json:"token"`
	Secret string `json:"secret"`
}

// TokenList is the caller's tenant's tokens.
type TokenList struct {
	Tokens []Token `json:"tokens"`
}

// TenantList is every tenant of the instance.
type TenantList struct {
	Tenants []Tenant `json:"tenants"`
}
