// Package domain holds value types and pure rules that both the server and the
// desktop station need. It has no I/O and imports only the standard library.
package domain
