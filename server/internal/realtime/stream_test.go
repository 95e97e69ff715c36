package realtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/manifold-oms/manifold/server/internal/apperr"
	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/realtime"
	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
)

type streamServer struct {
	hub    runningHub
	tenant uuid.UUID
	base   string
	client *client.Client
}

// startStream serves hub.Stream on a loopback port for one tenant's caller.
func startStream(t *testing.T) streamServer {
	t.Helper()
	d := env.DB(t)
	tenant := newTenant(t, d)
	hub := startHub(t, d, realtime.Options{CheckInterval: never, Heartbeat: 50 * time.Millisecond})

	app := fiber.New(fiber.Config{ErrorHandler: errorEnvelope, DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error {
		identity.SetPrincipal(c, identity.Principal{TenantID: tenant, UserID: uuid.New(), Method: identity.MethodToken})
		return c.Next()
	})
	app.Get(api.Version+"/events", hub.Stream)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	t.Cleanup(func() {
		hub.stop() // ends the open streams, so the server can shut down
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-served
	})

	base := "http://" + ln.Addr().String()
	c, err := client.New(base, client.WithToken("unused"))
	if err != nil {
		t.Fatal(err)
	}
	return streamServer{hub: hub, tenant: tenant, base: base, client: c}
}

// errorEnvelope maps domain errors to statuses the way the web layer does.
func errorEnvelope(c *fiber.Ctx, err error) error {
	status, code := fiber.StatusInternalServerError, api.CodeInternal
	switch apperr.KindOf(err) {
	case apperr.KindInvalid:
		status, code = fiber.StatusBadRequest, api.CodeBadRequest
	case apperr.KindForbidden:
		status, code = fiber.StatusForbidden, api.CodeForbidden
	case apperr.KindConflict:
		status, code = fiber.StatusConflict, api.CodeConflict
	case apperr.KindUnavailable:
		status, code = fiber.StatusServiceUnavailable, api.CodeUnavailable
	}
	msg := err.Error()
	if e, ok := apperr.As(err); ok {
		msg = e.Message
	}
	return c.Status(status).JSON(api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: msg}})
}

var errEnough = errors.New("enough")

// follow runs client.Events in the background, passing events on until it
// has seen the seq until.
func follow(ctx context.Context, c *client.Client, after, until int64) (<-chan api.Event, <-chan error) {
	events := make(chan api.Event, 100)
	done := make(chan error, 1)
	go func() {
		done <- c.Events(ctx, after, func(ev api.Event) error {
			events <- ev
			if ev.Seq >= until {
				return errEnough
			}
			return nil
		})
		close(events)
	}()
	return events, done
}

func collect(t *testing.T, events <-chan api.Event, n int) []api.Event {
	t.Helper()
	var out []api.Event
	deadline := time.After(waitLong)
	for len(out) < n {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream ended after %v", seqs(out))
			}
			out = append(out, ev)
		case <-deadline:
			t.Fatalf("received %v of %d events", seqs(out), n)
		}
	}
	return out
}

func waitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(waitLong):
		t.Fatal("Events did not return")
		return nil
	}
}

func TestStreamReplaysThenDeliversLive(t *testing.T) {
	s := startStream(t)
	d := env.DB(t)
	for i := 1; i <= 3; i++ {
		appendEvents(t, d, s.tenant, "order.created", n(i))
	}
	events, done := follow(context.Background(), s.client, 0, 4)
	got := collect(t, events, 3)
	wantSeqs(t, got, 1, 3)
	if got[1].Type != "order.created" || dataN(t, got[1]) != 2 || got[1].CreatedAt.IsZero() {
		t.Fatalf("seq 2 arrived as %+v", got[1])
	}

	must(t, s.hub.Announce(context.Background(), s.tenant, appendEvents(t, d, s.tenant, "stock.changed", n(4))...))
	got = collect(t, events, 1)
	if got[0].Seq != 4 || got[0].Type != "stock.changed" {
		t.Fatalf("live event arrived as %+v", got[0])
	}
	if err := waitErr(t, done); !errors.Is(err, errEnough) {
		t.Fatalf("Events returned %v, want fn's error", err)
	}
}

