package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/manifold-oms/manifold/shared/api"
)

// ErrStreamEnded is returned by Events when the server closes the stream,
// as it does when it shuts down; reconnect with the last seq seen.
var ErrStreamEnded = errors.New("client: event stream ended")

// maxEventSize bounds one server-sent event frame.
const maxEventSize = 16 << 20

// Events follows the realtime stream of the caller's tenant, calling fn with
// every event whose seq is greater than after, in seq order, each once.
// after 0 starts from the first event.
//
// It returns when ctx ends (ctx.Err()), when fn returns an error (that
// error), or when the stream drops (ErrStreamEnded, or the read error). The
// stream is resumable: keep the Seq of the last event fn handled and pass it
// back as after to continue exactly where it stopped:
//
//	var last int64
//	for ctx.Err() == nil {
//		err := c.Events(ctx, last, func(e api.Event) error {
//			if err := handle(e); err != nil {
//				return err
//			}
//			last = e.Seq
//			return nil
//		})
//		// log err, back off, reconnect
//	}
//
// An answer other than the stream is the usual *Error.
func (c *Client) Events(ctx context.Context, after int64, fn func(api.Event) error) error {
	if after < 0 {
		return fmt.Errorf("client: events: resume point %d is negative", after)
	}
	path := api.Version + "/events"
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Last-Event-ID", strconv.FormatInt(after, 10))

	// A stream is open for as long as it lasts: same transport and cookies,
	// no overall timeout; ctx ends it.
	stream := *c.http
	stream.Timeout = 0
	resp, err := stream.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("client: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return errorFromBody(resp, data)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "text/event-stream" {
		return fmt.Errorf("client: GET %s answered %q, not an event stream", path, resp.Header.Get("Content-Type"))
	}
	err = readEvents(resp.Body, fn)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// readEvents parses server-sent events from r and calls fn with each event's
// data decoded as an api.Event.
func readEvents(r io.Reader, fn func(api.Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventSize)
	var data []byte
	hasData := false
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			if hasData {
				var ev api.Event
				if err := json.Unmarshal(data, &ev); err != nil {
					return fmt.Errorf("client: event stream: undecodable event: %w", err)
				}
				if err := fn(ev); err != nil {
					return err
				}
			}
			data, hasData = data[:0], false
			continue
		}
		if line[0] == ':' {
			continue // comment: heartbeat
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		// id, event and retry repeat what the JSON data carries, or concern
		// browsers only.
		if string(field) == "data" {
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("client: event stream: %w", err)
	}
	return ErrStreamEnded
}
