// Command manifold-station is the packing-station app of Manifold.
package main

import (
	"context"
	"embed"
	"log/slog"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"

	"github.com/manifold-oms/manifold/desktop/internal/station"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	settingsPath, err := station.DefaultSettingsPath()
	if err != nil {
		slog.Warn("the sign-in will not be kept across restarts", slog.Any("err", err))
	}
	svc := station.New(station.Config{SettingsPath: settingsPath})

	err = wails.Run(&options.App{
		Title:            "Manifold Station",
		Width:            1024,
		Height:           700,
		MinWidth:         800,
		MinHeight:        560,
		BackgroundColour: options.NewRGB(0x10, 0x14, 0x1a),
		AssetServer:      &assetserver.Options{Assets: assets},
		OnStartup:        func(ctx context.Context) { svc.Start(ctx, runtimeEmitter{ctx: ctx}) },
		OnShutdown:       func(context.Context) { svc.Stop() },
		Bind:             []any{svc},
	})
	if err != nil {
		slog.Error("manifold-station stopped", slog.Any("err", err))
		os.Exit(1)
	}
}
