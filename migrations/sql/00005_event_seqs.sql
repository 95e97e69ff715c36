-- Per-tenant event sequence in a table of its own. Reserving seqs updated
-- the tenant's row, which every insert referencing tenants also locks (KEY
-- SHARE through its foreign key); the mix made PostgreSQL build multixacts
-- on one hot row and slowed every event-producing transaction. Nothing
-- references this table, so its updates contend only with each other.

-- +goose Up
CREATE TABLE tenant_event_seqs (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (id),
    seq        bigint NOT NULL CHECK (seq >= 0)
);
INSERT INTO tenant_event_seqs (tenant_id, seq) SELECT id, event_seq FROM tenants WHERE event_seq > 0;
ALTER TABLE tenants DROP COLUMN event_seq;
ALTER TABLE tenant_event_seqs ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_event_seqs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_event_seqs_scope ON tenant_event_seqs USING (tenant_id = current_tenant());
GRANT SELECT, INSERT, UPDATE ON tenant_event_seqs TO manifold_app;

-- +goose Down
ALTER TABLE tenants ADD COLUMN event_seq bigint NOT NULL DEFAULT 0;
UPDATE tenants t SET event_seq = s.seq FROM tenant_event_seqs s WHERE s.tenant_id = t.id;
DROP TABLE tenant_event_seqs;
