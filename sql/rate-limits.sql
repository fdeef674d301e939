-- Request counters for express-rate-limit, shared by every instance.

-- name: increment-hits
-- One statement: start a new window when the old one has ended, else add a hit.
INSERT INTO rate_limit_hits (key, hits, reset_at)
VALUES ($1, 1, now() + make_interval(secs => $2::float8 / 1000))
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN rate_limit_hits.reset_at <= now() THEN 1 ELSE rate_limit_hits.hits + 1 END,
  reset_at = CASE WHEN rate_limit_hits.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limit_hits.reset_at END
RETURNING hits, reset_at;

-- name: decrement-hits
UPDATE rate_limit_hits SET hits = greatest(hits - 1, 0) WHERE key = $1;

-- name: reset-key
DELETE FROM rate_limit_hits WHERE key = $1;

-- name: prune-expired
DELETE FROM rate_limit_hits WHERE reset_at < now();
