package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// TokenPrefix marks Manifold API tokens so they are recognisable in leaks and scanners.
const TokenPrefix = "mfd_"

// newSecret returns a random URL-safe secret with the given prefix and its SHA-256 digest.
// Secrets carry 256 bits of entropy, so a plain digest is enough to store them.
func newSecret(prefix string) (secret string, digest []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("identity: random: %w", err)
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret), nil
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
