-- placard:no-transaction
-- The purge of dead tokens (sql/signatures.sql purge-dead-tokens) finds its rows by this.
CREATE INDEX CONCURRENTLY IF NOT EXISTS confirmation_tokens_expires_idx ON confirmation_tokens (expires_at);
