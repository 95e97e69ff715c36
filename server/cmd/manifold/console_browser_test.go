package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/manifold-oms/manifold/server/internal/identity"
	"github.com/manifold-oms/manifold/server/internal/tasks"
	"github.com/manifold-oms/manifold/shared/client"
	"github.com/manifold-oms/manifold/shared/domain"
)

// The console tests drive the embedded web console in a real headless
// Chromium against a real server, as a person would: typing, clicking,
// reloading. Elements are found by their data-testid.

// TestConsoleTenantAdmin walks a tenant admin through sign-in, reload, API
// tokens and sign-out.
func TestConsoleTenantAdmin(t *testing.T) {
	h := startServer(t, identity.LoginLimits{PerIP: 200, PerIPWindow: 5 * time.Minute, FailuresPerUser: 3, UserWindow: 15 * time.Minute})
	admin := h.newTenant(domain.RoleAdmin)
	tenant, err := h.app.tenants.Get(context.Background(), admin.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)

	t.Run("wrong password shows the server's message and stays on sign-in", func(t *testing.T) {
		b.do(t, chromedp.Navigate(h.URL+"/"), chromedp.WaitVisible(tid("login-form")))
		if got := b.location(t); got != h.URL+"/console/#/login" {
			t.Errorf("/ led to %s, want the console's sign-in page", got)
		}
		b.screenshot(t, "console-login.png")
		b.signInAttempt(t, admin.Email, "not-the-password")
		if got := b.text(t, tid("login-error")); got != "email or password is incorrect" {
			t.Errorf("login error = %q", got)
		}
		b.screenshot(t, "console-login-error.png")
		if got := b.hash(t); got != "#/login" {
			t.Errorf("after a failed sign-in the page is %q, want #/login", got)
		}
		b.absent(t, tid("app-shell"))
	})

	t.Run("too many attempts show the rate-limit message", func(t *testing.T) {
		victim := h.newUser(admin.TenantID, domain.RoleViewer)
		limited := regexp.MustCompile(`^too many sign-in attempts; try again in \d+ seconds$`)
		var got string
		for range 5 {
			b.signInAttempt(t, victim.Email, "wrong")
			if got = b.text(t, tid("login-error")); limited.MatchString(got) {
				break
			}
		}
		if !limited.MatchString(got) {
			t.Fatalf("after 5 wrong passwords the error is %q, want the rate-limit message", got)
		}
	})

	t.Run("correct credentials open the home page with tenant, email and role", func(t *testing.T) {
		b.signInAttempt(t, admin.Email, admin.Password)
		b.do(t, chromedp.WaitVisible(tid("page-home")))
		b.expectText(t, "header-tenant", tenant.Name)
		b.expectText(t, "header-user-email", admin.Email)
		b.expectText(t, "header-role", "admin")
		b.expectText(t, "home-tenant-name", tenant.Name)
		b.expectText(t, "home-user-email", admin.Email)
		b.expectText(t, "home-role", "admin")
		if got := b.hash(t); got != "#/home" {
			t.Errorf("after sign-in the page is %q, want #/home", got)
		}
		if n := b.count(t, `[data-testid="permission"]`); n == 0 {
			t.Error("the home page lists no permissions for an admin")
		}
		b.present(t, tid("nav-users"))
		b.present(t, tid("nav-tokens"))
		b.absent(t, tid("nav-jobs"))
		b.screenshot(t, "console-home.png")
	})

	t.Run("reload keeps the session", func(t *testing.T) {
		b.do(t, chromedp.Reload(), chromedp.WaitVisible(tid("page-home")))
		b.expectText(t, "header-user-email", admin.Email)
		b.absent(t, tid("login-form"))
		b.absent(t, tid("reauth-banner")) // this tab still holds its CSRF token
	})

	t.Run("users page lists the tenant's users", func(t *testing.T) {
		b.do(t, chromedp.Click(tid("nav-users")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="user-row"][data-email=%q]`, admin.Email))))
		b.screenshot(t, "console-users.png")
	})

	t.Run("an API token is created, its secret shown once, then revoked", func(t *testing.T) {
		name := "erp export " + uuid.NewString()[:6]
		row := chromedp.CSS(fmt.Sprintf(`[data-testid="token-row"][data-name=%q]`, name))
		b.do(t,
			chromedp.Click(tid("nav-tokens")),
			chromedp.WaitVisible(tid("tokens-table")),
			chromedp.SendKeys(tid("token-name"), name),
			chromedp.Click(tid("token-create")),
			chromedp.WaitVisible(tid("token-secret")),
			chromedp.WaitVisible(row),
		)
		secret := b.value(t, tid("token-secret"))
		if len(secret) < 20 {
			t.Fatalf("the token secret shown is %q", secret)
		}
		b.screenshot(t, "console-tokens.png")
		tokenClient, err := client.New(h.URL, client.WithToken(secret))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tokenClient.Me(context.Background()); err != nil {
			t.Fatalf("the secret shown does not authenticate: %v", err)
		}

		b.do(t, chromedp.Click(tid("token-secret-dismiss")), chromedp.WaitNotPresent(tid("token-secret")))
		b.do(t, chromedp.Reload(), chromedp.WaitVisible(row))
		if html := b.eval(t, `document.documentElement.outerHTML`); strings.Contains(html, secret) {
			t.Error("the token secret is on the page again after a reload")
		}

		b.do(t,
			chromedp.Click(row+` [data-testid="token-revoke"]`),
			chromedp.Click(row+` [data-testid="token-revoke-confirm"]`),
			chromedp.WaitVisible(row+` .badge-danger`),
		)
		b.expectSelText(t, row+` .badge`, "Revoked")
		b.absent(t, row+` button`)
		if _, err := tokenClient.Me(context.Background()); client.StatusOf(err) != http.StatusUnauthorized {
			t.Errorf("a revoked token still authenticates: %v", err)
		}
	})

	t.Run("a new tab shares the cookie but may not make changes", func(t *testing.T) {
		tab := b.newTab(t)
		tab.do(t, chromedp.Navigate(h.URL+"/console/#/tokens"), chromedp.WaitVisible(tid("reauth-banner")))
		tab.expectText(t, "header-user-email", admin.Email)
		tab.screenshot(t, "console-read-only-tab.png")
		tab.do(t, chromedp.SendKeys(tid("token-name"), "from a new tab"), chromedp.Click(tid("token-create")),
			chromedp.WaitVisible(tid("login-form")))
		tab.expectText(t, "login-notice", "Sign in again in this tab to make changes.")
		if got := tab.value(t, tid("login-email")); got != admin.Email {
			t.Errorf("the sign-in form is prefilled with %q, want %q", got, admin.Email)
		}
		tab.checkConsole(t)
	})

	t.Run("sign out returns to sign-in and ends the session on the server", func(t *testing.T) {
		old := b.sessionCookie(t, h.URL)
		b.do(t, chromedp.Click(tid("sign-out")), chromedp.WaitVisible(tid("login-form")))
		b.expectText(t, "login-notice", "You have signed out.")
		if got := b.hash(t); got != "#/login" {
			t.Errorf("after sign-out the page is %q, want #/login", got)
		}
		// Put the old cookie back: the server must refuse it.
		b.setSessionCookie(t, h.URL, old)
		status := b.eval(t, `fetch('/api/v1/me', {credentials: 'same-origin'}).then((r) => String(r.status))`, chromedp.EvalAwaitPromise)
		if status != "401" {
			t.Errorf("GET /api/v1/me with the signed-out cookie answered %s, want 401", status)
		}
		b.do(t, chromedp.Reload(), chromedp.WaitVisible(tid("login-form")))
	})

	b.checkConsole(t)
}

// TestConsoleOperator signs a platform operator in and uses the Jobs and
// Tenants pages.
func TestConsoleOperator(t *testing.T) {
	h := startServer(t, identity.DefaultLoginLimits())
	op := h.newUser(uuid.Nil, domain.RoleOperator)
	queue, failed := failedJob(t, h)
	b := newBrowser(t)

	b.do(t, chromedp.Navigate(h.URL+"/console/"), chromedp.WaitVisible(tid("login-form")))
	b.signInAttempt(t, op.Email, op.Password)
	b.do(t, chromedp.WaitVisible(tid("page-home")))
	b.expectText(t, "header-role", "operator")
	b.expectText(t, "header-tenant", "Platform operations")
	b.absent(t, tid("nav-tokens"))
	b.screenshot(t, "console-operator-home.png")

	t.Run("jobs page shows the queues and re-runs an archived job", func(t *testing.T) {
		b.do(t, chromedp.Click(tid("nav-jobs")), chromedp.WaitVisible(tid("jobs-queues")))
		for _, q := range []string{tasks.QueueCritical, tasks.QueueDefault, tasks.QueueLow} {
			b.present(t, chromedp.CSS(fmt.Sprintf(`[data-testid="queue-row"][data-queue=%q]`, q)))
		}
		row := chromedp.CSS(fmt.Sprintf(`[data-testid="failure-row"][data-id=%q]`, failed))
		b.do(t, chromedp.WaitVisible(row))
		b.expectSelText(t, row+` [data-testid="failure-error"]`, "console test: the carrier answered 503")
		b.screenshot(t, "console-jobs.png")

		before := b.text(t, tid("jobs-updated"))
		b.do(t, chromedp.Poll[chromedp.Void](
			fmt.Sprintf(`document.querySelector('[data-testid="jobs-updated"]').textContent !== %q`, before),
			chromedp.WithPollingInterval(250*time.Millisecond), chromedp.WithPollingTimeout(12*time.Second)))

		b.do(t, chromedp.Click(row+` [data-testid="job-run-again"]`), chromedp.WaitNotPresent(row))
		insp := asynq.NewInspector(h.app.redisOpt)
		defer insp.Close()
		info, err := insp.GetTaskInfo(queue, failed)
		if err != nil || info.State != asynq.TaskStatePending {
			t.Errorf("after Run again the job is %v (%v), want pending", info, err)
		}
	})

	t.Run("tenants page lists and creates tenants", func(t *testing.T) {
		slug := "console-" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
		b.do(t,
			chromedp.Click(tid("nav-tenants")),
			chromedp.WaitVisible(tid("tenants-table")),
			chromedp.SendKeys(tid("tenant-name"), "Console Works "+slug),
			clearField("tenant-slug"),
			chromedp.SendKeys(tid("tenant-slug"), slug),
			chromedp.Click(tid("tenant-create")),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="tenant-row"][data-slug=%q]`, slug))),
		)
		b.screenshot(t, "console-tenants.png")
		b.do(t,
			chromedp.SendKeys(tid("tenant-name"), "Again"),
			chromedp.SetValue(tid("tenant-slug"), slug),
			chromedp.Click(tid("tenant-create")),
			chromedp.WaitVisible(tid("tenant-create-error")),
		)
		if got := b.text(t, tid("tenant-create-error")); !strings.Contains(got, "already exists") {
			t.Errorf("a duplicate slug shows %q", got)
		}
	})

	t.Run("pages outside the role are not offered", func(t *testing.T) {
		b.do(t, chromedp.Evaluate[chromedp.Void](`location.hash = '#/tokens'`), chromedp.WaitVisible(tid("page-not-found")))
	})

	b.checkConsole(t)
}