func TestStreamResumesAfterLastEventID(t *testing.T) {
	s := startStream(t)
	d := env.DB(t)
	for i := 1; i <= 4; i++ {
		appendEvents(t, d, s.tenant, "order.created", n(i))
	}
	// The client resumes with the Last-Event-ID header.
	events, done := follow(context.Background(), s.client, 2, 4)
	wantSeqs(t, collect(t, events, 2), 3, 4)
	if err := waitErr(t, done); !errors.Is(err, errEnough) {
		t.Fatalf("Events returned %v", err)
	}

	// Last-Event-ID wins over a stale after parameter, as when a browser
	// reconnects to the URL it first opened.
	frame := firstFrame(t, s.base+api.Version+"/events?after=0", "3")
	if !strings.HasPrefix(frame, "id: 4\nevent: order.created\ndata: {") {
		t.Fatalf("first frame after Last-Event-ID 3:\n%s", frame)
	}
}

func TestStreamFramesAndHeaders(t *testing.T) {
	s := startStream(t)
	appendEvents(t, env.DB(t), s.tenant, "order.created", n(1), n(2))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+api.Version+"/events?after=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for h, want := range map[string]string{
		"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	frame := readFrame(t, bufio.NewReader(resp.Body))
	lines := strings.Split(frame, "\n")
	if len(lines) != 3 || lines[0] != "id: 2" || lines[1] != "event: order.created" || !strings.HasPrefix(lines[2], "data: ") {
		t.Fatalf("frame:\n%s", frame)
	}
	var ev api.Event
	if err := json.Unmarshal([]byte(strings.TrimPrefix(lines[2], "data: ")), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Seq != 2 || ev.Type != "order.created" || dataN(t, ev) != 2 {
		t.Fatalf("data: %+v", ev)
	}
}

func TestStreamRejectsBadResumePoint(t *testing.T) {
	s := startStream(t)
	for _, tc := range []struct{ query, lastEventID, names string }{
		{"?after=abc", "", "after"},
		{"?after=-1", "", "after"},
		{"", "1.5", "Last-Event-ID"},
		{"?after=1", "x", "Last-Event-ID"},
	} {
		req, _ := http.NewRequest(http.MethodGet, s.base+api.Version+"/events"+tc.query, nil)
		if tc.lastEventID != "" {
			req.Header.Set("Last-Event-ID", tc.lastEventID)
		}
		resp, err := (&http.Client{Timeout: waitLong}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var env api.ErrorBody
		_ = json.Unmarshal(body, &env)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(env.Error.Message, tc.names) {
			t.Errorf("%s %q: %d %s", tc.query, tc.lastEventID, resp.StatusCode, body)
		}
	}

	// A resume point past the stream's end is refused through the client.
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	err := s.client.Events(ctx, 7, func(api.Event) error { return nil })
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || apiErr.Code != api.CodeConflict {
		t.Fatalf("resume from the future: %v", err)
	}
}

func TestStreamStopsWhenClientLeaves(t *testing.T) {
	s := startStream(t)
	ctx, cancel := context.WithCancel(context.Background())
	events, done := follow(ctx, s.client, 0, 1<<62)
	waitFor(t, func() bool { return s.hub.Subscribers() == 1 })
	cancel()
	if err := waitErr(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Events returned %v", err)
	}
	for range events {
	}
	// The next heartbeat finds the connection gone and ends the subscription.
	waitFor(t, func() bool { return s.hub.Subscribers() == 0 })
}

func TestStreamEndsWhenServerStops(t *testing.T) {
	s := startStream(t)
	events, done := follow(context.Background(), s.client, 0, 1<<62)
	waitFor(t, func() bool { return s.hub.Subscribers() == 1 })
	s.hub.stop()
	if err := waitErr(t, done); !errors.Is(err, client.ErrStreamEnded) {
		t.Fatalf("Events returned %v, want ErrStreamEnded", err)
	}
	for range events {
	}
}

// firstFrame opens the stream with a Last-Event-ID and returns its first event frame.
func firstFrame(t *testing.T, url, lastEventID string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Last-Event-ID", lastEventID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	return readFrame(t, bufio.NewReader(resp.Body))
}

// readFrame returns the next frame that is not only comments or a retry hint.
func readFrame(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var lines []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read stream: %v (so far %q)", err, lines)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && len(lines) > 0:
			return strings.Join(lines, "\n")
		case line == "", strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
		default:
			lines = append(lines, line)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
