-- Collective letters: digests, scheduled letters and the printed letter
-- (src/letters/digests.task.ts, scheduled.task.ts, collective-letter.ts,
-- letter-pdf.ts). Who a collective letter names is letter_signatures()
-- (sql/migrations/0034_letter_collective.sql).

-- name: letters-to-digest
-- Letters in digest mode, and letters switched back to 'each' whose cursors may
-- still hold signatures that no letter has named (their one last digest).
SELECT l.action_id, l.delivery, l.digest_every, l.digest_hour, l.attach_pdf
FROM letters l
WHERE l.delivery = 'digest'
   OR (l.delivery = 'each' AND EXISTS (SELECT 1 FROM letter_digest_cursors c WHERE c.action_id = l.action_id))
ORDER BY l.action_id;

-- name: letters-scheduled
SELECT l.action_id, to_char(l.scheduled_local, 'YYYY-MM-DD"T"HH24:MI') AS scheduled_local, l.attach_pdf
FROM letters l
WHERE l.delivery = 'scheduled' AND l.scheduled_local IS NOT NULL
ORDER BY l.action_id;

-- name: routed-recipients
-- Everyone the letter may go to: its recipients and, routed by country, the fallback.
SELECT r.id, r.name, r.title, r.organisation, r.country, r.time_zone, r.postal_address
FROM recipients r
WHERE r.id IN (SELECT recipient_id FROM letter_recipients WHERE action_id = $1)
   OR r.id = (SELECT fallback_recipient_id FROM letters WHERE action_id = $1 AND routing = 'by_country')
ORDER BY r.id;

-- name: get-recipient
SELECT id, name, title, organisation, country, time_zone, postal_address FROM recipients WHERE id = $1;

-- name: cursor-recipients
-- The recipients an action's digests have reached so far.
SELECT recipient_id FROM letter_digest_cursors WHERE action_id = $1 ORDER BY recipient_id;

-- name: ensure-cursor
-- A new cursor starts before every signature: the first digest names all those
-- that no letter has named yet.
INSERT INTO letter_digest_cursors (action_id, recipient_id, next_due_at) VALUES ($1, $2, $3)
ON CONFLICT (action_id, recipient_id) DO NOTHING;

-- name: lock-cursor
-- Held to the end of the run's transaction: a second run waits, then reads
-- where this one left the cursor.
SELECT last_xid::text AS last_xid, last_id, next_due_at
FROM letter_digest_cursors WHERE action_id = $1 AND recipient_id = $2
FOR UPDATE;

-- name: digest-range
-- The walk after the cursor ($3, $4) in confirmation order, only below the
-- oldest transaction still running: every confirmation under that horizon has
-- committed (or never will), so nothing confirmed late in a long transaction is
-- passed over. Of those, the ones with no letter of their own to this
-- recipient (sent while the letter was in 'each' mode) are new; `upto` is the
-- last one walked, named or not, so the cursor moves past both.
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
walk AS (
  SELECT s.id, s.confirmed_xid,
         NOT EXISTS (SELECT 1 FROM letter_deliveries d
                     WHERE d.kind = 'signature' AND d.signature_id = s.id AND d.recipient_id = $2) AS unnamed
  FROM letter_signatures($1, $2) s, horizon h
  WHERE (s.confirmed_xid, s.id) > ($3::xid8, $4::bigint) AND s.confirmed_xid < h.xmin
),
last AS (SELECT confirmed_xid, id FROM walk ORDER BY confirmed_xid DESC, id DESC LIMIT 1),
-- The action's last confirmation below the horizon, routed here or not: a walk
-- that finds nobody new moves the cursor there, so that a recipient few sign
-- to (a small country's embassy) does not walk everyone else's signatures
-- again each time (every minute, once the letter is back in 'each' mode).
passed AS (
  SELECT s.confirmed_xid, s.id FROM signatures s, horizon h
  WHERE s.action_id = $1 AND s.confirmed_at IS NOT NULL AND s.confirmed_xid < h.xmin
    AND (s.confirmed_xid, s.id) > ($3::xid8, $4::bigint)
  ORDER BY s.confirmed_xid DESC, s.id DESC LIMIT 1
)
SELECT (SELECT count(*) FROM walk WHERE unnamed)::int AS new_count,
       (SELECT confirmed_xid::text FROM last) AS upto_xid,
       (SELECT id FROM last) AS upto_id,
       (SELECT confirmed_xid::text FROM passed) AS passed_xid,
       (SELECT id FROM passed) AS passed_id;

-- name: scheduled-range
-- A scheduled letter names everyone routed to the recipient up to now (below
-- the horizon, as a digest): the last of them and how many.
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
walk AS (
  SELECT s.id, s.confirmed_xid FROM letter_signatures($1, $2) s, horizon h WHERE s.confirmed_xid < h.xmin
),
last AS (SELECT confirmed_xid, id FROM walk ORDER BY confirmed_xid DESC, id DESC LIMIT 1)
SELECT (SELECT count(*) FROM walk)::int AS total,
       (SELECT confirmed_xid::text FROM last) AS upto_xid,
       (SELECT id FROM last) AS upto_id;

-- name: count-routed-upto
-- How many the recipient has been written about in all, up to ($3, $4).
SELECT count(*)::int AS n FROM letter_signatures($1, $2) s WHERE (s.confirmed_xid, s.id) <= ($3::xid8, $4::bigint);

-- name: move-cursor
UPDATE letter_digest_cursors SET last_xid = coalesce($3::xid8, last_xid), last_id = coalesce($4::bigint, last_id), next_due_at = $5
WHERE action_id = $1 AND recipient_id = $2;

-- name: insert-collective-deliveries
-- One delivery per active address of the recipient; the sender (deliver.task.ts) sends them.
-- Made at the run's time ($11), which is also the letter's date.
INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind, after_xid, after_id, upto_xid, upto_id,
                               signatory_count, total_count, attach_pdf, not_before, created_at)
