-- Shipping: the tenant's own carrier accounts, shipping settings, shipments
-- with their stored rate decision and labels, tracking events, close-out
-- manifests and the hand-off scan at the truck.

-- +goose Up
CREATE TABLE carrier_accounts (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    -- The provider key: ups_direct, usps_direct, fedex_direct, easypost, shippo.
    provider     text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_]{1,30}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    base_url     text NOT NULL DEFAULT '',
    -- AES-256-GCM under a per-tenant key, bound to (tenant, "carrier_account:<id>").
    credentials  bytea,
    key_version  integer NOT NULL DEFAULT 1,
    enabled      boolean NOT NULL DEFAULT true,
    -- Tie-break order of rate shopping: lower ranks win ties.
    preference   integer NOT NULL DEFAULT 100 CHECK (preference BETWEEN 0 AND 10000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
-- Quotes name their provider, so one enabled account per provider keeps every
-- quote traceable to the account that would buy its label.
CREATE UNIQUE INDEX carrier_accounts_one_enabled ON carrier_accounts (tenant_id, provider) WHERE enabled;

-- One row per tenant; the service supplies defaults while there is none.
CREATE TABLE shipping_settings (
    tenant_id              uuid PRIMARY KEY REFERENCES tenants (id),
    origin                 jsonb,
    time_zone              text NOT NULL DEFAULT 'UTC',
    -- Carrier pickup cut-off on the warehouse clock, HH:MM; empty for none.
    cutoff                 text NOT NULL DEFAULT '' CHECK (cutoff = '' OR cutoff ~ '^[0-2][0-9]:[0-5][0-9]$'),
    -- [{level, max_business_days, guaranteed_only}]
    promise_levels         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(promise_levels) = 'array'),
    -- [{channel_kind, service_level, promise_level}]
    service_levels         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(service_levels) = 'array'),
    default_promise_level  text NOT NULL DEFAULT '',
    -- {promise level: "provider/service"}: what the saving is measured against.
    baselines              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(baselines) = 'object'),
    -- {"provider/service": business days} for quotes without an estimate.
    service_table          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(service_table) = 'object'),
    provider_timeout_ms    integer NOT NULL DEFAULT 5000 CHECK (provider_timeout_ms BETWEEN 100 AND 120000),
    budget_ms              integer NOT NULL DEFAULT 8000 CHECK (budget_ms BETWEEN 100 AND 120000),
    possible_lost_hours    integer NOT NULL DEFAULT 24 CHECK (possible_lost_hours BETWEEN 1 AND 720),
    updated_by             text NOT NULL DEFAULT '',
    updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE manifests (
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    provider            text NOT NULL,
    carrier_account_id  uuid,
    ship_date           date NOT NULL,
    -- The provider's form or manifest number; empty when it has none.
    external_id         text NOT NULL DEFAULT '',
    tracking_numbers    text[] NOT NULL DEFAULT '{}',
    document            bytea,
    document_url        text NOT NULL DEFAULT '',
    note                text NOT NULL DEFAULT '',
    created_by          text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, carrier_account_id) REFERENCES carrier_accounts (tenant_id, id)
);
CREATE INDEX manifests_date_idx ON manifests (tenant_id, ship_date);

