package station

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// settings is what the station keeps between runs. The token is a secret:
// the file is written with mode 0600 in a 0700 directory.
type settings struct {
	ServerURL string   `json:"server_url,omitempty"`
	Email     string   `json:"email,omitempty"`
	Token     string   `json:"token,omitempty"`
	TokenID   string   `json:"token_id,omitempty"`
	Profile   *Session `json:"profile,omitempty"`
}

// DefaultSettingsPath returns where the station keeps its settings:
// <user config dir>/manifold-station/config.json.
func DefaultSettingsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("station: find config dir: %w", err)
	}
	return filepath.Join(dir, "manifold-station", "config.json"), nil
}

// loadSettings reads the settings at path; a missing file (or an empty
// path, meaning nothing is persisted) gives empty settings.
func loadSettings(path string) (settings, error) {
	var s settings
	if path == "" {
		return s, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("station: read settings: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return settings{}, fmt.Errorf("station: settings file %s is damaged: %w", path, err)
	}
	return s, nil
}

// saveSettings replaces the settings at path atomically, so a crash midway
// never leaves a half-written token behind.
func saveSettings(path string, s settings) error {
	if path == "" {
		return nil
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("station: encode settings: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("station: create settings dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return fmt.Errorf("station: write settings: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("station: write settings: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("station: write settings: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("station: write settings: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("station: write settings: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("station: write settings: %w", err)
	}
	return nil
}
