package authz

import (
	"context"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// policyChannel is the Redis pub/sub channel announcing policy changes.
const policyChannel = "manifold:authz:policy"

// RedisNotifier announces policy changes to every replica through Redis
// pub/sub and reloads the local Authorizer when another replica announces one.
type RedisNotifier struct {
	rdb *redis.Client
}

// NewRedisNotifier returns a notifier on rdb.
func NewRedisNotifier(rdb *redis.Client) *RedisNotifier { return &RedisNotifier{rdb: rdb} }

// Update publishes a change notice.
func (n *RedisNotifier) Update() error {
	return n.rdb.Publish(context.Background(), policyChannel, "reload").Err()
}

// Listen reloads a on every change notice until ctx ends.
func (n *RedisNotifier) Listen(ctx context.Context, a *Authorizer, log *slog.Logger) {
	sub := n.rdb.Subscribe(ctx, policyChannel)
	defer sub.Close()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ch:
			if !ok {
				return
			}
			if err := a.Reload(); err != nil {
				log.Error("authz: reload after notice", slog.String("err", err.Error()))
			}
		}
	}
}
