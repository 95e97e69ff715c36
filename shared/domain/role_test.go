package domain

import "testing"

func TestParseTenantRole(t *testing.T) {
	for _, r := range TenantRoles {
		got, err := ParseTenantRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseTenantRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, bad := range []string{"", "operator", "Owner", "root"} {
		if _, err := ParseTenantRole(bad); err == nil {
			t.Errorf("ParseTenantRole(%q) accepted an invalid role", bad)
		}
	}
}
