-- Actions and their counts.

-- name: get-action-by-slug
-- Public only with its post: an action on a draft or scheduled post (its post
-- is 404) would let anyone read and sign what the organisers have not
-- published yet. An action without a post (post_id NULL) stands on its own.
-- The same condition in every public query here and in find-token.
SELECT a.id, a.post_id, a.kind, a.slug, a.title, a.demand, a.target, a.goal, a.deadline, a.status, a.outcome,
       coalesce(c.signature_count, 0) AS signature_count, coalesce(c.by_country, '{}') AS by_country,
       p.slug AS post_slug, p.title AS post_title
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id AND p.status = 'published' AND p.published_at <= now()
WHERE a.slug = $1 AND a.status <> 'draft'
  AND (a.post_id IS NULL OR p.id IS NOT NULL);

-- name: list-actions-of-post
-- Only a published post's (see get-action-by-slug): the post page asks after
-- finding its post published, but any other page listing them must not leak.
SELECT a.id, a.post_id, a.kind, a.slug, a.title, a.demand, a.target, a.goal, a.deadline, a.status, a.outcome,
       coalesce(c.signature_count, 0) AS signature_count, coalesce(c.by_country, '{}') AS by_country
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id AND p.status = 'published' AND p.published_at <= now()
WHERE a.post_id = $1 AND a.status <> 'draft'
  AND (a.post_id IS NULL OR p.id IS NOT NULL)
ORDER BY a.id;

-- name: get-action-count
-- Public as get-action-by-slug is. With the deadline: the status shown is the
-- effective one (src/actions/actions.service.ts).
SELECT a.goal, a.status, a.deadline, coalesce(c.signature_count, 0) AS signature_count, c.counted_at
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id AND p.status = 'published' AND p.published_at <= now()
WHERE a.slug = $1 AND a.status <> 'draft'
  AND (a.post_id IS NULL OR p.id IS NOT NULL);

-- name: list-recent-public-signers
-- Only those who ticked "show my name"; never their email. Not those an
-- organiser hid, nor invalidated ones, which do not count either: all read
-- from signatures_listed_idx, whose condition is this WHERE.
SELECT name, country, confirmed_at FROM signatures
WHERE action_id = $1 AND confirmed_at IS NOT NULL AND show_name AND hidden_at IS NULL AND invalidated_at IS NULL
ORDER BY confirmed_at DESC
LIMIT $2;

