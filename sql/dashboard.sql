-- The organisers' dashboard: the admin's home (open actions and their trend)
-- and each action's overview (signatures per day, confirmation rate, latest
-- comments). Invalidated signatures (signatures.invalidated_at) count in no
-- figure. Figures count signatures over ranges of signatures_dashboard_idx
-- (0018) for one action and a bounded time, read from the index alone, never
-- every signature of the action (measured on a million signatures on one
-- action: see trend-per-day). Counts and countries come from action_counts,
-- as the public pages show them (they leave invalidated signatures out too).

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

-- name: trend-per-day
-- Confirmed signatures of each action of $1 in each period [$2[i], $3[i]):
-- the caller passes the local days of the campaign's time zone as instants
-- (src/admin/dashboard.service.ts), so a 23- or 25-hour day is counted whole.
-- Each is one count over a range of signatures_dashboard_idx, read from the
-- index alone: with a million signatures on an action, 14 such counts took 25
-- ms where grouping the same rows by their local day took 185 ms (time zone
-- arithmetic and a hash on every row). The periods come as arrays, not from
-- generate_series, whose estimate of 1000 rows made the plan look costly
-- enough for JIT compilation: 100 ms more on every view.
SELECT a.id AS action_id, p.i::int AS period, c.confirmed
FROM unnest($1::bigint[]) a(id)
CROSS JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY p(starts, ends, i)
CROSS JOIN LATERAL (
  SELECT count(*)::int AS confirmed FROM signatures s
  WHERE s.action_id = a.id AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL
    AND s.confirmed_at >= p.starts AND s.confirmed_at < p.ends
) c;

-- name: trend-windows
-- Confirmed signatures of each action of $1 in the last 24 hours, the last 7
-- days and the 7 days before, up to $2 (now): three range counts each, as in
-- trend-per-day.
SELECT a.id AS action_id,
  (SELECT count(*)::int FROM signatures s WHERE s.action_id = a.id AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL
     AND s.confirmed_at > $2::timestamptz - interval '24 hours' AND s.confirmed_at <= $2) AS last_day,
  (SELECT count(*)::int FROM signatures s WHERE s.action_id = a.id AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL
     AND s.confirmed_at > $2::timestamptz - interval '7 days' AND s.confirmed_at <= $2) AS last_week,
  (SELECT count(*)::int FROM signatures s WHERE s.action_id = a.id AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL
     AND s.confirmed_at > $2::timestamptz - interval '14 days' AND s.confirmed_at <= $2::timestamptz - interval '7 days') AS week_before
FROM unnest($1::bigint[]) a(id);

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
-- One probe at the start of signatures_dashboard_idx.
SELECT min(confirmed_at) AS first_confirmed_at FROM signatures
WHERE action_id = $1 AND confirmed_at IS NOT NULL AND invalidated_at IS NULL;

-- name: confirmed-per-period
-- Confirmed signatures of action $1 in each period [$2[i], $3[i]) (local
-- days, weeks or months, as instants), one range count each, as in
-- trend-per-day.
SELECT p.i::int AS period, c.confirmed
FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY p(starts, ends, i)
CROSS JOIN LATERAL (
  SELECT count(*)::int AS confirmed FROM signatures s
  WHERE s.action_id = $1 AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL
    AND s.confirmed_at >= p.starts AND s.confirmed_at < p.ends
) c
ORDER BY p.i;

-- name: confirmation-rate
-- Of the signatures of action $1 made since $2, how many are confirmed. Only a
-- recent period tells the truth: pending ones are deleted once their links
-- have expired (sql/signatures.sql, purge-stale-pending-signatures), so over a
-- longer one every survivor looks confirmed. Two ranges of
-- signatures_dashboard_idx, read from the index alone: the confirmed ones from
-- $2 on (confirmed after they were made), kept when made from $2 on; and the
-- pending ones (confirmed_at NULL, at the end of the action's range), which the
-- purge keeps to its last few weeks.
-- The caller adds them up (here, each use of a sub-select would count again).
SELECT
  (SELECT count(*)::int FROM signatures WHERE action_id = $1 AND invalidated_at IS NULL
     AND confirmed_at >= $2 AND created_at >= $2) AS confirmed,
  (SELECT count(*)::int FROM signatures WHERE action_id = $1 AND invalidated_at IS NULL
     AND confirmed_at IS NULL AND created_at >= $2) AS pending;

-- name: latest-comments
-- Confirmed signatures with a comment, the newest first: a walk back along
-- signatures_confirmed_at_idx (or signatures_dashboard_idx: the table is read
-- anyway, for the comment) that stops at $2 with a comment. It reads no
-- further back than $3 signatures, so an action of a million signatures and
-- no comments costs a bounded walk, not all of them.
SELECT id, name, country, locality, comment, confirmed_at, show_name, hidden_at
FROM (SELECT id, name, country, locality, comment, confirmed_at, show_name, hidden_at
      FROM signatures
      WHERE action_id = $1 AND confirmed_at IS NOT NULL AND invalidated_at IS NULL
      ORDER BY confirmed_at DESC
      LIMIT $3) latest
WHERE comment <> ''
ORDER BY confirmed_at DESC
LIMIT $2;