// failedJob runs a job that fails on its only attempt, through a real asynq
// worker on a queue of its own, and returns the archived job's queue and id.
func failedJob(t *testing.T, h *harness) (queue, id string) {
	t.Helper()
	queue, id = "console-test-"+uuid.NewString()[:8], uuid.NewString()
	insp := asynq.NewInspector(h.app.redisOpt)
	t.Cleanup(func() {
		_ = insp.DeleteQueue(queue, true)
		_ = insp.Close()
	})
	worker := asynq.NewServer(h.app.redisOpt, asynq.Config{Queues: map[string]int{queue: 1}, Concurrency: 1, LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc("console:probe", func(context.Context, *asynq.Task) error {
		return errors.New("console test: the carrier answered 503")
	})
	if err := worker.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer worker.Shutdown()
	if _, err := h.app.queue.Enqueue(asynq.NewTask("console:probe", nil), asynq.Queue(queue), asynq.TaskID(id), asynq.MaxRetry(0)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		info, err := insp.GetTaskInfo(queue, id)
		if err == nil && info.State == asynq.TaskStateArchived {
			return queue, id
		}
		if time.Now().After(deadline) {
			t.Fatalf("the probe job was not archived: %v %v", info, err)
		}
	}
}

// tid selects elements by data-testid.
func tid(id string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`[data-testid=%q]`, id))
}

