package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	gormadapter "github.com/casbin/gorm-adapter/v3"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/manifold-oms/manifold/shared/domain"
)

// PlatformDomain is the domain of platform operators, outside every tenant.
const PlatformDomain = "platform"

const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && (p.dom == "*" || p.dom == r.dom) && r.obj == p.obj && r.act == p.act
`

// TenantDomain names a tenant's Casbin domain.
func TenantDomain(tenantID uuid.UUID) string { return "tenant:" + tenantID.String() }

// DomainOf returns the Casbin domain of a tenant id, or the platform domain for uuid.Nil.
func DomainOf(tenantID uuid.UUID) string {
	if tenantID == uuid.Nil {
		return PlatformDomain
	}
	return TenantDomain(tenantID)
}

func userSubject(id uuid.UUID) string      { return "user:" + id.String() }
func roleSubject(r domain.Role) string     { return "role:" + string(r) }
func roleFromSubject(s string) domain.Role { return domain.Role(strings.TrimPrefix(s, "role:")) }

// Notifier tells other replicas that the policy changed (a Casbin watcher).
type Notifier interface {
	Update() error
}

// Authorizer answers permission questions from an in-memory copy of the
// policy table, kept fresh across replicas by a Notifier.
type Authorizer struct {
	e        *casbin.SyncedEnforcer
	notifier Notifier
	log      *slog.Logger
}

// New loads the policy from the database (a handle without tenant scope: the
// policy table is instance-wide) and writes the built-in role matrix into it.
func New(ctx context.Context, g *gorm.DB, log *slog.Logger) (*Authorizer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("authz: model: %w", err)
	}
	// The adapter keeps the handle for its lifetime, so it must not inherit a
	// context that ends.
	g = g.WithContext(context.WithoutCancel(ctx))
	gormadapter.TurnOffAutoMigrate(g)
	adapter, err := gormadapter.NewAdapterByDBWithCustomTable(g, &gormadapter.CasbinRule{}, "casbin_rule")
	if err != nil {
		return nil, fmt.Errorf("authz: adapter: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, adapter)
	if err != nil {
		return nil, fmt.Errorf("authz: enforcer: %w", err)
	}
	a := &Authorizer{e: e, log: log}
	if err := a.syncRoleMatrix(); err != nil {
		return nil, err
	}
	return a, nil
}

// SetNotifier installs the cross-replica notifier; its callback should call Reload.
func (a *Authorizer) SetNotifier(n Notifier) { a.notifier = n }

// Reload re-reads the whole policy from the database.
func (a *Authorizer) Reload() error {
	if err := a.e.LoadPolicy(); err != nil {
		return fmt.Errorf("authz: reload: %w", err)
	}
	return nil
}

// syncRoleMatrix makes the stored role policies equal the built-in matrix.
func (a *Authorizer) syncRoleMatrix() error {
	want := map[string][]string{}
	for role, perms := range RolePermissions() {
		dom := "*"
		if role == domain.RoleOperator {
			dom = PlatformDomain
		}
		for _, p := range perms {
			rule := []string{roleSubject(role), dom, p.Object, p.Action}
			want[strings.Join(rule, "\x00")] = rule
		}
	}
	have, err := a.e.GetPolicy()
	if err != nil {
		return fmt.Errorf("authz: read policy: %w", err)
	}
	var stale [][]string
	for _, rule := range have {
		key := strings.Join(rule, "\x00")
		if _, ok := want[key]; ok {
			delete(want, key)
		} else if strings.HasPrefix(rule[0], "role:") {
			stale = append(stale, rule)
		}
	}
	if len(stale) > 0 {
		if _, err := a.e.RemovePolicies(stale); err != nil {
			return fmt.Errorf("authz: remove stale policies: %w", err)
		}
	}
	if len(want) > 0 {
		missing := make([][]string, 0, len(want))
		for _, r := range want {
			missing = append(missing, r)
		}
		// Another replica starting at the same moment may insert the same
		// rows; on a conflict, reload and take what it wrote.
		if _, err := a.e.AddPoliciesEx(missing); err != nil {
			if rerr := a.Reload(); rerr != nil {
				return errors.Join(err, rerr)
			}
		}
	}
	return nil
}

// Allowed reports whether the user, acting in the tenant (uuid.Nil: the
// platform), holds the permission.
func (a *Authorizer) Allowed(userID, tenantID uuid.UUID, p Permission) bool {
	ok, err := a.e.Enforce(userSubject(userID), DomainOf(tenantID), p.Object, p.Action)
	if err != nil {
		a.log.Error("authz: enforce failed", slog.String("err", err.Error()))
		return false
	}
	return ok
}

// RoleOf returns the user's role in the tenant (uuid.Nil: the platform), or "" if none.
func (a *Authorizer) RoleOf(userID, tenantID uuid.UUID) domain.Role {
	roles := a.e.GetRolesForUserInDomain(userSubject(userID), DomainOf(tenantID))
	if len(roles) == 0 {
		return ""
	}
	return roleFromSubject(roles[0])
}

// PermissionsOf lists a role's permissions as sorted "object:action" strings.
func PermissionsOf(r domain.Role) []string {
	perms := RolePermissions()[r]
	out := make([]string, 0, len(perms))
	for _, p := range perms {
		out = append(out, p.String())
	}
	sort.Strings(out)
	return out
}

// GrantTx records, inside the caller's transaction, that the user holds
// exactly this role in the tenant (uuid.Nil: the platform). Call Committed
// after the transaction commits so this and every other replica see it.
func GrantTx(tx *gorm.DB, userID, tenantID uuid.UUID, role domain.Role) error {
	dom := DomainOf(tenantID)
	if err := tx.Exec(`DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = ? AND v2 = ?`, userSubject(userID), dom).Error; err != nil {
		return fmt.Errorf("authz: clear roles: %w", err)
	}
	if err := tx.Exec(`INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', ?, ?, ?)`,
		userSubject(userID), roleSubject(role), dom).Error; err != nil {
		return fmt.Errorf("authz: grant role: %w", err)
	}
	return nil
}

// Committed reloads the policy after a committed change and notifies the
// other replicas.
func (a *Authorizer) Committed() error {
	if err := a.Reload(); err != nil {
		return err
	}
	if a.notifier != nil {
		if err := a.notifier.Update(); err != nil {
			a.log.Warn("authz: notify replicas", slog.String("err", err.Error()))
		}
	}
	return nil
}
