-- placard:no-transaction
-- The dashboard's confirmation rate counts an action's signatures made in the
-- last days, confirmed or not (sql/dashboard.sql, confirmation-rate). No index
-- had them by creation: the query read every signature of the action (a
-- million, for a big petition) on each view of its overview. With confirmed_at
-- included, the count comes from the index alone. Built concurrently, so
-- signing goes on while it builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_created_idx ON signatures (action_id, created_at) INCLUDE (confirmed_at);
