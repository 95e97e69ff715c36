// Package identity owns users, passwords, console sessions and API tokens: who
// a caller is and which tenant their credential binds them to.
package identity
