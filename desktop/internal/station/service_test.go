package station

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/manifold-oms/manifold/shared/client"
)

var checkedAt = time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)

// startService starts a Service that keeps its settings in a temporary
// directory and checks the server every 20ms.
func startService(t *testing.T, path string, env map[string]string) (*Service, *recorder) {
	t.Helper()
	svc := New(Config{
		SettingsPath: path,
		Interval:     20 * time.Millisecond,
		Timeout:      2 * time.Second,
		Now:          func() time.Time { return checkedAt },
		Hostname:     func() (string, error) { return "bench-3", nil },
		Getenv:       func(k string) string { return env[k] },
	})
	rec := &recorder{}
	svc.Start(t.Context(), rec)
	t.Cleanup(svc.Stop)
	return svc, rec
}

func settingsPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "manifold-station", "config.json")
}

func readSettings(t *testing.T, path string) settings {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read settings: %v", err)
	}
	var s settings
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("decode settings: %v", err)
	}
	return s
}

func writeSettings(t *testing.T, path string, s settings) {
	t.Helper()
	if err := saveSettings(path, s); err != nil {
		t.Fatal(err)
	}
}

func mustState(t *testing.T, svc *Service) ConnectionState {
	t.Helper()
	st, err := svc.State()
	if err != nil {
		t.Fatalf("State: %v", err)
	}
	return st
}

func TestLoginSignsInAndKeepsToken(t *testing.T) {
	f := newFakeServer(t)
	path := settingsPath(t)
	svc, rec := startService(t, path, nil)

	sess, err := svc.Login(f.URL+"/", "  "+testEmail+" ", testPassword)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	want := Session{ServerURL: f.URL, Email: testEmail, UserName: "Pat Packer", TenantName: "Acme Tools", TenantSlug: "acme", Role: "packer", DeviceName: "station bench-3"}
	if sess != want {
		t.Fatalf("session = %+v, want %+v", sess, want)
	}

	st := mustState(t, svc)
	if !st.SignedIn || !st.Online || st.TenantName != "Acme Tools" || st.Role != "packer" || st.Email != testEmail || st.ServerURL != f.URL || st.LastError != "" {
		t.Fatalf("state after login = %+v", st)
	}
	if st.LastCheck == nil || !st.LastCheck.Equal(checkedAt) {
		t.Fatalf("last check = %v, want %v", st.LastCheck, checkedAt)
	}
	rec.waitEvent(t, 0, "signed-in", func(s ConnectionState) bool { return s.SignedIn && s.TenantName == "Acme Tools" })

	f.mu.Lock()
	devices := append([]string(nil), f.devices...)
	f.mu.Unlock()
	if len(devices) != 1 || devices[0] != "station bench-3" {
		t.Fatalf("device names sent = %q", devices)
	}

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("settings mode = %v, want 0600", info.Mode().Perm())
	}
	saved := readSettings(t, path)
	f.mu.Lock()
	_, known := f.tokens[saved.Token]
	f.mu.Unlock()
	if !known || saved.ServerURL != f.URL || saved.Email != testEmail {
		t.Fatalf("saved settings = %+v, token known to server: %v", saved, known)
	}
}

func TestLoginWrongPasswordStaysSignedOut(t *testing.T) {
	f := newFakeServer(t)
	path := settingsPath(t)
	svc, _ := startService(t, path, nil)

	_, err := svc.Login(f.URL, testEmail, "wrong")
	if err == nil || err.Error() != msgBadCredentials {
		t.Fatalf("Login error = %v, want %q", err, msgBadCredentials)
	}
	if client.StatusOf(err) != 401 {
		t.Fatalf("cause lost: StatusOf = %d", client.StatusOf(err))
	}
	st := mustState(t, svc)
	if st.SignedIn || st.TenantName != "" {
		t.Fatalf("state after wrong password = %+v", st)
	}
	if !st.Online {
		t.Fatalf("server answered, but state is offline: %+v", st)
	}
	if saved := readSettings(t, path); saved.Token != "" {
		t.Fatalf("a token was saved after a failed sign-in: %+v", saved)
	}
	if f.tokenCount() != 0 {
		t.Fatal("server issued a token for a wrong password")
	}
}

