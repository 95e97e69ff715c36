package flows

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// logSink keeps what the services and the worker report at warning level
// or above: work done after a commit or in a task reports failures only
// there, and a benchmark that hides them would flatter the product.
type logSink struct {
	mu    sync.Mutex
	count int
	first []string
}

func (s *logSink) add(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	if len(s.first) < 5 {
		s.first = append(s.first, msg)
	}
}

// report prints how many warnings were logged and the first few.
func (s *logSink) report(out io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(out, "  warnings and errors logged: %d\n", s.count)
	for _, m := range s.first {
		fmt.Fprintf(out, "    %s\n", m)
	}
}

// sinkHandler is a slog.Handler feeding a logSink.
type sinkHandler struct {
	sink  *logSink
	attrs []slog.Attr
}

func (h sinkHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h sinkHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	h.sink.add(b.String())
	return nil
}

func (h sinkHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return sinkHandler{sink: h.sink, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h sinkHandler) WithGroup(string) slog.Handler { return h }

// asynqLogger lets the worker log through slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) {}
func (l asynqLogger) Info(args ...any)  {}
func (l asynqLogger) Warn(args ...any) {
	l.log.Warn(fmt.Sprint(args...), slog.String("component", "asynq"))
}
func (l asynqLogger) Error(args ...any) {
	l.log.Error(fmt.Sprint(args...), slog.String("component", "asynq"))
}
func (l asynqLogger) Fatal(args ...any) {
	l.log.Error(fmt.Sprint(args...), slog.String("component", "asynq"))
}
