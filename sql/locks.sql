-- Advisory locks that let one process at a time do a piece of work. The keys
-- in use: 7265301 migrations (src/db/migrate.ts), 7265302 the test template
-- (test/helpers/db.ts), 7265303 the count loop (actions.sql try-count-lock),
-- 7265304 the purge of stale signatures, 7265305 the pruning of rate limits.

-- name: try-lock
-- Session-level, on the connection that does the work: held across its
-- statements, released by unlock or when the connection ends. A process that
-- does not get it skips the round.
SELECT pg_try_advisory_lock($1) AS locked;

-- name: unlock
SELECT pg_advisory_unlock($1);