func TestLoginRateLimitedSaysWait(t *testing.T) {
	f := newFakeServer(t)
	f.rateLimited = true
	svc, _ := startService(t, settingsPath(t), nil)

	_, err := svc.Login(f.URL, testEmail, testPassword)
	if err == nil || !strings.HasPrefix(err.Error(), msgTooMany) || !strings.Contains(err.Error(), "retry in 60 seconds") {
		t.Fatalf("Login error = %v, want the wait message with the server's message", err)
	}
	if mustState(t, svc).SignedIn {
		t.Fatal("signed in although the server refused")
	}
}

func TestLoginServerUnreachableGoesOffline(t *testing.T) {
	dead := httptest.NewServer(nil)
	url := dead.URL
	dead.Close()
	svc, rec := startService(t, settingsPath(t), nil)

	_, err := svc.Login(url, testEmail, testPassword)
	want := "cannot reach server at " + url + " (connection refused)"
	if err == nil || err.Error() != want {
		t.Fatalf("Login error = %v, want %q", err, want)
	}
	st := mustState(t, svc)
	if st.SignedIn || st.Online || st.ServerURL != url || !strings.HasPrefix(st.LastError, "cannot reach server at "+url) {
		t.Fatalf("state = %+v, want signed out and offline with the reason", st)
	}
	rec.waitEvent(t, 0, "offline", func(s ConnectionState) bool {
		return !s.Online && s.ServerURL == url && strings.HasPrefix(s.LastError, "cannot reach server")
	})
}

func TestLoginValidatesInput(t *testing.T) {
	f := newFakeServer(t)
	cases := []struct {
		name, url, email, password, want string
	}{
		{"empty server", "  ", testEmail, testPassword, "enter the server address, for example https://oms.example.com"},
		{"no scheme", "oms.acme.test:8080", testEmail, testPassword, "the server address must start with https:// or http://, for example https://oms.acme.test:8080"},
		{"other scheme", "ftp://oms.acme.test", testEmail, testPassword, "the server address must start with https:// or http://, not ftp://"},
		{"no host", "https://", testEmail, testPassword, `"https://" has no host name, for example https://oms.example.com`},
		{"space in host", "https://oms acme.test", testEmail, testPassword, `"https://oms acme.test" is not a valid server address, for example https://oms.example.com`},
		{"bad port", "http://oms.acme.test:port", testEmail, testPassword, `"http://oms.acme.test:port" is not a valid server address, for example https://oms.example.com`},
		{"user in url", "https://bob:pw@oms.acme.test", testEmail, testPassword, "leave the user name and password out of the server address"},
		{"query", "https://oms.acme.test/?x=1", testEmail, testPassword, "the server address cannot contain ? or #"},
		{"empty email", f.URL, " ", testPassword, "enter your email address"},
		{"not an email", f.URL, "packer", testPassword, `"packer" is not an email address`},
		{"empty password", f.URL, testEmail, "", "enter your password"},
	}
	svc, _ := startService(t, settingsPath(t), nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Login(tc.url, tc.email, tc.password)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Login(%q, %q, ...) error = %v, want %q", tc.url, tc.email, err, tc.want)
			}
			var stErr *Error
			if !errors.As(err, &stErr) {
				t.Fatalf("error %T is not a *station.Error", err)
			}
		})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.logins != 0 {
		t.Fatalf("invalid input reached the server %d times", f.logins)
	}
}