// clearField empties a form control (chromedp.Clear only resets the value attribute).
func clearField(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('[data-testid=%q]').value = ''`, id))
}

// browser is one headless Chromium tab with the helpers the tests need.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// chromiumPath finds the browser; the tests fail, never skip, without one.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the console browser tests need Chromium: install Debian's `chromium` package (`make test` installs it)")
	return ""
}

// newBrowser starts a fresh Chromium with its own profile for the test.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	)
	life, stop := context.WithTimeout(context.Background(), 3*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(life, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		stop()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b := &browser{ctx: ctx}
	b.watchConsole()
	return b
}

// newTab opens another tab of the same browser: it shares the cookies, not
// the sessionStorage.
func (b *browser) newTab(t *testing.T) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tab := &browser{ctx: ctx}
	tab.watchConsole()
	return tab
}

// watchConsole records uncaught exceptions and console errors other than
// failed requests (a 401 is an expected answer).
func (b *browser) watchConsole() {
	messages := chromedp.Console(b.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError && m.Source != "network" {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
}

// checkConsole fails the test if the page threw or logged an error, such as
// a Content-Security-Policy violation.
func (b *browser) checkConsole(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser console: %s", p)
	}
}

// do runs actions, each step bounded, and fails the test with the page's
// text when one fails.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v\npage %s shows:\n%s", err, b.locationOrErr(), b.pageText())
	}
}

func runIn[T any](t *testing.T, b *browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v\npage %s shows:\n%s", err, b.locationOrErr(), b.pageText())
	}
	return v
}

func (b *browser) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return text
}

func (b *browser) locationOrErr() string {
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown)"
	}
	return loc
}

func (b *browser) location(t *testing.T) string {
	t.Helper()
	return runIn(t, b, chromedp.Location())
}

func (b *browser) hash(t *testing.T) string {
	t.Helper()
	return b.eval(t, `location.hash`)
}

func (b *browser) eval(t *testing.T, js string, opts ...chromedp.EvaluateOption) string {
	t.Helper()
	return runIn(t, b, chromedp.Evaluate[string](js, opts...))
}

func (b *browser) text(t *testing.T, sel chromedp.CSS) string {
	t.Helper()
	return strings.TrimSpace(runIn(t, b, chromedp.TextContent(sel)))
}

func (b *browser) value(t *testing.T, sel chromedp.CSS) string {
	t.Helper()
	return runIn(t, b, chromedp.Value(sel))
}

func (b *browser) count(t *testing.T, css string) int {
	t.Helper()
	return runIn(t, b, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, css)))
}

func (b *browser) present(t *testing.T, css chromedp.CSS) {
	t.Helper()
	if b.count(t, string(css)) == 0 {
		t.Errorf("the page has no %s", css)
	}
}

func (b *browser) absent(t *testing.T, css chromedp.CSS) {
	t.Helper()
	if n := b.count(t, string(css)); n != 0 {
		t.Errorf("the page has %d of %s, want none", n, css)
	}
}

// expectText waits for the element with data-testid id and checks its text.
func (b *browser) expectText(t *testing.T, id, want string) {
	t.Helper()
	b.expectSelText(t, tid(id), want)
}

func (b *browser) expectSelText(t *testing.T, sel chromedp.CSS, want string) {
	t.Helper()
	if got := b.text(t, sel); got != want {
		t.Errorf("%s shows %q, want %q", sel, got, want)
	}
}

// signInAttempt fills the sign-in form and submits it, then waits for the
// answer: the signed-in shell, or a (fresh) error line.
func (b *browser) signInAttempt(t *testing.T, email, password string) {
	t.Helper()
	b.do(t,
		chromedp.WaitVisible(tid("login-form")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="login-error"]').textContent = ''`),
		clearField("login-email"),
		chromedp.SendKeys(tid("login-email"), email),
		clearField("login-password"),
		chromedp.SendKeys(tid("login-password"), password),
		chromedp.Click(tid("login-submit")),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid="app-shell"]') ||
			(document.querySelector('[data-testid="login-error"]') || {}).textContent`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)),
	)
}

func (b *browser) sessionCookie(t *testing.T, baseURL string) string {
	t.Helper()
	res := runIn(t, b, func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{baseURL + "/"}})
	})
	for _, c := range res.Cookies {
		if c.Name == identity.SessionCookie {
			if !c.HTTPOnly {
				t.Errorf("the session cookie is readable by scripts")
			}
			return c.Value
		}
	}
	t.Fatalf("the browser holds no %s cookie", identity.SessionCookie)
	return ""
}

func (b *browser) setSessionCookie(t *testing.T, baseURL, value string) {
	t.Helper()
	httpOnly := true
	runIn(t, b, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: identity.SessionCookie, Value: value, URL: baseURL + "/", Path: "/",
			HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteStrict,
		})
		return chromedp.Void{}, err
	})
}

// screenshot saves the viewport to $MANIFOLD_SCREENSHOT_DIR/name when set.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("MANIFOLD_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	// Let transitions and web fonts settle.
	time.Sleep(300 * time.Millisecond)
	png := runIn(t, b, chromedp.CaptureScreenshot())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
