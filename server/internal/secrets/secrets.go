// Package secrets seals channel and carrier credentials at rest: AES-256-GCM
// under a key derived per tenant from the instance's master key, with
// additional data binding each ciphertext to its tenant and owner, so a row
// copied to another tenant or account cannot be opened.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// KeySize is the master key's length in bytes.
const KeySize = 32

// Keyring derives per-tenant keys from the master key.
type Keyring struct {
	master []byte
}

// ParseMasterKey decodes a base64 (standard or URL) 32-byte key.
func ParseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("the key is %d bytes; it must be %d (generate one with `manifold key generate`)", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("the key is not base64 (generate one with `manifold key generate`)")
}

// GenerateMasterKey returns a new random master key, base64-encoded.
func GenerateMasterKey() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// NewKeyring returns a keyring over a 32-byte master key.
func NewKeyring(master []byte) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("secrets: master key must be %d bytes", KeySize)
	}
	return &Keyring{master: append([]byte(nil), master...)}, nil
}

func (k *Keyring) aead(tenantID uuid.UUID) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, k.master, nil, "manifold credentials v1 tenant:"+tenantID.String(), KeySize)
	if err != nil {
		return nil, fmt.Errorf("secrets: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func additional(tenantID uuid.UUID, owner string) []byte {
	return []byte("tenant:" + tenantID.String() + "|" + owner)
}

// Seal encrypts v (encoded as JSON) for the tenant and owner (e.g.
// "channel_account:<id>"). The nonce leads the result.
func (k *Keyring) Seal(tenantID uuid.UUID, owner string, v any) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("secrets: encode: %w", err)
	}
	aead, err := k.aead(tenantID)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, additional(tenantID, owner)), nil
}

// ErrTampered means a ciphertext does not open for this tenant and owner:
// corrupted, moved, or sealed under another master key.
var ErrTampered = errors.New("secrets: credentials do not decrypt for this tenant and owner")

// Open decrypts what Seal produced into v.
func (k *Keyring) Open(tenantID uuid.UUID, owner string, sealed []byte, v any) error {
	aead, err := k.aead(tenantID)
	if err != nil {
		return err
	}
	if len(sealed) < aead.NonceSize() {
		return ErrTampered
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], additional(tenantID, owner))
	if err != nil {
		return ErrTampered
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("secrets: decode: %w", err)
	}
	return nil
}
