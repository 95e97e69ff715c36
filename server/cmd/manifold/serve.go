package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

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

// start runs the HTTP server and/or the worker until ctx ends, then shuts
// them down gracefully.
func start(ctx context.Context, io cmdIO, name string, args []string, http, worker bool) error {
	cfg, err := loadConfig(name, io, args, needAll, nil)
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
