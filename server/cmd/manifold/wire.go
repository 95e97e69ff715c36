package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/manifold-oms/manifold/server/internal/authz"
	"github.com/manifold-oms/manifold/server/internal/catalog"
	"github.com/manifold-oms/manifold/server/internal/channel"
	"github.com/manifold-oms/manifold/server/internal/channel/amazon"
	"github.com/manifold-oms/manifold/server/internal/channel/ebay"
	"github.com/manifold-oms/manifold/server/internal/channel/walmart"
	"github.com/manifold-oms/manifold/server/internal/channel/woocommerce"
	"github.com/manifold-oms/manifold/server/internal/config"
	"github.com/manifold-oms/manifold/server/internal/console"
	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
	"github.com/manifold-oms/manifold/server/internal/realtime"
	"github.com/manifold-oms/manifold/server/internal/secrets"
	"github.com/manifold-oms/manifold/server/internal/shipping"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/easypost"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/fedex"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/shippo"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/ups"
	"github.com/manifold-oms/manifold/server/internal/shipping/carrier/usps"
	"github.com/manifold-oms/manifold/server/internal/shipping/label"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	"github.com/manifold-oms/manifold/server/internal/tenancy"
	"github.com/manifold-oms/manifold/server/internal/web"
)

// app holds every long-lived dependency. Only this file constructs them.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	db       *db.DB
	rdb      *redis.Client
	redisOpt asynq.RedisConnOpt
	queue    *asynq.Client
	authz    *authz.Authorizer
	notifier *authz.RedisNotifier
	ids      *identity.Service
	tenants  *tenancy.Service
	hub      *realtime.Hub
	inv      *inventory.Service
	catalog  *catalog.Service
	orders   *orders.Service
	pusher   *channel.Pusher
	accounts *channel.Accounts
	poller   *channel.Poller
	syncBack *channel.SyncBack
	shipping *shipping.Service
	closers  []func() error
}

// options tune wiring for tests.
type options struct {
	passwordParams identity.PasswordParams
	loginLimits    identity.LoginLimits
	keyPrefix      string
	// channels are the connectors stock is pushed through, by channel kind.
	channels channel.Registry
	// carriers are the shipping providers, by provider key.
	carriers shipping.Adapters
}

func defaultOptions() options {
	return options{passwordParams: identity.DefaultPasswordParams(), loginLimits: identity.DefaultLoginLimits(),
		channels: connectors(), carriers: carrierAdapters()}
}

