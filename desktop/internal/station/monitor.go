package station

import (
	"context"
	"time"

	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
)

// watch checks the server now and then every Interval, or sooner when
// asked, until ctx ends.
func (s *Service) watch(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		s.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// check asks the server whether it is ready and, when the station holds a
// token the server has not accepted since the link last came up, who the
// token belongs to. A token the server refuses signs the station out.
func (s *Service) check(ctx context.Context) {
	s.mu.Lock()
	c, gen, u := s.api, s.gen, s.state.ServerURL
	verify := s.state.SignedIn && !s.verified
	s.mu.Unlock()
	if c == nil {
		return
	}

	reqCtx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	_, readyErr := c.Ready(reqCtx)
	var me api.Me
	var meErr error
	if readyErr == nil && verify {
		me, meErr = c.Me(reqCtx)
	}
	cancel()
	if ctx.Err() != nil {
		return // stopping: a check cut short says nothing about the server
	}

	s.mu.Lock()
	if gen != s.gen {
		// The server or the sign-in changed while this check ran.
		s.mu.Unlock()
		return
	}
	now := s.cfg.Now()
	st := s.state
	st.LastCheck = &now
	switch {
	case readyErr != nil:
		st.Online, st.LastError = false, explainNotReady(u, readyErr).Error()
		s.verified = false
	case verify && client.StatusOf(meErr) == 401:
		s.forgetTokenLocked()
		st = st.signedOut()
		st.Online, st.LastError = true, msgTokenRefused
	case verify && meErr != nil:
		st.Online, st.LastError = false, explainNotReady(u, meErr).Error()
	case verify:
		device := s.deviceName()
		if s.saved.Profile != nil && s.saved.Profile.DeviceName != "" {
			device = s.saved.Profile.DeviceName
		}
		p := sessionOf(u, device, me)
		s.saved.Profile, s.saved.Email = &p, p.Email
		// The profile only refreshes what the screen shows; failing to
		// save it loses nothing the next check cannot fetch again.
		_ = saveSettings(s.cfg.SettingsPath, s.saved)
		s.verified = true
		st = st.withSession(p)
		st.Online, st.LastError = true, ""
	default:
		st.Online, st.LastError = true, ""
	}
	s.setLocked(st)
	s.mu.Unlock()
	s.publish()
}

// forgetTokenLocked drops the stored token the server no longer accepts.
// The caller holds s.mu.
func (s *Service) forgetTokenLocked() {
	s.saved.Token, s.saved.TokenID, s.saved.Profile = "", "", nil
	s.gen++
	s.verified = false
	if s.api != nil {
		s.api, _ = s.newClient(s.saved.ServerURL, "")
	}
	// The server refuses the token anyway: if it cannot be removed from
	// disk, the next start only checks it once more.
	_ = saveSettings(s.cfg.SettingsPath, s.saved)
}
