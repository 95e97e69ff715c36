-- Foundation: tenants, users, credentials, authorization policy, event log.
--
-- Tables are owned by the role that runs migrations. The server connects as
-- manifold_app, which owns nothing and is subject to row-level security. Every
-- tenant-owned table has RLS enabled and forced; the tenant of a transaction is
-- set with set_config('app.tenant_id', ..., true).

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'manifold_app') THEN
        CREATE ROLE manifold_app LOGIN;
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO manifold_app;
GRANT SELECT ON goose_db_version TO manifold_app;

CREATE FUNCTION current_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION is_operator() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(current_setting('app.operator', true), '') = 'on' $$;

CREATE TABLE tenants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    event_seq   bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenants_scope ON tenants
    USING (id = current_tenant() OR is_operator());

-- A user belongs to exactly one tenant; platform operators have none.
CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id      uuid REFERENCES tenants (id),
    email          text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name           text NOT NULL DEFAULT '',
    password_hash  text NOT NULL,
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_tenant_idx ON users (tenant_id);
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_scope ON users
    USING (tenant_id = current_tenant() OR (tenant_id IS NULL AND is_operator()));
-- The table owner reads across tenants only inside the SECURITY DEFINER
-- lookups below, which authenticate a credential before any tenant is known.
CREATE POLICY users_auth_lookup ON users FOR SELECT TO CURRENT_USER USING (true);

CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid REFERENCES tenants (id),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    token_hash    bytea NOT NULL UNIQUE,
    prefix        text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    expires_at    timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id, user_id);
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY api_tokens_scope ON api_tokens
    USING (tenant_id = current_tenant() OR (tenant_id IS NULL AND is_operator()));
CREATE POLICY api_tokens_auth_lookup ON api_tokens FOR SELECT TO CURRENT_USER USING (true);

CREATE TABLE sessions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid REFERENCES tenants (id),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL UNIQUE,
    csrf_token    text NOT NULL,
    user_agent    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX sessions_tenant_idx ON sessions (tenant_id, user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_scope ON sessions
    USING (tenant_id = current_tenant() OR (tenant_id IS NULL AND is_operator()));
CREATE POLICY sessions_auth_lookup ON sessions FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY sessions_owner_purge ON sessions FOR DELETE TO CURRENT_USER USING (true);

-- +goose StatementBegin
CREATE FUNCTION auth_user_by_email(p_email text)
    RETURNS TABLE (user_id uuid, tenant_id uuid, password_hash text, disabled boolean)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT u.id, u.tenant_id, u.password_hash, u.disabled_at IS NOT NULL
    FROM users u WHERE lower(u.email) = lower(p_email)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION auth_token(p_hash bytea)
    RETURNS TABLE (token_id uuid, user_id uuid, tenant_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT t.id, t.user_id, t.tenant_id
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = p_hash
      AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now())
      AND u.disabled_at IS NULL
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION auth_session(p_hash bytea)
    RETURNS TABLE (session_id uuid, user_id uuid, tenant_id uuid, csrf_token text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT s.id, s.user_id, s.tenant_id, s.csrf_token
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = p_hash
      AND s.expires_at > now()
      AND u.disabled_at IS NULL
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION purge_expired_sessions() RETURNS bigint
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    WITH gone AS (DELETE FROM sessions WHERE expires_at <= now() RETURNING 1)
    SELECT count(*) FROM gone
$$;
-- +goose StatementEnd

REVOKE EXECUTE ON FUNCTION auth_user_by_email(text), auth_token(bytea), auth_session(bytea),
    purge_expired_sessions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_user_by_email(text), auth_token(bytea), auth_session(bytea),
    purge_expired_sessions() TO manifold_app;

-- Authorization policy (Casbin, RBAC with domains). Rows name their domain
-- (tenant:<id> or platform) in v1/v2; the enforcer loads all of them.
CREATE TABLE casbin_rule (
    id     bigserial PRIMARY KEY,
    ptype  varchar(100) NOT NULL DEFAULT '',
    v0     varchar(100) NOT NULL DEFAULT '',
    v1     varchar(100) NOT NULL DEFAULT '',
    v2     varchar(100) NOT NULL DEFAULT '',
    v3     varchar(100) NOT NULL DEFAULT '',
    v4     varchar(100) NOT NULL DEFAULT '',
    v5     varchar(100) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX idx_casbin_rule ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);

-- Realtime events: the durable log behind the event stream. seq is per tenant
-- and assigned from tenants.event_seq at the end of the producing transaction,
-- so a tenant's events commit in seq order and a client can resume after any seq.
CREATE TABLE events (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    seq         bigint NOT NULL,
    type        text NOT NULL,
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq)
);
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY events_scope ON events USING (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, users, api_tokens, sessions, casbin_rule, events
    TO manifold_app;
GRANT USAGE, SELECT ON SEQUENCE casbin_rule_id_seq TO manifold_app;

-- +goose Down
DROP TABLE events;
DROP TABLE casbin_rule;
DROP FUNCTION purge_expired_sessions();
DROP FUNCTION auth_session(bytea);
DROP FUNCTION auth_token(bytea);
DROP FUNCTION auth_user_by_email(text);
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE tenants;
DROP FUNCTION is_operator();
DROP FUNCTION current_tenant();
