package secrets

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/uuid"
)

func TestSealOpenBindsTenantAndOwner(t *testing.T) {
	key, err := ParseMasterKey(GenerateMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	k, _ := NewKeyring(key)
	tenant, other := uuid.New(), uuid.New()
	creds := map[string]string{"client_secret": "s3cr3t-value"}
	sealed, err := k.Seal(tenant, "channel_account:a", creds)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("s3cr3t-value")) {
		t.Fatal("ciphertext contains the secret")
	}
	var got map[string]string
	if err := k.Open(tenant, "channel_account:a", sealed, &got); err != nil || got["client_secret"] != "s3cr3t-value" {
		t.Fatalf("open: %v %v", got, err)
	}
	if err := k.Open(other, "channel_account:a", sealed, &got); !errors.Is(err, ErrTampered) {
		t.Fatalf("opened under another tenant: %v", err)
	}
	if err := k.Open(tenant, "channel_account:b", sealed, &got); !errors.Is(err, ErrTampered) {
		t.Fatalf("opened for another account: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if err := k.Open(tenant, "channel_account:a", sealed, &got); !errors.Is(err, ErrTampered) {
		t.Fatalf("opened a tampered ciphertext: %v", err)
	}
	otherKey, _ := ParseMasterKey(GenerateMasterKey())
	k2, _ := NewKeyring(otherKey)
	sealed2, _ := k.Seal(tenant, "x", creds)
	if err := k2.Open(tenant, "x", sealed2, &got); !errors.Is(err, ErrTampered) {
		t.Fatalf("opened under another master key: %v", err)
	}
}

func TestParseMasterKey(t *testing.T) {
	for _, bad := range []string{"", "not base64!!", "c2hvcnQ="} {
		if _, err := ParseMasterKey(bad); err == nil {
			t.Errorf("ParseMasterKey(%q) accepted", bad)
		}
	}
}
