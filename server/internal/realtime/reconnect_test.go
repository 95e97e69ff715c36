package realtime_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/manifold-oms/manifold/server/internal/realtime"
)

// A dropped pub/sub connection loses whatever was published meanwhile; on
// resubscribing, the hub makes its subscribers read Postgres.
func TestResubscribeCatchesUpFromPostgres(t *testing.T) {
	d := env.DB(t)
	tenant := newTenant(t, d)
	opt, err := redis.ParseURL(env.RedisURL)
	must(t, err)
	name := "realtime-test-" + uuid.NewString()[:8]
	opt.ClientName = name
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })

	hub := realtime.NewHub(d, rdb, slog.New(slog.DiscardHandler), realtime.Options{
		ChannelPrefix: channelPrefix(), CheckInterval: never})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- hub.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		must(t, <-errc)
	})
	select {
	case <-hub.Ready():
	case <-time.After(waitLong):
		t.Fatal("hub did not subscribe")
	}

	sub := subscribe(t, hub, tenant, 0)
	must(t, hub.Announce(ctx, tenant, appendEvents(t, d, tenant, "order.created", n(1))...))
	wantSeqs(t, receive(t, sub, 1), 1, 1)

	// Seq 2 stands for an announcement lost while the connection was down.
	appendEvents(t, d, tenant, "order.created", n(2))
	expectNothing(t, sub, 100*time.Millisecond)
	killPubSub(t, rdb, name)
	wantSeqs(t, receive(t, sub, 1), 2, 2)
}

// killPubSub closes the server side of the named client's pub/sub connection.
func killPubSub(t *testing.T, rdb *redis.Client, name string) {
	t.Helper()
	list, err := rdb.ClientList(context.Background()).Result()
	must(t, err)
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		fields := map[string]string{}
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] == name && fields["psub"] != "" && fields["psub"] != "0" {
			must(t, rdb.Do(context.Background(), "CLIENT", "KILL", "ID", fields["id"]).Err())
			killed++
		}
	}
	if killed == 0 {
		t.Fatalf("no pub/sub connection named %s in CLIENT LIST", name)
	}
}
