-- placard:no-transaction
-- The purge of stale pending signatures (sql/signatures.sql
-- purge-stale-pending-signatures) finds its rows by this, not by a scan.
CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_pending_idx ON signatures (last_notice_at) WHERE confirmed_at IS NULL;