func TestStoredTokenRestoredOnStart(t *testing.T) {
	f := newFakeServer(t)
	secret, id := f.issue("station bench-3")
	path := settingsPath(t)
	writeSettings(t, path, settings{ServerURL: f.URL, Email: testEmail, Token: secret, TokenID: id})

	svc, rec := startService(t, path, nil)
	if st := mustState(t, svc); !st.SignedIn || st.ServerURL != f.URL {
		t.Fatalf("a stored token must sign the station in at once; state = %+v", st)
	}
	// Tenant and role come only from the server's /me, so seeing them proves the token was verified.
	rec.waitEvent(t, 0, "verified sign-in", func(s ConnectionState) bool {
		return s.SignedIn && s.Online && s.TenantName == "Acme Tools" && s.Role == "packer"
	})
	saved := readSettings(t, path)
	if saved.Token != secret || saved.Profile == nil || saved.Profile.TenantName != "Acme Tools" {
		t.Fatalf("saved settings after restore = %+v", saved)
	}
}

func TestRevokedStoredTokenSignsOut(t *testing.T) {
	f := newFakeServer(t)
	path := settingsPath(t)
	stale := Session{ServerURL: f.URL, Email: testEmail, TenantName: "Acme Tools", Role: "packer"}
	writeSettings(t, path, settings{ServerURL: f.URL, Email: testEmail, Token: "mfd_secret_revoked", TokenID: "tok_9", Profile: &stale})

	svc, rec := startService(t, path, nil)
	rec.waitEvent(t, 0, "signed-out", func(s ConnectionState) bool {
		return !s.SignedIn && s.LastError == msgTokenRefused
	})
	st := mustState(t, svc)
	if st.SignedIn || st.TenantName != "" || st.ServerURL != f.URL || !st.Online {
		t.Fatalf("state after a refused token = %+v", st)
	}
	saved := readSettings(t, path)
	if saved.Token != "" || saved.TokenID != "" || saved.Profile != nil {
		t.Fatalf("refused token still saved: %+v", saved)
	}
	if saved.ServerURL != f.URL || saved.Email != testEmail {
		t.Fatalf("server and email must stay for the next sign-in: %+v", saved)
	}
}

