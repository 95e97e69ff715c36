package identity

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/server/internal/apperr"
)

// errBadCredentials is the single answer to a wrong password, an unknown or a
// disabled account, so a caller cannot tell which it was.
func errBadCredentials() error { return apperr.Unauthenticated("email or password is incorrect") }

// CheckPassword authenticates email and password from the client address ip.
// Unknown users cost the same argon2 work as known ones.
func (s *Service) CheckPassword(ctx context.Context, ip, email, password string) (userID, tenantID uuid.UUID, err error) {
	email = strings.TrimSpace(email)
	if email == "" || password == "" {
		return uuid.Nil, uuid.Nil, apperr.Invalid("email and password are required")
	}
	if err := s.limiter.Attempt(ctx, ip, email); err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	var row struct {
		UserID       uuid.UUID
		TenantID     *uuid.UUID
		PasswordHash string
		Disabled     bool
	}
	res := s.db.Unscoped(ctx).Raw("SELECT * FROM auth_user_by_email(?)", email).Scan(&row)
	if res.Error != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("identity: look up user: %w", res.Error)
	}
	hash := row.PasswordHash
	if res.RowsAffected == 0 {
		hash = s.dummyPwd
	}
	ok, err := VerifyPassword(password, hash)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	if !ok || res.RowsAffected == 0 || row.Disabled {
		s.limiter.Failed(ctx, email)
		return uuid.Nil, uuid.Nil, errBadCredentials()
	}
	s.limiter.Succeeded(ctx, email)
	if row.TenantID != nil {
		tenantID = *row.TenantID
	}
	return row.UserID, tenantID, nil
}

// Session is a console session row.
type Session struct {
	ID         uuid.UUID  `gorm:"column:id;primaryKey"`
	TenantID   *uuid.UUID `gorm:"column:tenant_id"`
	UserID     uuid.UUID  `gorm:"column:user_id"`
	TokenHash  []byte     `gorm:"column:token_hash"`
	CSRFToken  string     `gorm:"column:csrf_token"`
	UserAgent  string     `gorm:"column:user_agent"`
	CreatedAt  time.Time  `gorm:"column:created_at"`
	LastSeenAt time.Time  `gorm:"column:last_seen_at"`
	ExpiresAt  time.Time  `gorm:"column:expires_at"`
}

// TableName maps Session to its table.
func (Session) TableName() string { return "sessions" }

// SessionCookie is the name of the console session cookie.
const SessionCookie = "manifold_session"

// NewSession is what a successful console login returns: the cookie secret
// (never stored) and the CSRF token.
type NewSession struct {
	Secret    string
	CSRFToken string
	ExpiresAt time.Time
	Principal Principal
}

// OpenSession starts a console session for an authenticated user.
func (s *Service) OpenSession(ctx context.Context, userID, tenantID uuid.UUID, userAgent string) (NewSession, error) {
	secret, digest, err := newSecret("")
	if err != nil {
		return NewSession{}, err
	}
	csrf, _, err := newSecret("")
	if err != nil {
		return NewSession{}, err
	}
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	row := Session{ID: uuid.New(), UserID: userID, TokenHash: digest, CSRFToken: csrf, UserAgent: userAgent,
		ExpiresAt: time.Now().UTC().Add(s.ttl)}
	if tenantID != uuid.Nil {
		row.TenantID = &tenantID
	}
	if err := s.scope(ctx, tenantID, func(tx *gorm.DB) error { return tx.Create(&row).Error }); err != nil {
		return NewSession{}, fmt.Errorf("identity: open session: %w", err)
	}
	return NewSession{Secret: secret, CSRFToken: csrf, ExpiresAt: row.ExpiresAt, Principal: Principal{
		UserID: userID, TenantID: tenantID, Method: MethodSession, SessionID: row.ID, CSRFToken: csrf}}, nil
}

// SessionPrincipal authenticates a session cookie secret.
func (s *Service) SessionPrincipal(ctx context.Context, secret string) (Principal, error) {
	var row struct {
		SessionID uuid.UUID
		UserID    uuid.UUID
		TenantID  *uuid.UUID
		CSRFToken string
	}
	res := s.db.Unscoped(ctx).Raw("SELECT * FROM auth_session(decode(?, 'hex'))", hex.EncodeToString(hashSecret(secret))).Scan(&row)
	if res.Error != nil {
		return Principal{}, fmt.Errorf("identity: look up session: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Principal{}, apperr.Unauthenticated("your session has ended; sign in again")
	}
	p := Principal{UserID: row.UserID, Method: MethodSession, SessionID: row.SessionID, CSRFToken: row.CSRFToken}
	if row.TenantID != nil {
		p.TenantID = *row.TenantID
	}
	return p, nil
}

// CloseSession ends a console session (server-side logout).
func (s *Service) CloseSession(ctx context.Context, p Principal) error {
	return s.scope(ctx, p.TenantID, func(tx *gorm.DB) error {
		return tx.Exec("DELETE FROM sessions WHERE id = ? AND user_id = ?", p.SessionID, p.UserID).Error
	})
}

// PurgeExpiredSessions deletes every expired session and returns how many.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.Unscoped(ctx).Raw("SELECT purge_expired_sessions()").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("identity: purge sessions: %w", err)
	}
	return n, nil
}
