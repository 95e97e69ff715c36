// Package station is the logic of the packing-station app: signing the
// station in to a Manifold server, keeping that sign-in across restarts and
// watching the link to the server. Its Service is bound to the window; it
// reaches the window only through an Emitter, so it runs and is tested
// without a webview.
package station

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/manifold-oms/manifold/shared/client"
)

// Emitter sends an event to the station window.
type Emitter interface {
	Emit(event string, data any)
}

// Config holds the Service's dependencies. Zero fields take the defaults
// noted beside them.
type Config struct {
	// SettingsPath is where the server address and the device token are
	// kept; empty keeps them in memory only.
	SettingsPath string
	// Interval is the time between readiness checks of the server; default 5s.
	Interval time.Duration
	// Timeout bounds each request to the server; default 10s.
	Timeout time.Duration
	// HTTPClient carries the requests; default one with Timeout.
	HTTPClient *http.Client
	// Now tells the time of checks; default time.Now.
	Now func() time.Time
	// Hostname names the device its token is issued to; default os.Hostname.
	Hostname func() (string, error)
	// Getenv reads MANIFOLD_SERVER_URL for the sign-in defaults; default os.Getenv.
	Getenv func(string) string
}

// Service is the station's bound service. Its exported methods other than
// Start and Stop are called from the window; each returns a value and an
// error whose message is meant for the person at the station.
type Service struct {
	cfg Config

	// login serializes sign-in and sign-out, so a double tap on the
	// button cannot leave a second, orphaned device token on the server.
	login sync.Mutex

	mu       sync.Mutex
	emitter  Emitter
	state    ConnectionState
	saved    settings
	api      *client.Client // nil until a server address is known
	gen      uint64         // bumped when the server or the sign-in changes; stale checks are dropped
	verified bool           // the stored token was accepted by the server since the link last came up
	version  uint64         // bumped on every change the window should hear about
	started  bool
	stop     context.CancelFunc
	done     chan struct{}

	emitMu  sync.Mutex
	emitted uint64 // the last version emitted

	kick chan struct{}
}

// New returns a Service; nothing happens until Start.
func New(cfg Config) *Service {
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Hostname == nil {
		cfg.Hostname = os.Hostname
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	return &Service{cfg: cfg, kick: make(chan struct{}, 1)}
}

// Start loads the saved sign-in and starts watching the server until ctx
// ends or Stop is called. A stored token puts the station straight into the
// signed-in state; the first check verifies it with the server, and a token
// the server refuses is forgotten. Events go to emitter, which may be nil.
func (s *Service) Start(ctx context.Context, emitter Emitter) {
	if ctx == nil {
		return
	}
	saved, loadErr := loadSettings(s.cfg.SettingsPath)

	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return
	}
	s.started = true
	s.emitter = emitter
	if loadErr != nil {
		s.state.LastError = "cannot read the saved sign-in, sign in again (" + loadErr.Error() + ")"
	}
	s.saved = saved
	if u, err := normalizeServerURL(saved.ServerURL); err == nil {
		s.saved.ServerURL = u
		s.state.ServerURL = u
		s.api, _ = s.newClient(u, saved.Token)
		if s.api != nil && saved.Token != "" {
			p := Session{ServerURL: u, Email: saved.Email}
			if saved.Profile != nil {
				p = *saved.Profile
			}
			s.state = s.state.withSession(p)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	s.stop = cancel
	s.done = make(chan struct{})
	s.version++
	s.mu.Unlock()

	s.publish()
	go s.watch(runCtx)
}

// Stop ends the watch started by Start and waits for it to finish.
func (s *Service) Stop() {
	s.mu.Lock()
	stop, done := s.stop, s.done
	s.mu.Unlock()
	if stop == nil {
		return
	}
	stop()
	<-done
}

// State returns the station's sign-in and link to the server.
func (s *Service) State() (ConnectionState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, nil
}

// Defaults returns the values that prefill the sign-in screen.
func (s *Service) Defaults() (Defaults, error) {
	s.mu.Lock()
	d := Defaults{ServerURL: s.saved.ServerURL, Email: s.saved.Email}
	s.mu.Unlock()
	if env := s.cfg.Getenv("MANIFOLD_SERVER_URL"); env != "" {
		d.ServerURL = env
	}
	d.DeviceName = s.deviceName()
	return d, nil
}

// SaveServerURL sets the server the station talks to before anyone signs
// in, so the sign-in screen can show whether it is reachable.
func (s *Service) SaveServerURL(serverURL string) (ConnectionState, error) {
	u, err := normalizeServerURL(serverURL)
	if err != nil {
		st, _ := s.State()
		return st, err
	}
	c, err := s.newClient(u, "")
	if err != nil {
		st, _ := s.State()
		return st, err
	}
	s.mu.Lock()
	if s.state.SignedIn {
		st := s.state
		s.mu.Unlock()
		if st.ServerURL == u {
			return st, nil
		}
		return st, &Error{Message: "sign out before changing the server address"}
	}
	if s.state.ServerURL == u && s.api != nil {
		st := s.state
		s.mu.Unlock()
		return st, nil
	}
	next := s.saved
	next.ServerURL = u
	if err := saveSettings(s.cfg.SettingsPath, next); err != nil {
		st := s.state
		s.mu.Unlock()
		return st, &Error{Message: "cannot save the server address: " + err.Error(), Err: err}
	}
	s.saved = next
	s.api = c
	s.gen++
	s.setLocked(ConnectionState{ServerURL: u})
	st := s.state
	s.mu.Unlock()

	s.publish()
	s.checkSoon()
	return st, nil
}

// newClient returns a client for the server at u, authenticated with token
// when it is not empty.
func (s *Service) newClient(u, token string) (*client.Client, error) {
	opts := []client.Option{client.WithHTTPClient(s.cfg.HTTPClient)}
	if token != "" {
		opts = append(opts, client.WithToken(token))
	}
	c, err := client.New(u, opts...)
	if err != nil {
		return nil, &Error{Message: fmt.Sprintf("server address %q is not valid", u), Err: err}
	}
	return c, nil
}

// deviceName is the name the station's token is issued under.
func (s *Service) deviceName() string {
	h, err := s.cfg.Hostname()
	if err != nil || h == "" {
		return "station"
	}
	return "station " + h
}

// setLocked replaces the state, counting it as news when it differs in
// more than the time of the check. The caller holds s.mu and calls publish
// after releasing it.
func (s *Service) setLocked(next ConnectionState) {
	if !next.sameAs(s.state) {
		s.version++
	}
	s.state = next
}

// publish emits the current state if the window has not heard it yet. It
// always sends the newest state, so concurrent changes can never leave the
// window showing an older one.
func (s *Service) publish() {
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	s.mu.Lock()
	st, v, em := s.state, s.version, s.emitter
	s.mu.Unlock()
	if v == s.emitted || em == nil {
		return
	}
	s.emitted = v
	em.Emit(EventConnection, st)
}

// checkSoon asks the watch loop for a check now rather than at the next tick.
func (s *Service) checkSoon() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
