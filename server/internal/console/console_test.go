package console

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func newApp() *fiber.App {
	app := fiber.New()
	app.Use(Handler())
	app.Get("/api/v1/ping", func(c *fiber.Ctx) error { return c.SendString("pong") })
	return app
}

func do(t *testing.T, app *fiber.App, method, target string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func TestHandlerRoutes(t *testing.T) {
	app := newApp()
	cases := []struct {
		target      string
		status      int
		location    string
		contentType string
		bodyHas     string
	}{
		{target: "/", status: http.StatusFound, location: "/console/"},
		{target: "/console", status: http.StatusMovedPermanently, location: "/console/"},
		{target: "/console/", status: http.StatusOK, contentType: "text/html; charset=utf-8", bodyHas: `src="/console/js/app.js"`},
		{target: "/console/tokens", status: http.StatusOK, contentType: "text/html; charset=utf-8", bodyHas: `id="app"`},
		{target: "/console/js/app.js", status: http.StatusOK, contentType: "text/javascript; charset=utf-8"},
		{target: "/console/css/console.css", status: http.StatusOK, contentType: "text/css; charset=utf-8"},
		{target: "/console/favicon.svg", status: http.StatusOK, contentType: "image/svg+xml"},
		{target: "/console/js/missing.js", status: http.StatusNotFound},
		{target: "/consoles", status: http.StatusNotFound},
		{target: "/api/v1/ping", status: http.StatusOK, bodyHas: "pong"},
	}
	for _, tc := range cases {
		res, body := do(t, app, http.MethodGet, tc.target, nil)
		if res.StatusCode != tc.status {
			t.Errorf("GET %s = %d, want %d", tc.target, res.StatusCode, tc.status)
			continue
		}
		if got := res.Header.Get("Location"); got != tc.location {
			t.Errorf("GET %s redirects to %q, want %q", tc.target, got, tc.location)
		}
		if tc.contentType != "" {
			if got := res.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("GET %s Content-Type = %q, want %q", tc.target, got, tc.contentType)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("GET %s CSP = %q", tc.target, csp)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("GET %s Cache-Control = %q, want no-cache", tc.target, got)
			}
		}
		if !strings.Contains(body, tc.bodyHas) {
			t.Errorf("GET %s body lacks %q", tc.target, tc.bodyHas)
		}
	}
}

func TestHandlerRevalidates(t *testing.T) {
	app := newApp()
	res, _ := do(t, app, http.MethodGet, "/console/js/app.js", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res, body := do(t, app, http.MethodGet, "/console/js/app.js", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation = %d with %d bytes, want 304 and no body", res.StatusCode, len(body))
	}
	res, _ = do(t, app, http.MethodGet, "/console/js/app.js", map[string]string{"If-None-Match": `"stale"`})
	if res.StatusCode != http.StatusOK {
		t.Errorf("a stale ETag got %d, want 200", res.StatusCode)
	}
	res, body = do(t, app, http.MethodHead, "/console/", nil)
	if res.StatusCode != http.StatusOK || body != "" {
		t.Errorf("HEAD /console/ = %d with %d bytes", res.StatusCode, len(body))
	}
}

// Every module import and every asset the index names must be embedded, so
// a typo shows here rather than as a blank page.
func TestEmbeddedReferencesResolve(t *testing.T) {
	files, err := load(dist, "dist")
	if err != nil {
		t.Fatal(err)
	}
	imports := regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'`)
	assets := regexp.MustCompile(`(?:src|href)="/console/([^"]+)"`)
	err = fs.WalkDir(dist, "dist", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(name, "dist/")
		text := string(files[rel].body)
		for _, m := range imports.FindAllStringSubmatch(text, -1) {
			target := path.Join(path.Dir(rel), m[1])
			if _, ok := files[target]; !ok {
				t.Errorf("%s imports %s, which is not embedded", rel, m[1])
			}
		}
		for _, m := range assets.FindAllStringSubmatch(text, -1) {
			if _, ok := files[m[1]]; !ok {
				t.Errorf("%s names /console/%s, which is not embedded", rel, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
