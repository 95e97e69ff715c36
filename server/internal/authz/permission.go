// Package authz decides what a role may do: Casbin RBAC with domains, where a
// domain is a tenant (tenant:<id>) or the platform, with policies in PostgreSQL.
package authz

import (
	"github.com/manifold-oms/manifold/shared/domain"
)

// Permission is an action on a kind of resource, written "object:action".
type Permission struct {
	Object string
	Action string
}

func (p Permission) String() string { return p.Object + ":" + p.Action }

// Actions.
const (
	Read  = "read"
	Write = "write"
)

// Resource kinds a tenant role can be granted. Later domains add theirs here,
// next to the roles that receive them.
const (
	ObjTenant     = "tenant"
	ObjUsers      = "users"
	ObjTokens     = "tokens"
	ObjEvents     = "events"
	ObjCatalog    = "catalog"
	ObjStock      = "stock"
	ObjAllocation = "allocation"
	ObjOrders     = "orders"
	ObjMappings   = "mappings"
	ObjPickQueue  = "pickqueue"
	ObjChannels   = "channels"
	ObjCarriers   = "carriers"
	ObjShipping   = "shipping"
	ObjExceptions = "exceptions"
	ObjReports    = "reports"
)

// Platform resource kinds, granted only in the platform domain.
const (
	ObjPlatformTenants = "platform.tenants"
	ObjPlatformJobs    = "platform.jobs"
)

// P builds a permission.
func P(object, action string) Permission { return Permission{Object: object, Action: action} }

func readWrite(objs ...string) []Permission {
	out := make([]Permission, 0, 2*len(objs))
	for _, o := range objs {
		out = append(out, P(o, Read), P(o, Write))
	}
	return out
}

func readOnly(objs ...string) []Permission {
	out := make([]Permission, 0, len(objs))
	for _, o := range objs {
		out = append(out, P(o, Read))
	}
	return out
}

func tenantObjects() []string {
	return []string{ObjTenant, ObjUsers, ObjTokens, ObjEvents, ObjCatalog, ObjStock, ObjAllocation, ObjOrders,
		ObjMappings, ObjPickQueue, ObjChannels, ObjCarriers, ObjShipping, ObjExceptions, ObjReports}
}

// RolePermissions is the built-in permission matrix. It is written to the
// policy table at start-up, so the database always holds what the code grants.
func RolePermissions() map[domain.Role][]Permission {
	all := tenantObjects()
	return map[domain.Role][]Permission{
		domain.RoleOwner: readWrite(all...),
		domain.RoleAdmin: readWrite(all...),
		domain.RoleWarehouse: append(readOnly(ObjTenant, ObjCatalog, ObjOrders, ObjEvents, ObjAllocation, ObjReports),
			readWrite(ObjStock, ObjPickQueue, ObjShipping, ObjExceptions)...),
		domain.RoleCustomerService: append(readOnly(ObjTenant, ObjCatalog, ObjStock, ObjEvents, ObjPickQueue, ObjShipping, ObjReports, ObjMappings),
			readWrite(ObjOrders, ObjExceptions)...),
		domain.RoleViewer: readOnly(ObjTenant, ObjCatalog, ObjStock, ObjAllocation, ObjOrders, ObjMappings,
			ObjPickQueue, ObjChannels, ObjCarriers, ObjShipping, ObjExceptions, ObjReports, ObjEvents),
		domain.RoleOperator: readWrite(ObjPlatformTenants, ObjPlatformJobs),
	}
}
