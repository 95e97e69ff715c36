package station

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/manifold-oms/manifold/shared/api"
	"github.com/manifold-oms/manifold/shared/client"
)

// Login signs the station in to the server at serverURL with a person's
// email and password. The server issues a token bound to this device; the
// token, not the password, is kept so the station stays signed in across
// restarts.
func (s *Service) Login(serverURL, email, password string) (Session, error) {
	u, err := normalizeServerURL(serverURL)
	if err != nil {
		return Session{}, err
	}
	email = strings.TrimSpace(email)
	if err := checkCredentials(email, password); err != nil {
		return Session{}, err
	}
	if !s.login.TryLock() {
		return Session{}, &Error{Message: msgBusy}
	}
	defer s.login.Unlock()

	if st, _ := s.State(); st.SignedIn {
		return Session{}, &Error{Message: fmt.Sprintf("already signed in as %s, sign out first", st.Email)}
	}
	c, err := s.newClient(u, "")
	if err != nil {
		return Session{}, err
	}
	// Signing in to a server makes it the station's server, so the
	// connection light on the sign-in screen tells about that server.
	if _, err := s.SaveServerURL(u); err != nil {
		return Session{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	device := s.deviceName()
	tok, err := c.DeviceLogin(ctx, email, password, device)
	if err != nil {
		s.noteSignInFailure(u, err)
		return Session{}, explainSignIn(u, err)
	}
	me, err := c.Me(ctx)
	if err != nil {
		s.revoke(c, tok.Token.ID)
		s.noteSignInFailure(u, err)
		return Session{}, explainSignIn(u, err)
	}
	p := sessionOf(u, device, me)

	s.mu.Lock()
	next := settings{ServerURL: u, Email: p.Email, Token: tok.Secret, TokenID: tok.Token.ID, Profile: &p}
	if err := saveSettings(s.cfg.SettingsPath, next); err != nil {
		s.mu.Unlock()
		s.revoke(c, tok.Token.ID)
		return Session{}, &Error{Message: "signed in, but cannot keep the sign-in on this computer: " + err.Error(), Err: err}
	}
	s.saved = next
	s.api = c
	s.gen++
	s.verified = true
	now := s.cfg.Now()
	s.setLocked(ConnectionState{ServerURL: u, Online: true, LastCheck: &now}.withSession(p))
	s.mu.Unlock()

	s.publish()
	return p, nil
}

// Logout signs the station out: the device token is revoked on the server
// when it can be reached and forgotten here in any case, so a station that
// is offline can still be signed out.
func (s *Service) Logout() error {
	s.login.Lock()
	defer s.login.Unlock()

	s.mu.Lock()
	c, tokenID, signedIn, online := s.api, s.saved.TokenID, s.state.SignedIn, s.state.Online
	s.mu.Unlock()
	if !signedIn {
		return nil
	}
	if online && c != nil {
		s.revoke(c, tokenID)
	}

	s.mu.Lock()
	next := s.saved
	next.Token, next.TokenID, next.Profile = "", "", nil
	saveErr := saveSettings(s.cfg.SettingsPath, next)
	s.saved = next
	if s.api != nil {
		s.api, _ = s.newClient(s.saved.ServerURL, "")
	}
	s.gen++
	s.verified = false
	st := s.state.signedOut()
	st.LastError = ""
	s.setLocked(st)
	s.mu.Unlock()

	s.publish()
	s.checkSoon()
	if saveErr != nil {
		return &Error{Message: "signed out, but the saved sign-in could not be removed: " + saveErr.Error(), Err: saveErr}
	}
	return nil
}

// revoke asks the server to revoke the device token the client signs in
// with (logging out with a token revokes it), best effort: a station must be
// able to forget its sign-in even when the server says no.
func (s *Service) revoke(c interface {
	Logout(context.Context) error
}, id string) {
	if id == "" {
		return
	}
	// Signing out must not keep the person waiting on a slow server.
	ctx, cancel := context.WithTimeout(context.Background(), min(s.cfg.Timeout, 3*time.Second))
	defer cancel()
	_ = c.Logout(ctx)
}

// noteSignInFailure records on the sign-in screen whether the server could
// be reached, so the connection light agrees with the error shown.
func (s *Service) noteSignInFailure(u string, err error) {
	s.mu.Lock()
	if s.state.SignedIn || s.state.ServerURL != u {
		s.mu.Unlock()
		return
	}
	st := s.state
	now := s.cfg.Now()
	st.LastCheck = &now
	var apiErr *client.Error
	if errors.As(err, &apiErr) && apiErr.Status < 500 {
		st.Online, st.LastError = true, ""
	} else {
		st.Online, st.LastError = false, explainNotReady(u, err).Error()
	}
	s.setLocked(st)
	s.mu.Unlock()
	s.publish()
}

// sessionOf builds the session shown on the station from the server's answer to /me.
func sessionOf(serverURL, device string, me api.Me) Session {
	p := Session{
		ServerURL:  serverURL,
		Email:      me.User.Email,
		UserName:   me.User.Name,
		Role:       me.Role,
		DeviceName: device,
	}
	if me.Tenant != nil {
		p.TenantName = me.Tenant.Name
		p.TenantSlug = me.Tenant.Slug
	}
	return p
}

// normalizeServerURL checks a server address typed at the station and
// returns it without a trailing slash.
func normalizeServerURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", &Error{Message: "enter the server address, for example https://oms.example.com"}
	}
	if !strings.Contains(raw, "://") {
		return "", &Error{Message: fmt.Sprintf("the server address must start with https:// or http://, for example https://%s", raw)}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", &Error{Message: fmt.Sprintf("%q is not a valid server address, for example https://oms.example.com", raw), Err: err}
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", &Error{Message: fmt.Sprintf("the server address must start with https:// or http://, not %s://", u.Scheme)}
	case u.Hostname() == "":
		return "", &Error{Message: fmt.Sprintf("%q has no host name, for example https://oms.example.com", raw)}
	case u.User != nil:
		return "", &Error{Message: "leave the user name and password out of the server address"}
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?") || strings.HasSuffix(raw, "#"):
		return "", &Error{Message: "the server address cannot contain ? or #"}
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// checkCredentials checks that an email and password were typed.
func checkCredentials(email, password string) error {
	switch {
	case email == "":
		return &Error{Message: "enter your email address"}
	case !strings.Contains(email, "@"):
		return &Error{Message: fmt.Sprintf("%q is not an email address", email)}
	case password == "":
		return &Error{Message: "enter your password"}
	}
	return nil
}
