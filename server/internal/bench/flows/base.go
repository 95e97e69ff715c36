package flows

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/manifold-oms/manifold/server/internal/bench"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/server/internal/tasks"
)

// base is what every run of a scenario shares: the database, Redis, the
// credential keyring and a name prefix no one else uses.
type base struct {
	cfg      Config
	db       *db.DB
	rdb      *redis.Client
	redisOpt asynq.RedisConnOpt
	keys     *secrets.Keyring
	prefix   string
	logs     *logSink
	log      *slog.Logger
	closers  []func() error
}

// openBase connects to the configured database (a new scratch one unless
// cfg.AppURL names one) and Redis.
func openBase(ctx context.Context, cfg Config, out io.Writer) (_ *base, err error) {
	b := &base{cfg: cfg, logs: &logSink{}, prefix: cfg.KeyPrefix + randomHex(4) + ":"}
	b.log = slog.New(sinkHandler{sink: b.logs})
	defer func() {
		if err != nil {
			err = errors.Join(err, b.close())
		}
	}()
	appURL := cfg.AppURL
	if appURL == "" {
		fmt.Fprintln(cfg.Progress, "creating and migrating a scratch database")
		sc, err := bench.CreateScratch(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, err
		}
		b.closers = append(b.closers, func() error {
			if cfg.Keep {
				fmt.Fprintf(out, "scratch database kept: %s (drop it with: DROP DATABASE %s WITH (FORCE))\n", sc.Name, sc.Name)
				return nil
			}
			return sc.Drop(context.Background())
		})
		appURL = sc.AppURL
	}
	if b.db, err = db.Open(ctx, appURL, 25); err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	b.closers = append(b.closers, b.db.Close)
	if err := b.db.CheckRuntimeRole(ctx); err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	if b.rdb, err = tasks.NewRedis(ctx, cfg.RedisURL); err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	b.closers = append(b.closers, b.rdb.Close)
	if b.redisOpt, err = tasks.RedisOpt(cfg.RedisURL); err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	key := cfg.SecretKey
	if len(key) == 0 {
		key = make([]byte, secrets.KeySize)
		_, _ = rand.Read(key)
	}
	if b.keys, err = secrets.NewKeyring(key); err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	return b, nil
}

// close releases everything in the reverse order of opening.
func (b *base) close() error {
	var errs []error
	for i := len(b.closers) - 1; i >= 0; i-- {
		errs = append(errs, b.closers[i]())
	}
	b.closers = nil
	return errors.Join(errs...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
