// Package config reads Manifold's settings from environment variables, with
// command-line flags overriding them, and validates them before start-up.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/migrations"
	"github.com/manifold-oms/manifold/server/internal/secrets"
)

// Config holds every setting of the server and worker.
type Config struct {
	// DatabaseURL is the schema owner's connection, used by migrations.
	DatabaseURL string
	// AppDatabaseURL is the runtime connection (role manifold_app, subject to RLS).
	AppDatabaseURL string
	RedisURL       string
	// SecretKey is the master key sealing channel and carrier credentials.
	SecretKey     []byte
	HTTPAddr      string
	BaseURL       string
	CookieSecure  bool
	BodyLimit     int
	LogLevel      slog.Level
	LogFormat     string
	SessionTTL    time.Duration
	Concurrency   int
	ShutdownGrace time.Duration
}

// Setting documents one configuration setting; the README table is generated from the same list.
type Setting struct {
	Env     string
	Flag    string
	Default string
	Usage   string
}

// Settings lists every setting, in the order the README documents them.
func Settings() []Setting {
	return []Setting{
		{"DATABASE_URL", "database-url", "", "PostgreSQL URL of the schema owner; used by `migrate` and to derive APP_DATABASE_URL (required)"},
		{"APP_DATABASE_URL", "app-database-url", "DATABASE_URL with user manifold_app", "PostgreSQL URL the server and worker run as; this role must not own tables or bypass row-level security"},
		{"REDIS_URL", "redis-url", "", "Redis URL for jobs, realtime fan-out and rate limits (required)"},
		{"MANIFOLD_SECRET_KEY", "secret-key", "", "base64 32-byte master key sealing channel and carrier credentials (required; `manifold key generate` makes one)"},
		{"MANIFOLD_HTTP_ADDR", "http-addr", ":8080", "address the HTTP server listens on"},
		{"MANIFOLD_BASE_URL", "base-url", "http://localhost:8080", "public URL of the console, used in printed links"},
		{"MANIFOLD_COOKIE_SECURE", "cookie-secure", "true when MANIFOLD_BASE_URL is https", "mark session cookies Secure"},
		{"MANIFOLD_BODY_LIMIT", "body-limit", "4194304", "largest accepted request body in bytes"},
		{"MANIFOLD_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
		{"MANIFOLD_LOG_FORMAT", "log-format", "json", "json or text"},
		{"MANIFOLD_SESSION_TTL", "session-ttl", "12h", "lifetime of a console session"},
		{"MANIFOLD_WORKER_CONCURRENCY", "worker-concurrency", "20", "jobs a worker runs at once"},
		{"MANIFOLD_SHUTDOWN_GRACE", "shutdown-grace", "15s", "time allowed for in-flight work on shutdown"},
	}
}

// Need says which settings a command requires.
type Need struct {
	Database bool
	Redis    bool
	Secret   bool
}

// Load reads settings from getenv, then flags parsed from args by fs (which
// the caller owns, so subcommands can add flags of their own). It returns an
// error naming each setting that is missing or malformed.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string, need Need) (Config, error) {
	settings := Settings()
	vals := make(map[string]*string, len(settings))
	for _, s := range settings {
		v := getenv(s.Env)
		vals[s.Env] = fs.String(s.Flag, v, s.Usage+" (env "+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	get := func(env string) string { return strings.TrimSpace(*vals[env]) }

	var errs []error
	bad := func(env, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, a...)))
	}
	c := Config{
		DatabaseURL:    get("DATABASE_URL"),
		AppDatabaseURL: get("APP_DATABASE_URL"),
		RedisURL:       get("REDIS_URL"),
		HTTPAddr:       orDefault(get("MANIFOLD_HTTP_ADDR"), ":8080"),
		BaseURL:        strings.TrimRight(orDefault(get("MANIFOLD_BASE_URL"), "http://localhost:8080"), "/"),
		LogFormat:      orDefault(get("MANIFOLD_LOG_FORMAT"), "json"),
	}
	if need.Database {
		if c.DatabaseURL == "" && c.AppDatabaseURL == "" {
			bad("DATABASE_URL", "is required (for example postgres://manifold@127.0.0.1:5432/manifold?sslmode=disable)")
		} else if c.DatabaseURL != "" {
			if err := checkURL(c.DatabaseURL, "postgres", "postgresql"); err != nil {
				bad("DATABASE_URL", "%v", err)
			}
		}
		if c.AppDatabaseURL == "" && c.DatabaseURL != "" {
			derived, err := WithUser(c.DatabaseURL, migrations.AppRole)
			if err == nil {
				c.AppDatabaseURL = derived
			}
		} else if c.AppDatabaseURL != "" {
			if err := checkURL(c.AppDatabaseURL, "postgres", "postgresql"); err != nil {
				bad("APP_DATABASE_URL", "%v", err)
			}
		}
	}
	if need.Redis {
		if c.RedisURL == "" {
			bad("REDIS_URL", "is required (for example redis://127.0.0.1:6379/0)")
		} else if err := checkURL(c.RedisURL, "redis", "rediss"); err != nil {
			bad("REDIS_URL", "%v", err)
		}
	}
	if need.Secret {
		if raw := get("MANIFOLD_SECRET_KEY"); raw == "" {
			bad("MANIFOLD_SECRET_KEY", "is required: a base64 32-byte key; generate one with `manifold key generate` and keep it safe")
		} else if key, err := secrets.ParseMasterKey(raw); err != nil {
			bad("MANIFOLD_SECRET_KEY", "%v", err)
		} else {
			c.SecretKey = key
		}
	}
	if err := checkURL(c.BaseURL, "http", "https"); err != nil {
		bad("MANIFOLD_BASE_URL", "%v", err)
	}
	if v := get("MANIFOLD_COOKIE_SECURE"); v == "" {
		c.CookieSecure = strings.HasPrefix(c.BaseURL, "https://")
	} else if b, err := strconv.ParseBool(v); err != nil {
		bad("MANIFOLD_COOKIE_SECURE", "%q is not true or false", v)
	} else {
		c.CookieSecure = b
	}
	c.BodyLimit = intSetting(get("MANIFOLD_BODY_LIMIT"), 4<<20, 1024, 1<<30, "MANIFOLD_BODY_LIMIT", bad)
	c.Concurrency = intSetting(get("MANIFOLD_WORKER_CONCURRENCY"), 20, 1, 1000, "MANIFOLD_WORKER_CONCURRENCY", bad)
	c.SessionTTL = durSetting(get("MANIFOLD_SESSION_TTL"), 12*time.Hour, "MANIFOLD_SESSION_TTL", bad)
	c.ShutdownGrace = durSetting(get("MANIFOLD_SHUTDOWN_GRACE"), 15*time.Second, "MANIFOLD_SHUTDOWN_GRACE", bad)
	if err := c.LogLevel.UnmarshalText([]byte(orDefault(get("MANIFOLD_LOG_LEVEL"), "info"))); err != nil {
		bad("MANIFOLD_LOG_LEVEL", "%q is not debug, info, warn or error", get("MANIFOLD_LOG_LEVEL"))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("MANIFOLD_LOG_FORMAT", "%q is not json or text", c.LogFormat)
	}
	return c, errors.Join(errs...)
}

// WithUser returns the PostgreSQL URL u with its user replaced (and password dropped).
func WithUser(u, user string) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	parsed.User = url.User(user)
	return parsed.String(), nil
}

func checkURL(s string, schemes ...string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a valid URL: %v", err)
	}
	for _, sc := range schemes {
		if u.Scheme == sc {
			if u.Host == "" {
				return fmt.Errorf("URL has no host")
			}
			return nil
		}
	}
	return fmt.Errorf("URL scheme must be %s", strings.Join(schemes, " or "))
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func intSetting(v string, def, lo, hi int, env string, bad func(string, string, ...any)) int {
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		bad(env, "%q must be a whole number from %d to %d", v, lo, hi)
		return def
	}
	return n
}

func durSetting(v string, def time.Duration, env string, bad func(string, string, ...any)) time.Duration {
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		bad(env, "%q must be a positive duration such as 30s or 12h", v)
		return def
	}
	return d
}
