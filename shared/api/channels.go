package api

import "time"

// ChannelAccount is a connection to one marketplace account. Credentials
// are never returned: only which fields are set.
type ChannelAccount struct {
	ID               string     `json:"id"`
	Kind             string     `json:"kind"`
	Name             string     `json:"name"`
	BaseURL          string     `json:"base_url,omitempty"`
	Enabled          bool       `json:"enabled"`
	CredentialFields []string   `json:"credential_fields"`
	WebhookPath      string     `json:"webhook_path,omitempty"`
	PollWatermark    *time.Time `json:"poll_watermark,omitempty"`
	LastPollAt       *time.Time `json:"last_poll_at,omitempty"`
	LastPollError    string     `json:"last_poll_error,omitempty"`
	NextPollAt       *time.Time `json:"next_poll_at,omitempty"`
	OrdersImported   int64      `json:"orders_imported"`
	CreatedAt        time.Time  `json:"created_at"`
}

// ChannelAccountList is the tenant's channel accounts.
type ChannelAccountList struct {
	Accounts []ChannelAccount `json:"accounts"`
}

// CreateChannelAccountRequest connects a marketplace account. BaseURL points
// at a sandbox, a region or a simulator; empty means the production API.
type CreateChannelAccountRequest struct {
	Kind        string            `json:"kind"`
	Name        string            `json:"name"`
	BaseURL     string            `json:"base_url,omitempty"`
	Credentials map[string]string `json:"credentials"`
}

// UpdateChannelAccountRequest changes an account; nil fields are left alone.
// Credentials, when given, replace the stored ones whole.
type UpdateChannelAccountRequest struct {
	Name        *string           `json:"name,omitempty"`
	BaseURL     *string           `json:"base_url,omitempty"`
	Enabled     *bool             `json:"enabled,omitempty"`
	Credentials map[string]string `json:"credentials,omitempty"`
}

// ConnectionTest is the result of testing an account's connection.
type ConnectionTest struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// PollResult reports a poll of one account.
type PollResult struct {
	Fetched   int       `json:"fetched"`
	Created   int       `json:"created"`
	Cancelled int       `json:"cancelled"`
	Watermark time.Time `json:"watermark"`
}