func TestReadinessChangesEmitConnectionEvents(t *testing.T) {
	f := newFakeServer(t)
	svc, rec := startService(t, settingsPath(t), nil)
	if _, err := svc.Login(f.URL, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	i := rec.waitEvent(t, 0, "online", func(s ConnectionState) bool { return s.SignedIn && s.Online })

	f.setReady(false)
	i = rec.waitEvent(t, i+1, "offline", func(s ConnectionState) bool { return !s.Online })
	_, events := rec.snapshot()
	off := events[i]
	if !off.SignedIn || off.TenantName != "Acme Tools" {
		t.Fatalf("going offline must keep the sign-in: %+v", off)
	}
	if want := "the server at " + f.URL + " is not ready (postgres: down)"; off.LastError != want {
		t.Fatalf("offline reason = %q, want %q", off.LastError, want)
	}

	// Further checks with the same outcome are not news.
	time.Sleep(10 * 20 * time.Millisecond)
	if _, events := rec.snapshot(); len(events) != i+1 {
		t.Fatalf("unchanged state emitted again: %+v", events[i+1:])
	}
	if st := mustState(t, svc); st.LastCheck == nil {
		t.Fatal("checks must record their time")
	}

	f.setReady(true)
	j := rec.waitEvent(t, i+1, "back online", func(s ConnectionState) bool { return s.Online })
	_, events = rec.snapshot()
	if events[j].LastError != "" || !events[j].SignedIn {
		t.Fatalf("back online state = %+v", events[j])
	}
	names, _ := rec.snapshot()
	for _, n := range names {
		if n != EventConnection {
			t.Fatalf("event name = %q, want %q", n, EventConnection)
		}
	}
}

func TestTokenRevokedWhileOfflineIsNoticedOnReconnect(t *testing.T) {
	f := newFakeServer(t)
	svc, rec := startService(t, settingsPath(t), nil)
	if _, err := svc.Login(f.URL, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	f.setReady(false)
	i := rec.waitEvent(t, 0, "offline", func(s ConnectionState) bool { return s.SignedIn && !s.Online })
	f.mu.Lock()
	clear(f.tokens)
	f.mu.Unlock()
	f.setReady(true)
	rec.waitEvent(t, i+1, "signed-out", func(s ConnectionState) bool { return !s.SignedIn && s.LastError == msgTokenRefused })
}

func TestLogoutRevokesAndForgets(t *testing.T) {
	f := newFakeServer(t)
	path := settingsPath(t)
	svc, rec := startService(t, path, nil)
	if _, err := svc.Login(f.URL, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	if err := svc.Logout(); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	st := mustState(t, svc)
	if st.SignedIn || st.Email != "" || st.ServerURL != f.URL {
		t.Fatalf("state after logout = %+v", st)
	}
	rec.waitEvent(t, 0, "signed-out", func(s ConnectionState) bool { return !s.SignedIn && s.ServerURL == f.URL })
	if f.tokenCount() != 0 {
		t.Fatal("device token still valid on the server after logout")
	}
	saved := readSettings(t, path)
	if saved.Token != "" || saved.ServerURL != f.URL || saved.Email != testEmail {
		t.Fatalf("settings after logout = %+v", saved)
	}
	if err := svc.Logout(); err != nil {
		t.Fatalf("second Logout: %v", err)
	}
}

func TestLogoutWhileOfflineStillForgets(t *testing.T) {
	f := newFakeServer(t)
	path := settingsPath(t)
	svc, rec := startService(t, path, nil)
	if _, err := svc.Login(f.URL, testEmail, testPassword); err != nil {
		t.Fatal(err)
	}
	f.Close()
	rec.waitEvent(t, 0, "offline", func(s ConnectionState) bool { return s.SignedIn && !s.Online })
	if err := svc.Logout(); err != nil {
		t.Fatalf("Logout offline: %v", err)
	}
	if st := mustState(t, svc); st.SignedIn {
		t.Fatalf("still signed in: %+v", st)
	}
	if saved := readSettings(t, path); saved.Token != "" {
		t.Fatal("token kept after an offline logout")
	}
}

func TestDefaults(t *testing.T) {
	path := settingsPath(t)
	writeSettings(t, path, settings{ServerURL: "https://saved.acme.test", Email: testEmail})

	svc, _ := startService(t, path, nil)
	d, err := svc.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	if d != (Defaults{ServerURL: "https://saved.acme.test", Email: testEmail, DeviceName: "station bench-3"}) {
		t.Fatalf("defaults = %+v", d)
	}

	svc2, _ := startService(t, path, map[string]string{"MANIFOLD_SERVER_URL": "https://env.acme.test"})
	if d, _ := svc2.Defaults(); d.ServerURL != "https://env.acme.test" {
		t.Fatalf("MANIFOLD_SERVER_URL not preferred: %+v", d)
	}
}

func TestSaveServerURLWatchesBeforeSignIn(t *testing.T) {
	f := newFakeServer(t)
	path := settingsPath(t)
	svc, rec := startService(t, path, nil)

	if _, err := svc.SaveServerURL("oms.acme.test"); err == nil {
		t.Fatal("an address without scheme was accepted")
	}
	st, err := svc.SaveServerURL(f.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if st.ServerURL != f.URL || st.SignedIn {
		t.Fatalf("state = %+v", st)
	}
	rec.waitEvent(t, 0, "online", func(s ConnectionState) bool { return s.ServerURL == f.URL && s.Online })
	if saved := readSettings(t, path); saved.ServerURL != f.URL {
		t.Fatalf("server address not saved: %+v", saved)
	}
}

func TestDamagedSettingsAskForSignIn(t *testing.T) {
	path := settingsPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	svc, _ := startService(t, path, nil)
	st := mustState(t, svc)
	if st.SignedIn || !strings.HasPrefix(st.LastError, "cannot read the saved sign-in") {
		t.Fatalf("state with damaged settings = %+v", st)
	}
}
