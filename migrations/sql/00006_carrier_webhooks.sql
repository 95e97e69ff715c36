-- Carrier tracking webhooks: every carrier account gets an unguessable token
-- that its webhook URL carries, deliveries already applied are remembered so
-- that a redelivery changes nothing, and the receiver can find an account's
-- tenant before any tenant is known.

-- +goose Up
ALTER TABLE carrier_accounts
    -- Carried as ?token= by the webhook URL the tenant registers with the
    -- provider (Shippo's documented way to authenticate its webhooks; for
    -- EasyPost it comes on top of the body's HMAC signature). Shown to the
    -- tenant, so not sealed; compared in constant time by the receiver.
    ADD COLUMN webhook_token text NOT NULL DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');

-- Webhook deliveries applied, to drop redeliveries: the provider's event id,
-- or a hash of the body when the provider gives none.
CREATE TABLE carrier_webhook_deliveries (
    tenant_id           uuid NOT NULL,
    carrier_account_id  uuid NOT NULL,
    delivery_id         text NOT NULL CHECK (length(delivery_id) BETWEEN 1 AND 200),
    shipment_id         uuid NOT NULL,
    tracking_number     text NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, carrier_account_id, delivery_id),
    FOREIGN KEY (tenant_id, carrier_account_id) REFERENCES carrier_accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, shipment_id) REFERENCES shipments (tenant_id, id) ON DELETE CASCADE
);
-- Old deliveries are purged by the tracking poll.
CREATE INDEX carrier_webhook_deliveries_received_idx ON carrier_webhook_deliveries (tenant_id, received_at);

ALTER TABLE carrier_webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE carrier_webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY carrier_webhook_deliveries_scope ON carrier_webhook_deliveries USING (tenant_id = current_tenant());
GRANT SELECT, INSERT, DELETE ON carrier_webhook_deliveries TO manifold_app;

-- A carrier webhook names its provider and account in the URL; the receiver
-- resolves the tenant from them before any tenant is known, then checks the
-- token and the signature inside the tenant's session. Disabled accounts are
-- found too: disabling an account stops rate shopping through it, while the
-- parcels already bought through it are still on their way and tracked.
-- +goose StatementBegin
CREATE FUNCTION carrier_webhook_account(p_account uuid, p_provider text)
    RETURNS TABLE (tenant_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT a.tenant_id FROM carrier_accounts a WHERE a.id = p_account AND a.provider = p_provider
$$;
-- +goose StatementEnd
CREATE POLICY carrier_accounts_owner_lookup ON carrier_accounts FOR SELECT TO CURRENT_USER USING (true);
REVOKE EXECUTE ON FUNCTION carrier_webhook_account(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION carrier_webhook_account(uuid, text) TO manifold_app;

-- +goose Down
DROP FUNCTION carrier_webhook_account(uuid, text);
DROP POLICY carrier_accounts_owner_lookup ON carrier_accounts;
DROP TABLE carrier_webhook_deliveries;
ALTER TABLE carrier_accounts DROP COLUMN webhook_token;
