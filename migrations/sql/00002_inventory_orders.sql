-- Catalog, stock, allocation, orders and channel listings.
--
-- Tenant tables are keyed by (tenant_id, id) and reference each other with
-- the tenant in the key, so a row can never point into another tenant and the
-- schema can be distributed by tenant_id.

-- +goose Up
CREATE TABLE channel_accounts (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,30}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
-- Manual and phone orders enter through one built-in account per tenant.
CREATE UNIQUE INDEX channel_accounts_one_manual ON channel_accounts (tenant_id) WHERE kind = 'manual';

CREATE TABLE products (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    sku            text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    bin_location   text NOT NULL DEFAULT '' CHECK (length(bin_location) <= 64),
    weight_oz      numeric(10, 2) CHECK (weight_oz > 0),
    length_in      numeric(8, 2) CHECK (length_in > 0),
    width_in       numeric(8, 2) CHECK (width_in > 0),
    height_in      numeric(8, 2) CHECK (height_in > 0),
    reorder_point  integer NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, sku)
);

CREATE TABLE product_barcodes (
    tenant_id   uuid NOT NULL,
    code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    kind        text NOT NULL CHECK (kind IN ('gtin8', 'gtin12', 'gtin13', 'gtin14', 'custom')),
    product_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, code),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX product_barcodes_product_idx ON product_barcodes (tenant_id, product_id);

-- Stock per product. Available is on_hand - allocated; the CHECK makes an
-- oversell impossible whatever the code does. version increases with every
-- change and lets channel pushes tell a stale quantity from a current one.
CREATE TABLE stock_levels (
    tenant_id   uuid NOT NULL,
    product_id  uuid NOT NULL,
    on_hand     integer NOT NULL DEFAULT 0,
    allocated   integer NOT NULL DEFAULT 0,
    version     bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, product_id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT stock_never_oversold CHECK (allocated >= 0 AND on_hand >= allocated)
);

-- Every stock change, with who made it and why. Replaying the deltas of a
-- product gives its current on_hand and allocated.
CREATE TABLE stock_ledger (
    tenant_id        uuid NOT NULL,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    product_id       uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('receipt', 'adjustment', 'allocation', 'release', 'shipment')),
    on_hand_delta    integer NOT NULL,
    allocated_delta  integer NOT NULL,
    on_hand_after    integer NOT NULL,
    allocated_after  integer NOT NULL,
    version          bigint NOT NULL,
    order_id         uuid,
    order_line_id    uuid,
    actor            text NOT NULL,
    reason           text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX stock_ledger_product_idx ON stock_ledger (tenant_id, product_id, id);

CREATE SEQUENCE order_number_seq START 1001;

CREATE TABLE orders (
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    number              bigint NOT NULL DEFAULT nextval('order_number_seq') UNIQUE,
    channel_account_id  uuid NOT NULL,
    external_id         text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 128),
    status              text NOT NULL CHECK (status IN ('NEW', 'ALLOCATED', 'PICKING', 'PACKED', 'LABELED',
                                                        'SHIPPED', 'DELIVERED', 'ON_HOLD', 'CANCELLED')),
    hold_reason         text CHECK (hold_reason IN ('unmapped', 'short')),
    hold_detail         text NOT NULL DEFAULT '',
    customer_name       text NOT NULL DEFAULT '',
    customer_email      text NOT NULL DEFAULT '',
    ship_to             jsonb NOT NULL,
    service_level       text NOT NULL DEFAULT '',
    ship_by             timestamptz,
    placed_at           timestamptz NOT NULL,
    buyer_notes         text NOT NULL DEFAULT '',
    currency            char(3) NOT NULL,
    total_cents         bigint NOT NULL CHECK (total_cents >= 0),
    claimed_by          uuid,
    claimed_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- One channel order is one order, however often it is seen.
    CONSTRAINT orders_external_key UNIQUE (tenant_id, channel_account_id, external_id),
    FOREIGN KEY (tenant_id, channel_account_id) REFERENCES channel_accounts (tenant_id, id),
    CHECK ((status = 'ON_HOLD') = (hold_reason IS NOT NULL))
);
CREATE INDEX orders_status_idx ON orders (tenant_id, status, created_at);
CREATE INDEX orders_queue_idx ON orders (tenant_id, ship_by, created_at) WHERE status IN ('ALLOCATED', 'PICKING');

CREATE TABLE order_lines (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    order_id          uuid NOT NULL,
    line_no           integer NOT NULL CHECK (line_no > 0),
    channel_sku       text NOT NULL CHECK (length(channel_sku) BETWEEN 1 AND 128),
    channel_line_id   text NOT NULL DEFAULT '',
    title             text NOT NULL DEFAULT '',
    product_id        uuid,
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_price_cents  bigint NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, order_id, line_no),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);
CREATE INDEX order_lines_product_idx ON order_lines (tenant_id, product_id);
CREATE INDEX order_lines_unmapped_idx ON order_lines (tenant_id, channel_sku) WHERE product_id IS NULL;

