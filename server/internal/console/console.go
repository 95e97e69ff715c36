// Package console serves the web console: static pages embedded in the
// binary that talk to the JSON API with the session cookie.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

//go:embed dist
var dist embed.FS

// prefix is where the console lives; everything else belongs to the API or
// to later handlers.
const prefix = "/console/"

// contentSecurityPolicy allows only the console's own files: no inline
// scripts or styles, no framing, API calls to the same origin only.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// file is one embedded file, ready to send.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the console's files under /console/ and redirects / there.
// An unknown path without an extension gets the index page, which routes on
// the client; an unknown path with one is a 404. Requests elsewhere go on to
// the next handler.
//
// File names carry no content hash, so every response says no-cache: the
// browser keeps its copy and revalidates it with the ETag, getting a 304 when
// the binary (and so the file) has not changed.
func Handler() fiber.Handler {
	files, err := load(dist, "dist")
	if err != nil {
		panic("console: " + err.Error())
	}
	index, ok := files["index.html"]
	if !ok {
		panic("console: embedded dist has no index.html")
	}
	return func(c *fiber.Ctx) error {
		p := c.Path()
		switch {
		case p == "/":
			return c.Redirect(prefix, fiber.StatusFound)
		case p == strings.TrimSuffix(prefix, "/"):
			return c.Redirect(prefix, fiber.StatusMovedPermanently)
		case !strings.HasPrefix(p, prefix):
			return c.Next()
		}
		name := strings.TrimPrefix(p, prefix)
		f, ok := files[name]
		if !ok {
			if path.Ext(name) != "" {
				return fiber.NewError(fiber.StatusNotFound, "no console file "+name)
			}
			f = index
		}
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderXFrameOptions, "DENY")
		c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
		c.Set(fiber.HeaderReferrerPolicy, "same-origin")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderETag, f.etag)
		if matches(c.Get(fiber.HeaderIfNoneMatch), f.etag) {
			return c.SendStatus(fiber.StatusNotModified)
		}
		c.Set(fiber.HeaderContentType, f.contentType)
		return c.Send(f.body)
	}
}

// load reads every file under root into memory, keyed by its path below root.
func load(fsys fs.FS, root string) (map[string]file, error) {
	files := map[string]file{}
	err := fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		files[strings.TrimPrefix(name, root+"/")] = file{
			body:        body,
			contentType: contentTypeOf(name),
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read embedded files: %w", err)
	}
	return files, nil
}

// contentTypeOf pins the types of the console's files so that they do not
// depend on the host's mime database.
func contentTypeOf(name string) string {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".json":
		return "application/json"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

// matches reports whether an If-None-Match header names etag.
func matches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}