-- A shipment is one parcel's rate decision and, once bought, its label.
-- order_id is NULL for a quick quote.
CREATE TABLE shipments (
    tenant_id             uuid NOT NULL REFERENCES tenants (id),
    id                    uuid NOT NULL DEFAULT gen_random_uuid(),
    order_id              uuid,
    status                text NOT NULL CHECK (status IN ('quoted', 'needs_review', 'purchasing', 'labeled', 'voided',
                                                          'shipped', 'delivered', 'exception')),
    ship_from             jsonb NOT NULL,
    ship_to               jsonb NOT NULL,
    -- {weight_oz, length_in, width_in, height_in}
    parcel                jsonb NOT NULL,
    -- The tender date: the day the parcel goes to the carrier.
    ship_date             date NOT NULL,
    promise_level         text NOT NULL,
    currency              char(3) NOT NULL,
    -- Every quote, why each was excluded, the winner and the saving.
    decision              jsonb NOT NULL,
    carrier_account_id    uuid,
    provider              text NOT NULL DEFAULT '',
    carrier               text NOT NULL DEFAULT '',
    service               text NOT NULL DEFAULT '',
    service_name          text NOT NULL DEFAULT '',
    rate_id               text NOT NULL DEFAULT '',
    quoted_cents          bigint,
    cost_cents            bigint,
    baseline_cents        bigint,
    saved_cents           bigint,
    tracking_number       text NOT NULL DEFAULT '',
    provider_shipment_id  text NOT NULL DEFAULT '',
    -- The format the carrier returned; the other one is rendered or absent.
    label_format          text NOT NULL DEFAULT '' CHECK (label_format IN ('', 'zpl', 'pdf')),
    label_zpl             bytea,
    label_pdf             bytea,
    label_note            text NOT NULL DEFAULT '',
    review_reason         text NOT NULL DEFAULT '',
    purchase_error        text NOT NULL DEFAULT '',
    tracking_status       text NOT NULL DEFAULT '',
    estimated_delivery    date,
    last_tracked_at       timestamptz,
    track_error           text NOT NULL DEFAULT '',
    manifest_id           uuid,
    possible_lost_at      timestamptz,
    sync_back_at          timestamptz,
    created_by            text NOT NULL DEFAULT '',
    purchasing_at         timestamptz,
    labeled_at            timestamptz,
    accepted_at           timestamptz,
    delivered_at          timestamptz,
    voided_at             timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, carrier_account_id) REFERENCES carrier_accounts (tenant_id, id),
    FOREIGN KEY (tenant_id, manifest_id) REFERENCES manifests (tenant_id, id),
    CHECK (status NOT IN ('labeled', 'shipped', 'delivered') OR tracking_number <> '')
);
-- At most one label in flight or in use per order: a second purchase is
-- refused by the database, not only by the code.
CREATE UNIQUE INDEX shipments_one_label_per_order ON shipments (tenant_id, order_id)
    WHERE order_id IS NOT NULL AND status IN ('purchasing', 'labeled', 'shipped', 'delivered', 'exception');
CREATE INDEX shipments_order_idx ON shipments (tenant_id, order_id, created_at);
CREATE INDEX shipments_tracking_idx ON shipments (tenant_id, tracking_number) WHERE tracking_number <> '';
CREATE INDEX shipments_open_idx ON shipments (tenant_id, status, last_tracked_at) WHERE status IN ('labeled', 'shipped', 'exception');
CREATE INDEX shipments_labeled_idx ON shipments (tenant_id, labeled_at) WHERE labeled_at IS NOT NULL;

CREATE TABLE tracking_events (
    tenant_id    uuid NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    shipment_id  uuid NOT NULL,
    at           timestamptz NOT NULL,
    status       text NOT NULL,
    code         text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    location     text NOT NULL DEFAULT '',
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- A re-polled event is the same event.
    UNIQUE (tenant_id, shipment_id, at, status, code),
    FOREIGN KEY (tenant_id, shipment_id) REFERENCES shipments (tenant_id, id) ON DELETE CASCADE
);

-- A hand-off session: the parcels going on one carrier's truck on one day.
CREATE TABLE handoffs (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    carrier     text NOT NULL CHECK (carrier ~ '^[a-z][a-z0-9_]{0,30}$'),
    ship_date   date NOT NULL,
    started_by  text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL DEFAULT now(),
    closed_by   text NOT NULL DEFAULT '',
    closed_at   timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX handoffs_date_idx ON handoffs (tenant_id, ship_date);

CREATE TABLE handoff_scans (
    tenant_id        uuid NOT NULL,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    handoff_id       uuid NOT NULL,
    raw              text NOT NULL CHECK (length(raw) BETWEEN 1 AND 4096),
    tracking_number  text NOT NULL DEFAULT '',
    shipment_id      uuid,
    result           text NOT NULL CHECK (result IN ('expected', 'unexpected', 'voided', 'duplicate')),
    -- What the scanner was told, e.g. "this parcel goes with UPS, not USPS".
    message          text NOT NULL DEFAULT '',
    scanned_by       text NOT NULL DEFAULT '',
    scanned_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, handoff_id) REFERENCES handoffs (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, shipment_id) REFERENCES shipments (tenant_id, id)
);
CREATE INDEX handoff_scans_handoff_idx ON handoff_scans (tenant_id, handoff_id, id);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['carrier_accounts', 'shipping_settings', 'manifests', 'shipments', 'tracking_events',
                             'handoffs', 'handoff_scans']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = current_tenant())', t || '_scope', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO manifold_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE handoff_scans;
DROP TABLE handoffs;
DROP TABLE tracking_events;
DROP TABLE shipments;
DROP TABLE manifests;
DROP TABLE shipping_settings;
DROP TABLE carrier_accounts;
