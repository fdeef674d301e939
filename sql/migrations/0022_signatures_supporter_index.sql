-- placard:no-transaction
-- A supporter's signatures: their privacy page, erasure, the audience of an
-- update, and the purge of supporters left with none.
CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_supporter_idx ON signatures (supporter_id);
