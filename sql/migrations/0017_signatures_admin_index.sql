-- placard:no-transaction
-- The admin's list of an action's signatures, newest first, a page at a time
-- from the last id seen (keyset pagination: sql/signatures.sql
-- search-signatures), and the export's cursor: each reads the action's range
-- of this index instead of sorting all its signatures.
CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_admin_idx ON signatures (action_id, id);
