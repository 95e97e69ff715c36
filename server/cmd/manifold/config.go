package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/manifold-oms/manifold/server/internal/config"
)

// errUsage means the flags were wrong and the flag package already said so.
var errUsage = errors.New("usage")

// loadConfig parses the shared settings plus a command's own flags.
func loadConfig(name string, io cmdIO, args []string, need config.Need, extra func(fs *flag.FlagSet)) (config.Config, error) {
	fs := flag.NewFlagSet("manifold "+name, flag.ContinueOnError)
	fs.SetOutput(io.stderr)
	if extra != nil {
		extra(fs)
	}
	cfg, err := config.Load(fs, args, io.getenv, need)
	if errors.Is(err, flag.ErrHelp) {
		return cfg, errUsage
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), "flag provided") || strings.Contains(err.Error(), "invalid value") {
			return cfg, errUsage
		}
		return cfg, fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, nil
}

func newLogger(cfg config.Config, io cmdIO) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(io.stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(io.stderr, opts))
}
