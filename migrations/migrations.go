// Package migrations holds Manifold's numbered SQL migrations (goose format),
// embedded so the server binary can apply them with `manifold migrate`.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sql/*.sql
var embedded embed.FS

// FS returns the migration files, named NNNNN_description.sql, at its root.
func FS() fs.FS {
	sub, err := fs.Sub(embedded, "sql")
	if err != nil {
		// The directory is embedded at build time; its absence is a build defect.
		panic("migrations: embedded sql directory missing: " + err.Error())
	}
	return sub
}

// AppRole is the database role the running server connects as. It owns no
// table and cannot bypass row-level security; migrations grant it access.
const AppRole = "manifold_app"