// wire connects to PostgreSQL (as the runtime role) and Redis and builds the
// domain services. checkSchema refuses an out-of-date database.
func wire(ctx context.Context, cfg config.Config, log *slog.Logger, opt options, checkSchema bool) (_ *app, err error) {
	a := &app{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	a.db, err = db.Open(ctx, cfg.AppDatabaseURL, 25)
	if err != nil {
		return nil, fmt.Errorf("APP_DATABASE_URL: %w", err)
	}
	a.closers = append(a.closers, a.db.Close)
	if err := a.db.CheckRuntimeRole(ctx); err != nil {
		return nil, err
	}
	if checkSchema {
		if err := a.db.CheckSchema(ctx); err != nil {
			return nil, err
		}
	}
	a.rdb, err = tasks.NewRedis(ctx, cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	a.closers = append(a.closers, a.rdb.Close)
	a.redisOpt, err = tasks.RedisOpt(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	a.queue = asynq.NewClient(a.redisOpt)
	a.closers = append(a.closers, a.queue.Close)

	a.authz, err = authz.New(ctx, a.db.Unscoped(ctx), log)
	if err != nil {
		return nil, err
	}
	a.notifier = authz.NewRedisNotifier(a.rdb)
	a.authz.SetNotifier(a.notifier)
	limiter := identity.NewLoginLimiter(a.rdb, opt.loginLimits, "manifold:"+opt.keyPrefix)
	a.ids, err = identity.NewService(a.db, a.authz, limiter, opt.passwordParams, cfg.SessionTTL)
	if err != nil {
		return nil, err
	}
	a.tenants = tenancy.NewService(a.db)
	a.hub = realtime.NewHub(a.db, a.rdb, log, realtime.Options{ChannelPrefix: "manifold:" + opt.keyPrefix + "events:"})
	a.inv = inventory.NewService(a.db, a.hub, log)
	a.catalog = catalog.NewService(a.db)
	a.orders = orders.NewService(a.db, a.inv, log)
	keys, err := secrets.NewKeyring(cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("MANIFOLD_SECRET_KEY: %w", err)
	}
	a.accounts = channel.NewAccounts(a.db, keys, opt.channels, &http.Client{Timeout: 30 * time.Second})
	a.pusher = channel.NewPusher(a.db, a.queue, opt.channels, log, channel.WithAccounts(a.accounts))
	a.poller = channel.NewPoller(a.db, a.accounts, opt.channels, a.orders, a.queue, log)
	a.syncBack = channel.NewSyncBack(a.db, a.accounts, opt.channels, a.queue, log)
	a.shipping = shipping.NewService(shipping.Config{DB: a.db, Keys: keys, Adapters: opt.carriers, Orders: a.orders, PDF: label.Renderer{},
		SyncBack: shipping.SyncBackFunc(func(ctx context.Context, tenantID, orderID uuid.UUID, carrier, service, tracking string, at time.Time) error {
			_, err := a.syncBack.Record(ctx, tenantID, orderID, channel.ShipmentInfo{Carrier: carrier, Service: service, TrackingNumber: tracking, ShippedAt: at})
			return err
		}),
		HTTP: &http.Client{Timeout: 60 * time.Second}, Tokens: channel.NewMemoryTokens(), Log: log})
	a.inv.Observe(a.pusher)
	return a, nil
}

func (a *app) close() {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	if err := errors.Join(errs...); err != nil {
		a.log.Warn("closing", slog.String("err", err.Error()))
	}
}

// httpServer builds the HTTP layer and starts the background loops it needs.
func (a *app) httpServer(ctx context.Context) (*web.Server, error) {
	go a.notifier.Listen(ctx, a.authz, a.log)
	go func() {
		if err := a.hub.Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("realtime hub stopped", slog.String("err", err.Error()))
		}
	}()
	mon := tasks.NewMonitor(a.redisOpt)
	a.closers = append(a.closers, mon.Close)
	return web.New(web.Deps{
		Log:             a.log,
		DB:              a.db,
		Redis:           a.rdb,
		Authz:           a.authz,
		IDs:             a.ids,
		Identity:        identity.NewHandlers(a.ids, a.authz, a.tenants, a.cfg.CookieSecure),
		Tenants:         tenancy.NewHandlers(a.tenants),
		Jobs:            tasks.NewHandlers(mon),
		Events:          a.hub.Stream,
		Stock:           inventory.NewHandlers(a.inv),
		Catalog:         catalog.NewHandlers(a.catalog),
		Orders:          orders.NewHandlers(a.orders),
		Listings:        channel.NewHandlers(a.pusher),
		ChannelAccounts: channel.NewAccountHandlers(a.accounts, a.poller),
		Webhooks:        channel.NewWebhooks(a.poller),
		Confirmations:   channel.NewShipmentHandlers(a.syncBack),
		Shipping:        shipping.NewHandlers(a.shipping),
		Console:         console.Handler(),
		BodyLimit:       a.cfg.BodyLimit,
	})
}

// workerMux registers every task handler.
func (a *app) workerMux() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Handle(identity.TaskPurgeSessions, identity.PurgeSessionsHandler(a.ids, a.log))
	mux.Handle(orders.TaskAllocateHeld, orders.AllocateHeldHandler(a.orders, a.log))
	mux.Handle(channel.TaskPush, a.pusher.PushHandler())
	mux.Handle(channel.TaskReconcile, a.pusher.ReconcileHandler())
	mux.Handle(channel.TaskPoll, a.poller.PollHandler())
	mux.Handle(channel.TaskPollDue, a.poller.PollDueHandler())
	mux.Handle(channel.TaskWebhookOrder, channel.NewWebhooks(a.poller).OrderHandler())
	mux.Handle(channel.TaskConfirmShipment, a.syncBack.ConfirmHandler())
	mux.Handle(channel.TaskConfirmPending, a.syncBack.PendingHandler())
	mux.Handle(shipping.TaskTrack, a.shipping.TrackHandler())
	return mux
}

// periodic lists the scheduler's jobs.
func (a *app) periodic() []tasks.Periodic {
	return []tasks.Periodic{
		{Spec: "@every 10m", Task: asynq.NewTask(identity.TaskPurgeSessions, nil), Opts: []asynq.Option{asynq.Queue(tasks.QueueLow), asynq.Unique(9 * time.Minute)}},
		channel.ReconcilePeriodic(tasks.QueueCritical, 10*time.Second),
		channel.PollDuePeriodic(tasks.QueueCritical, 5*time.Second),
		channel.ConfirmPendingPeriodic(tasks.QueueDefault, 30*time.Second),
		shipping.TrackPeriodic(tasks.QueueLow, 15*time.Minute),
		{Spec: "@every 1m", Task: asynq.NewTask(orders.TaskAllocateHeld, nil), Opts: []asynq.Option{asynq.Queue(tasks.QueueDefault), asynq.Unique(50 * time.Second)}},
	}
}

// connectors is every marketplace Manifold can connect, by channel kind.
func connectors() channel.Registry {
	return channel.Registry{
		"amazon":         amazon.New(),
		ebay.Kind:        ebay.New(),
		walmart.Kind:     walmart.New(),
		woocommerce.Kind: woocommerce.New(),
	}
}

// carrierAdapters is every shipping provider Manifold can rate and buy
// labels with, by provider key.
func carrierAdapters() shipping.Adapters {
	return shipping.Adapters{
		carrier.UPSDirect:   ups.New(),
		carrier.FedExDirect: fedex.New(),
		carrier.USPSDirect:  usps.New(),
		carrier.EasyPost:    easypost.New(),
		carrier.Shippo:      shippo.New(),
	}
}
