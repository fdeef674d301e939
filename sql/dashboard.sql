-- The organisers' dashboard: the admin's home (open actions and their trend)
-- and each action's overview (signatures per day, confirmation rate, latest
-- comments). Figures read confirmed signatures through index ranges of one
-- action and a bounded time, never every signature of an action: with a
-- million on one action, a whole scan is seconds on every view of the home.
-- Counts and countries come from action_counts, as the public pages show them.

-- name: list-open-actions
-- Open: status open and deadline not passed (the effective status,
-- src/actions/actions.service.ts). Soonest deadline first: those need
-- attention. Bounded, as every list on a page.
SELECT a.id, a.kind, a.slug, a.title, a.goal, a.deadline, a.status, a.post_id, p.title AS post_title,
       coalesce(c.signature_count, 0) AS signature_count, c.counted_at
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id
WHERE a.status = 'open' AND (a.deadline IS NULL OR a.deadline > now())
ORDER BY a.deadline ASC NULLS LAST, a.id DESC
LIMIT $1;

-- name: list-draft-actions
SELECT a.id, a.kind, a.slug, a.title, a.goal, a.deadline, a.status, a.post_id, p.title AS post_title, a.updated_at
FROM actions a
LEFT JOIN posts p ON p.id = a.post_id
WHERE a.status = 'draft'
ORDER BY a.updated_at DESC, a.id DESC
LIMIT $1;

-- name: list-closed-actions
-- Closed by hand or won (when: its last change), or past its deadline while
-- still of status open (when: the deadline); the latest first.
SELECT a.id, a.kind, a.slug, a.title, a.goal, a.deadline, a.status, a.post_id, p.title AS post_title,
       coalesce(c.signature_count, 0) AS signature_count,
       CASE WHEN a.status = 'open' THEN a.deadline ELSE a.updated_at END AS closed_at
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id
WHERE a.status IN ('closed', 'won') OR (a.status = 'open' AND a.deadline <= now())
ORDER BY closed_at DESC, a.id DESC
LIMIT $1;

-- name: trend-of-actions
-- Confirmed signatures of the actions $1 per day of the campaign's time zone
-- $2 since the instant $3 (the local midnight that starts the sparkline), up to
-- $4 (now), with, in each day's group, those of the last 24 hours, of the last
-- 7 days and of the 7 days before: summed by the caller, one pass over the
-- range of signatures_confirmed_at_idx for each action.
SELECT action_id, (confirmed_at AT TIME ZONE $2)::date::text AS day,
       count(*) FILTER (WHERE confirmed_at >= $3)::int AS confirmed,
       count(*) FILTER (WHERE confirmed_at > $4::timestamptz - interval '24 hours')::int AS last_day,
       count(*) FILTER (WHERE confirmed_at > $4::timestamptz - interval '7 days')::int AS last_week,
       count(*) FILTER (WHERE confirmed_at <= $4::timestamptz - interval '7 days')::int AS week_before
FROM signatures
WHERE action_id = ANY ($1::bigint[]) AND confirmed_at IS NOT NULL
  AND confirmed_at > least($3::timestamptz, $4::timestamptz - interval '14 days') AND confirmed_at <= $4
GROUP BY action_id, day;

-- name: get-action
-- Any status: organisers see drafts too. The post whatever its status.
SELECT a.id, a.kind, a.slug, a.title, a.demand, a.target, a.goal, a.deadline, a.status, a.outcome,
       a.post_id, a.created_at, a.updated_at, p.title AS post_title, p.slug AS post_slug, p.status AS post_status,
       coalesce(c.signature_count, 0) AS signature_count, coalesce(c.by_country, '{}') AS by_country, c.counted_at
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id
WHERE a.id = $1;

-- name: first-confirmation
-- One probe at the end of signatures_confirmed_at_idx.
SELECT min(confirmed_at) AS first_confirmed_at FROM signatures
WHERE action_id = $1 AND confirmed_at IS NOT NULL;

-- name: confirmed-per-period
-- Confirmed signatures of action $1 per $4 ('day', 'week' or 'month') of the
-- campaign's time zone $2, since the instant $3 (a local midnight): the range
-- of signatures_confirmed_at_idx from $3 on. Periods without any are absent;
-- the caller shows them as zero.
SELECT date_trunc($4, confirmed_at AT TIME ZONE $2)::date::text AS period, count(*)::int AS confirmed
FROM signatures
WHERE action_id = $1 AND confirmed_at IS NOT NULL AND confirmed_at >= $3
GROUP BY period
ORDER BY period;

-- name: confirmation-rate
-- Of the signatures of action $1 made since $2, how many are confirmed. Only a
-- recent period tells the truth: pending ones are deleted once their links
-- have expired (sql/signatures.sql, purge-stale-pending-signatures), so over a
-- longer one every survivor looks confirmed. signatures_created_idx (0018)
-- answers it from the index alone.
SELECT count(*)::int AS made, count(confirmed_at)::int AS confirmed
FROM signatures
WHERE action_id = $1 AND created_at >= $2;

-- name: latest-comments
-- Confirmed signatures with a comment, the newest first: a walk back along
-- signatures_confirmed_at_idx that stops at $2 with a comment. It reads no
-- further back than $3 signatures, so an action of a million signatures and
-- no comments costs a bounded walk, not all of them.
SELECT id, name, country, locality, comment, confirmed_at, show_name
FROM (SELECT id, name, country, locality, comment, confirmed_at, show_name
      FROM signatures
      WHERE action_id = $1 AND confirmed_at IS NOT NULL
      ORDER BY confirmed_at DESC
      LIMIT $3) latest
WHERE comment <> ''
ORDER BY confirmed_at DESC
LIMIT $2;
