-- Channel connections: encrypted credentials, polling state, webhook
-- deliveries and shipment confirmations sent back to channels.

-- +goose Up
ALTER TABLE channel_accounts
    ADD COLUMN base_url             text NOT NULL DEFAULT '',
    -- AES-256-GCM under a per-tenant key; the nonce leads the ciphertext and
    -- the additional data binds it to (tenant, account).
    ADD COLUMN credentials          bytea,
    ADD COLUMN key_version          integer NOT NULL DEFAULT 1,
    ADD COLUMN webhook_token        text NOT NULL DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
    ADD COLUMN poll_watermark       timestamptz,
    ADD COLUMN last_poll_at         timestamptz,
    ADD COLUMN last_poll_error      text NOT NULL DEFAULT '',
    ADD COLUMN next_poll_at         timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN orders_imported      bigint NOT NULL DEFAULT 0;
CREATE INDEX channel_accounts_poll_idx ON channel_accounts (next_poll_at) WHERE enabled AND kind <> 'manual';

-- Webhook deliveries seen, to drop duplicates.
CREATE TABLE channel_webhook_deliveries (
    tenant_id           uuid NOT NULL,
    channel_account_id  uuid NOT NULL,
    delivery_id         text NOT NULL,
    external_order_id   text NOT NULL DEFAULT '',
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, channel_account_id, delivery_id),
    FOREIGN KEY (tenant_id, channel_account_id) REFERENCES channel_accounts (tenant_id, id) ON DELETE CASCADE
);

-- Tracking sent back to the channel an order came from, retried until the
-- channel accepts it; its refusal is kept verbatim.
CREATE TABLE shipment_confirmations (
    tenant_id          uuid NOT NULL,
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    order_id           uuid NOT NULL,
    carrier            text NOT NULL,
    service            text NOT NULL DEFAULT '',
    tracking_number    text NOT NULL,
    tracking_url       text NOT NULL DEFAULT '',
    shipped_at         timestamptz NOT NULL,
    state              text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'rejected')),
    attempts           integer NOT NULL DEFAULT 0,
    last_error         text NOT NULL DEFAULT '',
    confirmed_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, order_id, tracking_number),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX shipment_confirmations_pending_idx ON shipment_confirmations (tenant_id, state) WHERE state = 'pending';

-- Acknowledgements owed to channels that require one for every new order
-- (Walmart). A row is written before the order is created and settled when
-- the channel answers, so an order committed just before a crash is still
-- acknowledged.
CREATE TABLE channel_order_acks (
    tenant_id           uuid NOT NULL,
    channel_account_id  uuid NOT NULL,
    external_order_id   text NOT NULL,
    state               text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acknowledged', 'rejected')),
    attempts            integer NOT NULL DEFAULT 0,
    last_error          text NOT NULL DEFAULT '',
    acknowledged_at     timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, channel_account_id, external_order_id),
    FOREIGN KEY (tenant_id, channel_account_id) REFERENCES channel_accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX channel_order_acks_pending_idx ON channel_order_acks (tenant_id, channel_account_id, created_at) WHERE state = 'pending';

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['channel_webhook_deliveries', 'shipment_confirmations', 'channel_order_acks']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = current_tenant())', t || '_scope', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO manifold_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- A webhook names its account in the URL; the receiver resolves the tenant
-- from the account id and its unguessable token before any tenant is known.
-- +goose StatementBegin
CREATE FUNCTION webhook_account(p_account uuid, p_token text)
    RETURNS TABLE (tenant_id uuid, kind text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT a.tenant_id, a.kind FROM channel_accounts a
    WHERE a.id = p_account AND a.webhook_token = p_token AND a.enabled
$$;
-- +goose StatementEnd
CREATE POLICY channel_accounts_owner_lookup ON channel_accounts FOR SELECT TO CURRENT_USER USING (true);

-- Accounts whose next poll is due, across tenants, for the poll scheduler.
-- +goose StatementBegin
CREATE FUNCTION due_channel_polls(p_limit integer)
    RETURNS TABLE (tenant_id uuid, account_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT a.tenant_id, a.id FROM channel_accounts a
    WHERE a.enabled AND a.kind <> 'manual' AND a.next_poll_at <= now()
    ORDER BY a.next_poll_at LIMIT p_limit
$$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION webhook_account(uuid, text), due_channel_polls(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_account(uuid, text), due_channel_polls(integer) TO manifold_app;

-- +goose Down
DROP FUNCTION due_channel_polls(integer);
DROP FUNCTION webhook_account(uuid, text);
DROP POLICY channel_accounts_owner_lookup ON channel_accounts;
DROP TABLE channel_order_acks;
DROP TABLE shipment_confirmations;
DROP TABLE channel_webhook_deliveries;
DROP INDEX channel_accounts_poll_idx;
ALTER TABLE channel_accounts
    DROP COLUMN base_url, DROP COLUMN credentials, DROP COLUMN key_version, DROP COLUMN webhook_token,
    DROP COLUMN poll_watermark, DROP COLUMN last_poll_at, DROP COLUMN last_poll_error, DROP COLUMN next_poll_at,
    DROP COLUMN orders_imported;
