-- placard:no-transaction
-- The public list of signers (sql/actions.sql list-recent-public-signers):
-- confirmed, opted in, not hidden by an organiser, not invalidated. With
-- signatures_public_idx alone, a wave of invalidated bot signatures that ticked
-- "show my name" would be read and thrown away on every view of the page.
CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_listed_idx ON signatures (action_id, confirmed_at DESC) WHERE confirmed_at IS NOT NULL AND show_name AND hidden_at IS NULL AND invalidated_at IS NULL;
