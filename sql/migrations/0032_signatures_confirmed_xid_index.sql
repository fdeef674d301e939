-- placard:no-transaction
-- A digest's walk through an action's confirmed signatures in confirmation
-- order (sql/migrations/0031_letters.sql, confirmed_xid).
CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_confirmed_xid_idx ON signatures (action_id, confirmed_xid, id) WHERE confirmed_at IS NOT NULL;
