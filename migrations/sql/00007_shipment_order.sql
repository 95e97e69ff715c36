-- Shipments of one order are told apart by when they were made; two made in
-- the same instant (a clock with coarse resolution, a re-rate right after a
-- rate) need a tiebreaker that follows the order of insertion.

-- +goose Up
ALTER TABLE shipments ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
DROP INDEX shipments_order_idx;
CREATE INDEX shipments_order_idx ON shipments (tenant_id, order_id, created_at, seq);

-- +goose Down
DROP INDEX shipments_order_idx;
CREATE INDEX shipments_order_idx ON shipments (tenant_id, order_id, created_at);
ALTER TABLE shipments DROP COLUMN seq;
