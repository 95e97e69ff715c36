package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/manifold-oms/manifold/server/internal/config"
	"github.com/manifold-oms/manifold/server/internal/db"
)

func cmdMigrate(ctx context.Context, io cmdIO, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(io.stderr, "Usage: manifold migrate up|down|status [flags]\n\nRuns as the schema owner (DATABASE_URL), under an advisory lock.")
		return errUsage
	}
	action, rest := args[0], args[1:]
	if action != "up" && action != "down" && action != "status" {
		return fmt.Errorf("unknown action %q: use up, down or status", action)
	}
	cfg, err := loadConfig("migrate "+action, io, rest, config.Need{Database: true}, nil)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return fmt.Errorf("DATABASE_URL (the schema owner) is required for migrations")
	}
	log := newLogger(cfg, io)
	m, err := db.NewMigrator(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer m.Close()
	switch action {
	case "up":
		if err := m.Up(ctx, log); err != nil {
			return err
		}
		fmt.Fprintln(io.stdout, "database is up to date")
	case "down":
		return m.Down(ctx, log)
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(io.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
		for _, s := range st {
			state, at := "pending", ""
			if s.Applied {
				state, at = "applied", s.AppliedAt.Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(tw, "%05d\t%s\t%s\t%s\n", s.Version, state, at, s.File)
		}
		return tw.Flush()
	}
	return nil
}
