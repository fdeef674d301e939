-- Invalidations: an organiser's decision that some of an action's signatures
-- no longer count (bot waves, one address signing under many names), by
-- criteria, previewed, applied in one statement and reversible. The same
-- matching condition is written out in count, sample and apply, so what the
-- preview counted is what is applied:
--   $1 action; $2 email domain; $3 IP hash (src/signatures/ip-hash.ts);
--   $4 country; $5, $6 signed from / before; $7 one signature by id.
-- A NULL criterion is off; with all of them off nothing matches
-- (num_nonnulls), even if a caller forgot to refuse empty criteria. Only
-- signatures not already invalidated match: each belongs to one invalidation
-- at most, which is what lets a revert restore exactly what it took.

-- name: count-invalidation-matches
SELECT count(*)::int AS matched
FROM signatures s
WHERE s.action_id = $1 AND s.invalidated_at IS NULL
  AND num_nonnulls($2::text, $3::bytea, $4::text, $5::timestamptz, $6::timestamptz, $7::bigint) > 0
  AND ($2::text IS NULL OR split_part(s.email, '@', 2) = $2)
  AND ($3::bytea IS NULL OR s.ip_hash = $3)
  AND ($4::text IS NULL OR s.country = $4)
  AND ($5::timestamptz IS NULL OR s.created_at >= $5)
  AND ($6::timestamptz IS NULL OR s.created_at < $6)
  AND ($7::bigint IS NULL OR s.id = $7);

-- name: sample-invalidation-matches
-- A few of them, newest first, for the organiser to see what they would take.
SELECT s.id, s.name, s.email, s.country, s.locality, s.created_at, s.confirmed_at
FROM signatures s
WHERE s.action_id = $1 AND s.invalidated_at IS NULL
  AND num_nonnulls($2::text, $3::bytea, $4::text, $5::timestamptz, $6::timestamptz, $7::bigint) > 0
  AND ($2::text IS NULL OR split_part(s.email, '@', 2) = $2)
  AND ($3::bytea IS NULL OR s.ip_hash = $3)
  AND ($4::text IS NULL OR s.country = $4)
  AND ($5::timestamptz IS NULL OR s.created_at >= $5)
  AND ($6::timestamptz IS NULL OR s.created_at < $6)
  AND ($7::bigint IS NULL OR s.id = $7)
ORDER BY s.id DESC
LIMIT $8;

-- name: apply-invalidation
-- One statement: the invalidation's id is drawn first, the matching signatures
-- are marked with it, and the invalidation is recorded with how many it took
-- ($8 criteria as shown, $9 reason, $10 organiser). The foreign key from the
-- signatures is checked at the end of the statement, when the row exists.
WITH new AS (
  SELECT nextval(pg_get_serial_sequence('invalidations', 'id')) AS id
),
taken AS (
  UPDATE signatures s SET invalidated_at = now(), invalidation_id = new.id
  FROM new
  WHERE s.action_id = $1 AND s.invalidated_at IS NULL
    AND num_nonnulls($2::text, $3::bytea, $4::text, $5::timestamptz, $6::timestamptz, $7::bigint) > 0
    AND ($2::text IS NULL OR split_part(s.email, '@', 2) = $2)
    AND ($3::bytea IS NULL OR s.ip_hash = $3)
    AND ($4::text IS NULL OR s.country = $4)
    AND ($5::timestamptz IS NULL OR s.created_at >= $5)
    AND ($6::timestamptz IS NULL OR s.created_at < $6)
    AND ($7::bigint IS NULL OR s.id = $7)
  RETURNING s.id
)
INSERT INTO invalidations (id, action_id, criteria, reason, matched, created_by)
OVERRIDING SYSTEM VALUE
SELECT new.id, $1, $8::jsonb, $9, (SELECT count(*) FROM taken), $10 FROM new
RETURNING id, matched;

-- name: revert-invalidation
-- Counts again exactly the signatures this invalidation took that are still
-- invalidated by it (one restored by hand since, or taken by no other, is
-- left alone). Nothing happens to one already reverted. $2 the organiser.
WITH inv AS (
  UPDATE invalidations SET reverted_at = now(), reverted_by = $2
  WHERE id = $1 AND reverted_at IS NULL
  RETURNING id, action_id
),
restored AS (
  UPDATE signatures s SET invalidated_at = NULL, invalidation_id = NULL
  FROM inv
  WHERE s.action_id = inv.action_id AND s.invalidation_id = inv.id
  RETURNING s.id
)
SELECT inv.id, inv.action_id, (SELECT count(*) FROM restored)::int AS restored FROM inv;

-- name: get-invalidation
SELECT i.id, i.action_id, i.criteria, i.reason, i.matched, i.created_at, i.reverted_at, a.title AS action_title
FROM invalidations i JOIN actions a ON a.id = i.action_id
WHERE i.id = $1;

-- name: list-invalidations
-- The action's invalidations, newest first, with who made and reverted them.
SELECT i.id, i.criteria, i.reason, i.matched, i.created_at, i.reverted_at,
       coalesce(o.name, '') AS created_by_name, coalesce(r.name, '') AS reverted_by_name
FROM invalidations i
LEFT JOIN organisers o ON o.id = i.created_by
LEFT JOIN organisers r ON r.id = i.reverted_by
WHERE i.action_id = $1
ORDER BY i.id DESC
LIMIT $2;

-- name: allow-long-statements
-- For this transaction only: a bulk invalidation or its revert over hundreds
-- of thousands of signatures may take longer than the pool's statement
-- timeout (30 s by default), which would roll it back half-way through the
-- organiser's wait. $1 like '5min'.
SELECT set_config('statement_timeout', $1, true);
