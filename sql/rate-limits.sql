-- Request counters for express-rate-limit, shared by every instance.

-- name: increment-hits
-- One statement: start a new window when the old one has ended, else add a hit.
INSERT INTO rate_limit_hits (key, hits, reset_at)
VALUES ($1, 1, now() + make_interval(secs => $2::float8 / 1000))
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN rate_limit_hits.reset_at <= now() THEN 1 ELSE rate_limit_hits.hits + 1 END,
  reset_at = CASE WHEN rate_limit_hits.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limit_hits.reset_at END
RETURNING hits, reset_at;

-- name: increment-hits-many
-- A hit in several windows at once ($1 their keys, $2 their lengths in ms), as
-- increment-hits does for one: a single statement, so one round trip and one
-- commit however many windows a request counts in (the signing route counts in
-- three). In key order, so two requests sharing keys lock them in the same order.
INSERT INTO rate_limit_hits (key, hits, reset_at)
SELECT w.key, 1, now() + make_interval(secs => w.window_ms / 1000)
FROM unnest($1::text[], $2::float8[]) AS w(key, window_ms)
ORDER BY w.key
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN rate_limit_hits.reset_at <= now() THEN 1 ELSE rate_limit_hits.hits + 1 END,
  reset_at = CASE WHEN rate_limit_hits.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limit_hits.reset_at END
RETURNING key, hits;

-- name: decrement-hits
UPDATE rate_limit_hits SET hits = greatest(hits - 1, 0) WHERE key = $1;

-- name: reset-key
DELETE FROM rate_limit_hits WHERE key = $1;

-- name: prune-expired
DELETE FROM rate_limit_hits WHERE reset_at < now();