-- name: insert-action
-- An action made closed or won (the demo's won one) closed now: closed_at
-- starts the clock of the anonymisation (src/supporters/anonymise.task.ts).
INSERT INTO actions (post_id, kind, slug, title, demand, target, goal, deadline, status, outcome, closed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $9::text IN ('closed', 'won') THEN now() END)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: update-stale-counts
-- Recounts the actions that had a confirmation since their last count, whatever
-- their status or deadline (an action past its deadline still confirms the
-- signatures made before it), and every action of status open, deadline passed
-- or not, whose count is older than $1 ms (the reconciliation). A
-- confirmation stamped before a count but committed after it is caught by the
-- ten-second overlap, and at the latest by the reconciliation. Each count is
-- computed whole from the signatures, so running it twice, or on two instances
-- at once, gives the same numbers. An invalidated signature does not count
-- (signatures_counted_idx, an index-only scan, holds exactly what counts). $2,
-- when given, is the one action to recount now, whatever its state: an organiser's
-- invalidation or restore corrects its count in the same transaction
-- (src/actions/counts.ts recountAction).
WITH stale AS (
  SELECT a.id
  FROM actions a LEFT JOIN action_counts c ON c.action_id = a.id
  WHERE ($2::bigint IS NOT NULL AND a.id = $2::bigint)
    OR ($2::bigint IS NULL AND a.status <> 'draft'
    AND (c.action_id IS NULL
         OR (a.status = 'open' AND c.counted_at < now() - make_interval(secs => $1::float8 / 1000))
         -- max() is one probe of signatures_confirmed_at_idx; an EXISTS here was
         -- planned as a scan of every signature (bench/counts.ts measured it).
         OR (SELECT max(s.confirmed_at) FROM signatures s WHERE s.action_id = a.id AND s.confirmed_at IS NOT NULL)
            >= c.counted_at - interval '10 seconds'))
),
per_country AS (
  SELECT s.action_id, s.country, count(*) AS n
  FROM signatures s JOIN stale ON stale.id = s.action_id
  WHERE s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL
  GROUP BY s.action_id, s.country
),
totals AS (
  SELECT stale.id AS action_id,
         coalesce(sum(pc.n), 0)::int AS signature_count,
         coalesce(jsonb_object_agg(pc.country, pc.n) FILTER (WHERE pc.country IS NOT NULL), '{}') AS by_country
  FROM stale LEFT JOIN per_country pc ON pc.action_id = stale.id
  GROUP BY stale.id
)
INSERT INTO action_counts (action_id, signature_count, by_country, counted_at)
SELECT action_id, signature_count, by_country, now() FROM totals
ON CONFLICT (action_id) DO UPDATE
SET signature_count = EXCLUDED.signature_count, by_country = EXCLUDED.by_country, counted_at = EXCLUDED.counted_at
RETURNING action_id, signature_count;

-- name: try-count-lock
-- One instance counts at a time; the others skip the round (released at
-- commit). $1 is LOCKS.countRound (src/db/locks.ts).
SELECT pg_try_advisory_xact_lock($1) AS locked;

-- name: wait-count-lock
-- An organiser's recount waits for a round in progress (they are short), so
-- that a round which began before the change cannot write its older count
-- after it; rounds that start meanwhile skip. Released at commit.
SELECT pg_advisory_xact_lock($1);

-- The admin (src/actions/actions.admin.service.ts). Organisers see every
-- action, draft or not, whatever its post's state: these never serve a public page.

-- name: admin-list-actions
-- Newest first. A campaign has tens of actions, not thousands: one page, capped.
-- post_public: whether the post lets the action be seen (get-action-by-slug's condition).
SELECT a.id, a.post_id, a.kind, a.slug, a.title, a.goal, a.deadline, a.status, a.outcome, a.created_at, a.updated_at,
       coalesce(c.signature_count, 0) AS signature_count,
       p.title AS post_title, p.status AS post_status,
       (a.post_id IS NULL OR (p.status = 'published' AND p.published_at <= now())) AS post_public
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id
ORDER BY a.created_at DESC, a.id DESC
LIMIT $1;

-- name: admin-get-action
SELECT a.id, a.post_id, a.kind, a.slug, a.title, a.demand, a.target, a.goal, a.deadline, a.status, a.outcome,
       a.created_at, a.updated_at,
       coalesce(c.signature_count, 0) AS signature_count,
       p.title AS post_title, p.status AS post_status,
       (a.post_id IS NULL OR (p.status = 'published' AND p.published_at <= now())) AS post_public
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id
WHERE a.id = $1;

-- name: admin-lock-action
-- Read for a change: the row stays locked to the end of the transaction, so two
-- organisers saving at once are recorded one after the other, each audit
-- entry's "before" being what the other left. updated_at: the version an edit
-- form was opened on is compared with it, so a save never silently undoes a newer one.
SELECT id, post_id, kind, slug, title, demand, target, goal, deadline, status, outcome, updated_at
FROM actions WHERE id = $1 FOR UPDATE;

-- name: admin-update-action
-- A slug already taken by another action breaks the unique constraint: the
-- service checks first, and maps a lost race (23505) to the same field error.
UPDATE actions
SET post_id = $2, kind = $3, slug = $4, title = $5, demand = $6, target = $7, goal = $8, deadline = $9, updated_at = now()
WHERE id = $1;

-- name: admin-set-action-status
-- closed_at: when the action stopped taking signatures, for the anonymisation
-- (migration 0026). Closed then won keeps the first moment; opened again, it
-- is no longer closed.
UPDATE actions
SET status = $2, outcome = $3, updated_at = now(),
    closed_at = CASE WHEN $2::text IN ('closed', 'won') THEN coalesce(closed_at, now()) END
WHERE id = $1;

-- name: admin-slug-taken
SELECT EXISTS (SELECT 1 FROM actions WHERE slug = $1 AND id IS DISTINCT FROM $2::bigint) AS taken;

-- name: admin-similar-slugs
-- For a slug made from a title: the ones in use that it could clash with
-- ("free-max", "free-max-2", …), so the next free number is found in one query.
SELECT slug FROM actions WHERE slug = $1 OR slug LIKE $1 || '-%';

-- name: admin-list-posts-for-actions
-- The post select of the action form: every post, newest first, with its state
-- so the form can say which are drafts.
SELECT id, title, status, (status = 'published' AND published_at <= now()) AS public
FROM posts
ORDER BY coalesce(published_at, created_at) DESC, id DESC
LIMIT $1;

-- name: admin-get-post-for-action
SELECT id, title, status, (status = 'published' AND published_at <= now()) AS public FROM posts WHERE id = $1;

-- name: count-confirmed-since-last-count
-- Confirmations that the count has not taken in yet (the last few seconds'),
-- a short range of signatures_dashboard_idx: the thank-you page adds them, so
-- a supporter sees their own signature counted at once. Never counted: all.
-- in_country: those of them from country $2 (NULL: none), for "N from your
-- country", read from the same rows.
SELECT count(*)::int AS n, count(*) FILTER (WHERE s.country = $2::text)::int AS in_country FROM signatures s
WHERE s.action_id = $1 AND s.invalidated_at IS NULL
  AND s.confirmed_at > coalesce((SELECT counted_at FROM action_counts WHERE action_id = $1), '-infinity'::timestamptz);

-- name: get-next-open-action
-- "What next?" after signing: the newest other action that is open, public and
-- before its deadline.
SELECT a.slug, a.title, a.kind
FROM actions a
LEFT JOIN posts p ON p.id = a.post_id AND p.status = 'published' AND p.published_at <= now()
WHERE a.id <> $1 AND a.status = 'open' AND (a.deadline IS NULL OR a.deadline > now())
  AND (a.post_id IS NULL OR p.id IS NOT NULL)
ORDER BY a.created_at DESC, a.id DESC
LIMIT 1;

-- name: list-open-actions
-- The /actions page: every open, public action before its deadline, the
-- closest deadline first, then the newest.
SELECT a.id, a.post_id, a.kind, a.slug, a.title, a.demand, a.target, a.goal, a.deadline, a.status, a.outcome,
       coalesce(c.signature_count, 0) AS signature_count, coalesce(c.by_country, '{}') AS by_country,
       p.slug AS post_slug, p.title AS post_title
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
LEFT JOIN posts p ON p.id = a.post_id AND p.status = 'published' AND p.published_at <= now()
WHERE a.status = 'open' AND (a.deadline IS NULL OR a.deadline > now())
  AND (a.post_id IS NULL OR p.id IS NOT NULL)
ORDER BY a.deadline ASC NULLS LAST, a.created_at DESC, a.id DESC
LIMIT 100;