-- At most one allocation per order line, ever: a retried allocation finds
-- the row and does nothing.
CREATE TABLE allocations (
    tenant_id      uuid NOT NULL,
    order_line_id  uuid NOT NULL,
    order_id       uuid NOT NULL,
    product_id     uuid NOT NULL,
    quantity       integer NOT NULL CHECK (quantity > 0),
    allocated_at   timestamptz NOT NULL DEFAULT now(),
    released_at    timestamptz,
    shipped_at     timestamptz,
    PRIMARY KEY (tenant_id, order_line_id),
    FOREIGN KEY (tenant_id, order_line_id) REFERENCES order_lines (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id),
    CHECK (released_at IS NULL OR shipped_at IS NULL)
);
CREATE INDEX allocations_open_idx ON allocations (tenant_id, product_id) WHERE released_at IS NULL AND shipped_at IS NULL;
CREATE INDEX allocations_order_idx ON allocations (tenant_id, order_id);

CREATE TABLE order_transitions (
    tenant_id    uuid NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    order_id     uuid NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    actor        text NOT NULL,
    reason       text NOT NULL DEFAULT '',
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX order_transitions_order_idx ON order_transitions (tenant_id, order_id, id);

-- A channel listing maps a channel account's SKU to a catalog product and
-- records the stock push state: what should show, what was last sent, at
-- which stock version, and the last error.
CREATE TABLE channel_listings (
    tenant_id            uuid NOT NULL,
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    channel_account_id   uuid NOT NULL,
    channel_sku          text NOT NULL CHECK (length(channel_sku) BETWEEN 1 AND 128),
    external_listing_id  text NOT NULL DEFAULT '',
    product_id           uuid NOT NULL,
    desired_qty          integer,
    desired_reason       text NOT NULL DEFAULT '',
    pushed_qty           integer,
    pushed_version       bigint NOT NULL DEFAULT -1,
    pushed_at            timestamptz,
    push_attempts        integer NOT NULL DEFAULT 0,
    last_error           text NOT NULL DEFAULT '',
    last_error_at        timestamptz,
    readback_qty         integer,
    readback_at          timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT channel_listings_sku_key UNIQUE (tenant_id, channel_account_id, channel_sku),
    FOREIGN KEY (tenant_id, channel_account_id) REFERENCES channel_accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX channel_listings_product_idx ON channel_listings (tenant_id, product_id);
CREATE INDEX channel_listings_account_idx ON channel_listings (tenant_id, channel_account_id);

-- Allocation policy: one tenant default (product_id NULL) and per-product
-- overrides. channel_rules holds per-channel-account buffers or allotments.
CREATE TABLE allocation_policies (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    product_id       uuid,
    strategy         text NOT NULL CHECK (strategy IN ('shared_pool', 'allotments')),
    safety_units     integer NOT NULL DEFAULT 0 CHECK (safety_units >= 0),
    safety_percent   numeric(5, 2) NOT NULL DEFAULT 0 CHECK (safety_percent >= 0 AND safety_percent <= 100),
    reserve_units    integer NOT NULL DEFAULT 0 CHECK (reserve_units >= 0),
    reserve_percent  numeric(5, 2) NOT NULL DEFAULT 0 CHECK (reserve_percent >= 0 AND reserve_percent <= 100),
    channel_rules    jsonb NOT NULL DEFAULT '{}',
    updated_by       text NOT NULL DEFAULT '',
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX allocation_policies_default_key ON allocation_policies (tenant_id) WHERE product_id IS NULL;
CREATE UNIQUE INDEX allocation_policies_product_key ON allocation_policies (tenant_id, product_id) WHERE product_id IS NOT NULL;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['channel_accounts', 'products', 'product_barcodes', 'stock_levels', 'stock_ledger',
                             'orders', 'order_lines', 'allocations', 'order_transitions', 'channel_listings',
                             'allocation_policies']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = current_tenant())', t || '_scope', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO manifold_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
GRANT USAGE ON SEQUENCE order_number_seq TO manifold_app;

-- The reconciler and intake scheduler visit every tenant; listing tenant ids
-- is all they may do across tenants.
-- +goose StatementBegin
CREATE FUNCTION tenant_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT id FROM tenants ORDER BY id $$;
-- +goose StatementEnd
CREATE POLICY tenants_owner_list ON tenants FOR SELECT TO CURRENT_USER USING (true);
REVOKE EXECUTE ON FUNCTION tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_ids() TO manifold_app;

-- +goose Down
DROP POLICY tenants_owner_list ON tenants;
DROP FUNCTION tenant_ids();
DROP TABLE allocation_policies;
DROP TABLE channel_listings;
DROP TABLE order_transitions;
DROP TABLE allocations;
DROP TABLE order_lines;
DROP TABLE orders;
DROP SEQUENCE order_number_seq;
DROP TABLE stock_ledger;
DROP TABLE stock_levels;
DROP TABLE product_barcodes;
DROP TABLE products;
DROP TABLE channel_accounts;
