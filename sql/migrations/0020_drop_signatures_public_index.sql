-- placard:no-transaction
-- Superseded by signatures_listed_idx (0016), which leaves hidden and
-- invalidated signatures out of the public list. Dropped without blocking signing.
DROP INDEX CONCURRENTLY IF EXISTS signatures_public_idx;
