package bench

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/manifold-oms/manifold/server/internal/db"
	"github.com/manifold-oms/manifold/server/internal/inventory"
	"github.com/manifold-oms/manifold/server/internal/orders"
)

// stack is the real stock and order services over one connection pool, wired
// as the server wires them except that committed events are not announced
// (they are still written, in the same transactions). The benchmark builds
// its own because it runs against a database it created a moment ago.
type stack struct {
	db     *db.DB
	inv    *inventory.Service
	orders *orders.Service
	errs   *errorSink
}

func newStack(d *db.DB) *stack {
	errs := &errorSink{}
	log := slog.New(errorHandler{sink: errs})
	inv := inventory.NewService(d, nil, log)
	return &stack{db: d, inv: inv, orders: orders.NewService(d, inv, log), errs: errs}
}

// openStack connects to url as the runtime role with a pool of conns and
// wires the services over it; close releases the pool.
func openStack(ctx context.Context, url string, conns int) (st *stack, close func(), err error) {
	d, err := db.Open(ctx, url, conns)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	if err := d.CheckRuntimeRole(ctx); err != nil {
		d.Close()
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	return newStack(d), func() { d.Close() }, nil
}

// errorSink collects what the services log at error level: work they do
// after a commit (allocating held orders) reports failures only there.
type errorSink struct {
	mu    sync.Mutex
	count int
	first []string
	// canceled counts errors that only say the context ended, which an
	// interrupted run causes.
	canceled int
}

// snapshot returns the number of errors logged and the first few; errors of
// a canceled context count only when the run was not interrupted.
func (s *errorSink) snapshot(interrupted bool) (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := append([]string(nil), s.first...)
	if interrupted {
		return s.count - s.canceled, first
	}
	if s.canceled > 0 {
		first = append(first, fmt.Sprintf("%d error(s) logged: %v", s.canceled, context.Canceled))
	}
	return s.count, first
}

// errorHandler is a slog.Handler that records error records in a sink and
// drops everything else.
type errorHandler struct {
	sink  *errorSink
	attrs []slog.Attr
}

func (h errorHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h errorHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	msg := b.String()
	h.sink.mu.Lock()
	h.sink.count++
	if strings.Contains(msg, context.Canceled.Error()) {
		h.sink.canceled++
	} else if len(h.sink.first) < 5 {
		h.sink.first = append(h.sink.first, msg)
	}
	h.sink.mu.Unlock()
	return nil
}

func (h errorHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return errorHandler{sink: h.sink, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h errorHandler) WithGroup(string) slog.Handler { return h }
