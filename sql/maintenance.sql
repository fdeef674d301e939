-- The lock that lets one process at a time run the maintenance round.

-- name: try-maintenance-lock
-- Session-level, on the connection that runs the round: held across its
-- statements, released by the unlock below or when the connection ends. A
-- process that does not get it skips the round. (7265303 is the count loop's.)
SELECT pg_try_advisory_lock(7265304) AS locked;

-- name: maintenance-unlock
SELECT pg_advisory_unlock(7265304);
