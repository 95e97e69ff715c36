package main

import (
	"context"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// runtimeEmitter delivers station events to the window through the Wails
// runtime; it is the only place the station's events meet Wails.
type runtimeEmitter struct{ ctx context.Context }

// Emit sends event with data to the window's listeners.
func (e runtimeEmitter) Emit(event string, data any) { runtime.EventsEmit(e.ctx, event, data) }
