package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/manifold-oms/manifold/server/internal/config"
	"github.com/manifold-oms/manifold/server/internal/tasks"
)

var needAll = config.Need{Database: true, Redis: true, Secret: true}

func cmdServe(ctx context.Context, io cmdIO, args []string) error {
	return start(ctx, io, "serve", args, true, false)
}

func cmdWorker(ctx context.Context, io cmdIO, args []string) error {
	return start(ctx, io, "worker", args, false, true)
}

func cmdRun(ctx context.Context, io cmdIO, args []string) error {
	return start(ctx, io, "run", args, true, true)
}

// demoFlags are the flags of `manifold run` that bring the demo to life.
type demoFlags struct {
	on      bool
	simPort int
	every   time.Duration
}

// start runs the HTTP server and/or the worker until ctx ends, then shuts
// them down gracefully.
func start(ctx context.Context, io cmdIO, name string, args []string, http, worker bool) error {
	var demo demoFlags
	cfg, err := loadConfig(name, io, args, needAll, func(fs *flag.FlagSet) {
		if http && worker {
			fs.BoolVar(&demo.on, "demo", false, "also run the marketplace simulators, connect them to the demo tenant and place a trickle of orders")
			fs.IntVar(&demo.simPort, "sim-port", 18091, "with --demo: port of the first simulator")
			fs.DurationVar(&demo.every, "demo-order-every", 45*time.Second, "with --demo: time between two simulated buyers' orders")
		}
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg, io)
	a, err := wire(ctx, cfg, log, defaultOptions(), true)
	if err != nil {
		return err
	}
	defer a.close()

	g, ctx := errgroup.WithContext(ctx)
	if http {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("MANIFOLD_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
		}
		srv, err := a.httpServer(ctx)
		if err != nil {
			return err
		}
		g.Go(func() error {
			log.Info("http server listening", slog.String("addr", ln.Addr().String()), slog.String("console", cfg.BaseURL+"/console/"))
			return srv.Serve(ln)
		})
		if demo.on {
			if err := a.startDemo(ctx, g, demo, "http://"+ln.Addr().String()); err != nil {
				return err
			}
		}
		g.Go(func() error {
			<-ctx.Done()
			log.Info("http server stopping")
			return srv.Shutdown(cfg.ShutdownGrace)
		})
	}
	if worker {
		w := tasks.NewWorker(a.redisOpt, tasks.WorkerConfig{Concurrency: cfg.Concurrency, ShutdownTimeout: cfg.ShutdownGrace, Logger: log})
		if err := w.Start(a.workerMux()); err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		sched, err := tasks.NewScheduler(a.redisOpt, log, a.periodic())
		if err != nil {
			w.Shutdown()
			return err
		}
		if err := sched.Start(); err != nil {
			w.Shutdown()
			return fmt.Errorf("scheduler: %w", err)
		}
		log.Info("worker started", slog.Int("concurrency", cfg.Concurrency))
		g.Go(func() error {
			<-ctx.Done()
			log.Info("worker stopping")
			sched.Shutdown()
			w.Shutdown()
			return nil
		})
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}
