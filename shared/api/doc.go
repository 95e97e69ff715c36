// Package api holds the JSON types of Manifold's public REST API and realtime
// events. It is the contract shared by the server, the typed client, the
// desktop station and integrators; it imports nothing but the standard library.
package api

// Version is the path prefix of the current API.
const Version = "/api/v1"
