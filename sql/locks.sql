-- Advisory locks that let one process at a time do a piece of work. The keys
-- in use are listed in src/db/locks.ts.

-- name: try-lock
-- Session-level, on the connection that does the work: held across its
-- statements, released by unlock or when the connection ends. A process that
-- does not get it skips the round.
SELECT pg_try_advisory_lock($1) AS locked;

-- name: lock
-- Session-level, waiting for it: for work that every process must see done
-- before it goes on (creating the job queues), one process at a time.
SELECT pg_advisory_lock($1);

-- name: unlock
SELECT pg_advisory_unlock($1);
