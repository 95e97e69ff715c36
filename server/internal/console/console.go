// Package console serves the web console: static pages embedded in the
// binary that talk to the JSON API with the session cookie.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

//go:embed dist
var dist embed.FS

// Handler serves the console's files; an unknown path without an extension
// gets the console's index page, which routes on the client.
func Handler() fiber.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("console: embedded dist missing: " + err.Error())
	}
	files := filesystem.New(filesystem.Config{Root: http.FS(sub), Index: "index.html", NotFoundFile: "index.html"})
	return func(c *fiber.Ctx) error {
		if c.Path() == "/" {
			return c.Redirect("/console/", fiber.StatusFound)
		}
		if !strings.HasPrefix(c.Path(), "/console") {
			return c.Next()
		}
		rest := strings.TrimPrefix(c.Path(), "/console")
		if path.Ext(rest) == "" {
			rest = "/"
		}
		c.Path(rest)
		c.Set("X-Frame-Options", "DENY")
		c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
		c.Set("Referrer-Policy", "same-origin")
		return files(c)
	}
}
