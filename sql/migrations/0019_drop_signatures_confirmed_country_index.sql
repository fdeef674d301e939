-- placard:no-transaction
-- Superseded by signatures_counted_idx (0015), which leaves invalidated
-- signatures out: nothing reads this one any more, and every signature paid for
-- it. Dropped without blocking signing.
DROP INDEX CONCURRENTLY IF EXISTS signatures_confirmed_country_idx;
