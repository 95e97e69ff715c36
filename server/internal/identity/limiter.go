package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/manifold-oms/manifold/server/internal/apperr"
)

// LoginLimits bounds password attempts: every attempt counts per client
// address, failures count per account. Counters live in Redis so all replicas
// share them.
type LoginLimits struct {
	PerIP           int
	PerIPWindow     time.Duration
	FailuresPerUser int
	UserWindow      time.Duration
}

// DefaultLoginLimits allow a busy warehouse behind one address to sign in
// while stopping password guessing.
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{PerIP: 60, PerIPWindow: 5 * time.Minute, FailuresPerUser: 10, UserWindow: 15 * time.Minute}
}

// LoginLimiter enforces LoginLimits with fixed windows in Redis.
type LoginLimiter struct {
	rdb    *redis.Client
	limits LoginLimits
	prefix string
}

// NewLoginLimiter returns a limiter; prefix namespaces its keys.
func NewLoginLimiter(rdb *redis.Client, limits LoginLimits, prefix string) *LoginLimiter {
	return &LoginLimiter{rdb: rdb, limits: limits, prefix: prefix + "ratelimit:login:"}
}

func emailKey(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:12])
}

// Attempt counts an attempt from ip on email and refuses it when a limit is reached.
func (l *LoginLimiter) Attempt(ctx context.Context, ip, email string) error {
	ipKey := l.prefix + "ip:" + ip
	n, err := l.incr(ctx, ipKey, l.limits.PerIPWindow)
	if err != nil {
		return err
	}
	if n > int64(l.limits.PerIP) {
		return l.refuse(ctx, ipKey)
	}
	userKey := l.prefix + "fail:" + emailKey(email)
	fails, err := l.rdb.Get(ctx, userKey).Int64()
	if err != nil && err != redis.Nil {
		return apperr.Unavailable(err, "sign-in is unavailable")
	}
	if fails >= int64(l.limits.FailuresPerUser) {
		return l.refuse(ctx, userKey)
	}
	return nil
}

// Failed records a failed attempt on email.
func (l *LoginLimiter) Failed(ctx context.Context, email string) {
	_, _ = l.incr(ctx, l.prefix+"fail:"+emailKey(email), l.limits.UserWindow)
}

// Succeeded clears the failure count of email.
func (l *LoginLimiter) Succeeded(ctx context.Context, email string) {
	l.rdb.Del(ctx, l.prefix+"fail:"+emailKey(email))
}

func (l *LoginLimiter) incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	pipe := l.rdb.TxPipeline()
	incr := pipe.Incr(ctx, key)
	pipe.ExpireNX(ctx, key, window)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, apperr.Unavailable(err, "sign-in is unavailable")
	}
	return incr.Val(), nil
}

func (l *LoginLimiter) refuse(ctx context.Context, key string) error {
	ttl, err := l.rdb.TTL(ctx, key).Result()
	secs := int(ttl.Seconds())
	if err != nil || secs < 1 {
		secs = 1
	}
	return apperr.RateLimited(secs, "too many sign-in attempts; try again in %d seconds", secs)
}