SELECT $1, $2, a.id, a.email, $3, $4::xid8, $5::bigint, $6::xid8, $7::bigint, $8, $9, $10, $11, $11
FROM recipient_addresses a
WHERE a.recipient_id = $2 AND a.health = 'active'
ORDER BY a.id
RETURNING id;

-- name: count-active-addresses
SELECT count(*)::int AS n FROM recipient_addresses WHERE recipient_id = $1 AND health = 'active';

-- name: claim-scheduled-run
-- Once per recipient and scheduled time: a second run (another worker, a
-- restart) inserts nothing, after waiting for the first to commit.
INSERT INTO letter_scheduled_runs (action_id, recipient_id, scheduled_local, ran_at, deliveries)
VALUES ($1, $2, $3::timestamp, $4, 0)
ON CONFLICT DO NOTHING
RETURNING action_id;

-- name: finish-scheduled-run
UPDATE letter_scheduled_runs SET deliveries = $4 WHERE action_id = $1 AND recipient_id = $2 AND scheduled_local = $3::timestamp;

-- name: collective-signatories
-- The signatories a collective letter names, in confirmation order: after
-- ($3, $4) exclusive (NULL: from the first), up to ($5, $6) inclusive; with
-- $7, only those with no letter of their own to this recipient (a digest).
-- An anonymised signature keeps its line without a name (name NULL).
SELECT s.name, s.locality, s.country
FROM letter_signatures($1, $2) s
WHERE ($3::xid8 IS NULL OR (s.confirmed_xid, s.id) > ($3::xid8, $4::bigint))
  AND (s.confirmed_xid, s.id) <= ($5::xid8, $6::bigint)
  AND (NOT $7::boolean OR NOT EXISTS (SELECT 1 FROM letter_deliveries d
                                      WHERE d.kind = 'signature' AND d.signature_id = s.id AND d.recipient_id = $2))
ORDER BY s.confirmed_xid, s.id
LIMIT $8;

-- name: collective-comments
-- The most recent comments among those signatories (the letter allows a
-- personal paragraph), leaving out signatures an organiser hid.
SELECT s.name, s.locality, s.country, s.comment
FROM letter_signatures($1, $2) s
WHERE ($3::xid8 IS NULL OR (s.confirmed_xid, s.id) > ($3::xid8, $4::bigint))
  AND (s.confirmed_xid, s.id) <= ($5::xid8, $6::bigint)
  AND (NOT $7::boolean OR NOT EXISTS (SELECT 1 FROM letter_deliveries d
                                      WHERE d.kind = 'signature' AND d.signature_id = s.id AND d.recipient_id = $2))
  AND btrim(s.comment) <> '' AND s.hidden_at IS NULL AND s.name IS NOT NULL
ORDER BY s.confirmed_at DESC, s.id DESC
LIMIT $8;

-- name: printed-signatories
-- Everyone the printed letter to the recipient names, as of now: no horizon
-- (a printout is a snapshot, not a cursor).
SELECT s.name, s.locality, s.country
FROM letter_signatures($1, $2) s
ORDER BY s.confirmed_xid, s.id;

-- name: count-printed-signatories
SELECT count(*)::int AS n FROM letter_signatures($1, $2) s;

-- name: count-collective-signatories
-- How many a collective delivery names now (an invalidation since it was queued takes one out).
SELECT count(*)::int AS n
FROM letter_signatures($1, $2) s
WHERE ($3::xid8 IS NULL OR (s.confirmed_xid, s.id) > ($3::xid8, $4::bigint))
  AND (s.confirmed_xid, s.id) <= ($5::xid8, $6::bigint)
  AND (NOT $7::boolean OR NOT EXISTS (SELECT 1 FROM letter_deliveries d
                                      WHERE d.kind = 'signature' AND d.signature_id = s.id AND d.recipient_id = $2));
