package station

import "time"

// EventConnection is the event emitted with the new ConnectionState each
// time the station's sign-in or its link to the server changes.
const EventConnection = "connection"

// Session describes who is signed in at the station, for which tenant and
// with what role.
type Session struct {
	ServerURL  string `json:"server_url"`
	Email      string `json:"email"`
	UserName   string `json:"user_name"`
	TenantName string `json:"tenant_name"`
	TenantSlug string `json:"tenant_slug"`
	Role       string `json:"role"`
	DeviceName string `json:"device_name"`
}

// ConnectionState is everything the station screen shows about its sign-in
// and its link to the server.
type ConnectionState struct {
	SignedIn   bool   `json:"signed_in"`
	ServerURL  string `json:"server_url"`
	Email      string `json:"email"`
	UserName   string `json:"user_name"`
	TenantName string `json:"tenant_name"`
	Role       string `json:"role"`
	DeviceName string `json:"device_name"`
	// Online is true when the last readiness check of the server succeeded.
	Online bool `json:"online"`
	// LastCheck is when the server was last checked; nil before the first check.
	LastCheck *time.Time `json:"last_check,omitempty"`
	// LastError says, for a person, why the station is offline or was signed out.
	LastError string `json:"last_error,omitempty"`
}

// sameAs reports whether two states differ only in when they were checked:
// a repeated check with the same outcome is not news for the screen.
func (s ConnectionState) sameAs(o ConnectionState) bool {
	s.LastCheck, o.LastCheck = nil, nil
	return s == o
}

// withSession fills the user fields of the state from a session.
func (s ConnectionState) withSession(p Session) ConnectionState {
	s.SignedIn = true
	s.Email = p.Email
	s.UserName = p.UserName
	s.TenantName = p.TenantName
	s.Role = p.Role
	s.DeviceName = p.DeviceName
	return s
}

// signedOut clears the user fields of the state, keeping the server and its link.
func (s ConnectionState) signedOut() ConnectionState {
	return ConnectionState{
		ServerURL: s.ServerURL,
		Online:    s.Online,
		LastCheck: s.LastCheck,
		LastError: s.LastError,
	}
}

// Defaults prefills the sign-in screen.
type Defaults struct {
	// ServerURL comes from MANIFOLD_SERVER_URL when set, else from the last sign-in.
	ServerURL string `json:"server_url"`
	// Email is the address of the last person who signed in at this station.
	Email string `json:"email"`
	// DeviceName is the name the station's token is issued under.
	DeviceName string `json:"device_name"`
}
