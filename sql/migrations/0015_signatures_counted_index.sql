-- placard:no-transaction
-- Counting (sql/actions.sql update-stale-counts) reads only confirmed signatures
-- that are not invalidated, by country, from this index alone (an index-only
-- scan). signatures_confirmed_country_idx no longer matches that query once it
-- excludes invalidated signatures.
CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_counted_idx ON signatures (action_id, country) WHERE confirmed_at IS NOT NULL AND invalidated_at IS NULL;
