package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/shared/api"
)

// Stream answers GET /api/v1/events: the caller's tenant's events as
// server-sent events, each framed as
//
//	id: <seq>
//	event: <type>
//	data: <api.Event as JSON>
//
// The stream resumes after the seq in the Last-Event-ID header (which
// browsers send when they reconnect) or else the after query parameter, and
// starts from the beginning without either. It ends when the client goes
// away or the hub stops.
func (h *Hub) Stream(c *fiber.Ctx) error {
	tenantID := identity.PrincipalOf(c).TenantID
	if tenantID == uuid.Nil {
		return apperr.Forbidden("the event stream belongs to a tenant; a platform operator has none")
	}
	after, err := resumePoint(c.Get("Last-Event-ID"), c.Query("after"))
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	last, err := lastSeq(ctx, h.db, tenantID)
	if err != nil {
		return apperr.Unavailable(err, "the event stream is unavailable; retry shortly")
	}
	if after > last {
		return apperr.Conflict("resume point %d is ahead of the stream, whose last event is %d; reload the state and reconnect with the seq of the newest event", after, last)
	}
	// The subscription outlives the handler: the stream writer below runs
	// after it returns and closes the subscription when done.
	sub, err := h.Subscribe(context.Background(), tenantID, after)
	if errors.Is(err, ErrStopped) {
		return apperr.Unavailable(err, "the server is shutting down; reconnect")
	}
	if err != nil {
		return err
	}

	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	// fasthttp reuses c once the handler returns; the writer uses only these.
	heartbeat, log := h.opts.Heartbeat, h.log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer sub.Close()
		writeStream(w, sub, heartbeat, log)
	})
	return nil
}

// writeStream copies events to w until the subscription ends or a flush
// fails because the client went away.
func writeStream(w *bufio.Writer, sub *Subscription, heartbeat time.Duration, log *slog.Logger) {
	// retry tells browsers how soon to reconnect; the comment gets the
	// headers to the client before the first event.
	if _, err := w.WriteString("retry: 2000\n: connected\n\n"); err != nil || w.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	events := sub.Events()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			if err := writeEvent(w, ev); err != nil {
				log.Error("realtime: encode event", slog.Int64("seq", ev.Seq), slog.Any("error", err))
				return
			}
			if len(events) > 0 {
				continue // flush once per burst
			}
		case <-tick.C:
			if _, err := w.WriteString(": keepalive\n\n"); err != nil {
				return
			}
		}
		if w.Flush() != nil {
			return
		}
	}
}

func writeEvent(w *bufio.Writer, ev api.Event) error {
	data, err := json.Marshal(ev) // compact: never spans lines
	if err != nil {
		return err
	}
	var b []byte
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, ev.Seq, 10)
	b = append(b, "\nevent: "...)
	b = append(b, ev.Type...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	_, err = w.Write(b)
	return err
}

// resumePoint reads where a stream resumes: Last-Event-ID wins over the
// after parameter, since a reconnecting browser repeats the original URL.
func resumePoint(lastEventID, after string) (int64, error) {
	if v := strings.TrimSpace(lastEventID); v != "" {
		return parseSeq("Last-Event-ID header", v)
	}
	if after != "" {
		return parseSeq("query parameter after", after)
	}
	return 0, nil
}

func parseSeq(name, raw string) (int64, error) {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Invalid("%s %q is not an event seq; send the seq of the last event seen, a whole number (0 for the beginning)", name, raw)
	}
	return n, nil
}
