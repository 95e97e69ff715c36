package domain

import "fmt"

// Role is what a user may do within their tenant.
type Role string

// Tenant roles, from most to least powerful, and the platform operator role,
// which exists outside any tenant.
const (
	RoleOwner           Role = "owner"
	RoleAdmin           Role = "admin"
	RoleWarehouse       Role = "warehouse"
	RoleCustomerService Role = "customer_service"
	RoleViewer          Role = "viewer"
	RoleOperator        Role = "operator"
)

// TenantRoles lists the roles a tenant user can hold.
var TenantRoles = []Role{RoleOwner, RoleAdmin, RoleWarehouse, RoleCustomerService, RoleViewer}

// ParseTenantRole validates a tenant role name.
func ParseTenantRole(s string) (Role, error) {
	for _, r := range TenantRoles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q: must be one of owner, admin, warehouse, customer_service, viewer", s)
}
