-- Campaign updates (src/updates): the updates organisers write, the snapshot
-- of who gets each one (update_recipients), its delivery, and the shared pace.

-- name: insert-update
INSERT INTO updates (subject, body_markdown, body_html, body_text, audience, action_ids, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: edit-update
-- A draft or a scheduled update may still change; one that started may not.
-- Returns the id when it changed.
UPDATE updates SET subject = $2, body_markdown = $3, body_html = $4, body_text = $5, audience = $6, action_ids = $7, updated_at = now()
WHERE id = $1 AND state IN ('draft', 'scheduled')
RETURNING id;

-- name: lock-update
-- Read to change its state: the row is locked until the transaction ends, so a
-- cancel and a start (or the fan-out) take turns.
SELECT id, subject, audience, action_ids, state, send_at, fan_out_cursor, fanned_out_at
FROM updates WHERE id = $1 FOR UPDATE;

-- name: get-update
-- An update with its progress, for its admin page (and its refresh while it runs).
SELECT u.id, u.subject, u.body_markdown, u.body_html, u.body_text, u.audience, u.action_ids, u.state, u.send_at,
       u.fanned_out_at, u.created_at, u.updated_at, u.started_at, u.finished_at, o.name AS created_by_name,
       p.queued, p.sent, p.failed, p.suppressed, p.unsubscribed
FROM updates u
LEFT JOIN organisers o ON o.id = u.created_by
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE r.state = 'queued')::int AS queued,
         count(*) FILTER (WHERE r.state = 'sent')::int AS sent,
         count(*) FILTER (WHERE r.state = 'failed')::int AS failed,
         count(*) FILTER (WHERE r.state = 'suppressed')::int AS suppressed,
         count(*) FILTER (WHERE r.state = 'unsubscribed')::int AS unsubscribed
  FROM update_recipients r WHERE r.update_id = u.id
) p
WHERE u.id = $1;

-- name: list-updates
-- Every update, newest first, with its progress. Updates are few (a handful a
-- month); each count reads its own rows through the primary key.
SELECT u.id, u.subject, u.audience, u.state, u.send_at, u.created_at, u.started_at, u.finished_at,
       p.queued, p.sent, p.failed, p.suppressed, p.unsubscribed
FROM updates u
CROSS JOIN LATERAL (
  SELECT count(*) FILTER (WHERE r.state = 'queued')::int AS queued,
         count(*) FILTER (WHERE r.state = 'sent')::int AS sent,
         count(*) FILTER (WHERE r.state = 'failed')::int AS failed,
         count(*) FILTER (WHERE r.state = 'suppressed')::int AS suppressed,
         count(*) FILTER (WHERE r.state = 'unsubscribed')::int AS unsubscribed
  FROM update_recipients r WHERE r.update_id = u.id
) p
ORDER BY u.id DESC
LIMIT 200;

-- name: schedule-update
UPDATE updates SET state = 'scheduled', send_at = $2, updated_at = now()
WHERE id = $1 AND state IN ('draft', 'scheduled')
RETURNING id;

-- name: start-update
-- Sending starts: the fan-out job is queued in the same transaction.
UPDATE updates SET state = 'sending', send_at = coalesce(send_at, now()), started_at = now(), updated_at = now()
WHERE id = $1 AND state IN ('draft', 'scheduled')
RETURNING id;

-- name: cancel-update
-- What is not sent yet stays unsent: fan-out and delivery take only updates
-- that are 'sending'.
UPDATE updates SET state = 'cancelled', finished_at = now(), updated_at = now()
WHERE id = $1 AND state IN ('draft', 'scheduled', 'sending')
RETURNING id;

-- name: start-due-updates
-- The scheduled updates whose time has come, started; one worker at a time
-- (LOCKS.startDueUpdates), and SKIP LOCKED against an organiser's cancel in
-- the same instant. updates_due_idx.
UPDATE updates u SET state = 'sending', started_at = now(), updated_at = now()
FROM (SELECT id FROM updates WHERE state = 'scheduled' AND send_at <= now() ORDER BY send_at LIMIT 20 FOR UPDATE SKIP LOCKED) due
WHERE u.id = due.id
RETURNING u.id, u.subject;

-- name: fan-out-batch
-- The next $4 supporters after the cursor ($2) who have a live consent to
-- updates and, for an audience of actions ($3, NULL for the whole campaign), a
-- confirmed signature that counts on one of them: each gets one row, whatever
-- the number of chosen actions they signed (the primary key, ON CONFLICT: a
-- batch run again after a crash inserts nothing twice). Moves the cursor to the
-- last supporter looked at. Keyset by supporters' primary key;
-- consents_live_idx and signatures_supporter_idx for the checks.
WITH batch AS (
  SELECT p.id FROM supporters p
  WHERE p.id > $2
    AND EXISTS (SELECT 1 FROM consents c WHERE c.supporter_id = p.id AND c.purpose = 'campaign-updates' AND c.withdrawn_at IS NULL)
    AND ($3::bigint[] IS NULL OR EXISTS (
      SELECT 1 FROM signatures s
      WHERE s.supporter_id = p.id AND s.action_id = ANY ($3::bigint[]) AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL))
  ORDER BY p.id
  LIMIT $4
), inserted AS (
  INSERT INTO update_recipients (update_id, supporter_id)
  SELECT $1, id FROM batch
  ON CONFLICT DO NOTHING
  RETURNING 1
), moved AS (
  UPDATE updates SET fan_out_cursor = (SELECT max(id) FROM batch)
  WHERE id = $1 AND EXISTS (SELECT 1 FROM batch)
  RETURNING 1
)
SELECT (SELECT count(*) FROM batch)::int AS looked_at, (SELECT count(*) FROM inserted)::int AS inserted, (SELECT count(*) FROM moved)::int AS moved;

-- name: finish-fan-out
UPDATE updates SET fanned_out_at = now() WHERE id = $1 AND fanned_out_at IS NULL;

-- name: count-audience
-- How many would get an update to this audience now ($1: NULL for the whole
-- campaign, else the actions): the compose page says so before sending.
SELECT count(*)::int AS count FROM supporters p
WHERE EXISTS (SELECT 1 FROM consents c WHERE c.supporter_id = p.id AND c.purpose = 'campaign-updates' AND c.withdrawn_at IS NULL)
  AND ($1::bigint[] IS NULL OR EXISTS (
    SELECT 1 FROM signatures s
    WHERE s.supporter_id = p.id AND s.action_id = ANY ($1::bigint[]) AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL));

-- name: claim-recipients
-- Up to $1 queued rows of updates being sent, oldest update first, leased for
-- $2 seconds: no other worker takes them meanwhile (SKIP LOCKED, then the
-- lease); when their worker dies, the lease runs out and they are taken again.
-- update_recipients_queued_idx.
WITH next AS (
  SELECT r.update_id, r.supporter_id
  FROM update_recipients r JOIN updates u ON u.id = r.update_id
  WHERE u.state = 'sending' AND r.state = 'queued' AND (r.claimed_until IS NULL OR r.claimed_until < now())
  ORDER BY r.update_id, r.supporter_id
  LIMIT $1
  FOR UPDATE OF r SKIP LOCKED
)
UPDATE update_recipients r SET claimed_until = now() + make_interval(secs => $2)
FROM next
WHERE r.update_id = next.update_id AND r.supporter_id = next.supporter_id
RETURNING r.update_id, r.supporter_id, r.attempts;

-- name: release-recipient
-- Not sent now (no pace left in this slot, or its update was cancelled): any
-- worker may take it at once.
UPDATE update_recipients SET claimed_until = NULL WHERE update_id = $1 AND supporter_id = $2 AND state = 'queued';

-- name: retry-recipient-later
-- A temporary failure (the SMTP server down): taken again after $3 seconds.
UPDATE update_recipients SET claimed_until = now() + make_interval(secs => $3), attempts = attempts + 1
WHERE update_id = $1 AND supporter_id = $2 AND state = 'queued';

-- name: finish-recipient
UPDATE update_recipients SET state = $3, claimed_until = NULL, finished_at = now()
WHERE update_id = $1 AND supporter_id = $2 AND state = 'queued';

-- name: recipient-for-sending
-- What one message needs, read at send time: the update (still being sent?),
-- the supporter's address, and their consent as it is now (NULL: withdrawn
-- since the fan-out, so nothing is sent), with the pledge it came from for the
-- "why you receive this" line.
SELECT u.state AS update_state, u.subject, u.body_html, u.body_text, p.email,
       c.given_at AS consent_given_at, a.title AS consent_action_title
FROM update_recipients r
JOIN updates u ON u.id = r.update_id
JOIN supporters p ON p.id = r.supporter_id
LEFT JOIN consents c ON c.supporter_id = p.id AND c.purpose = 'campaign-updates' AND c.withdrawn_at IS NULL
LEFT JOIN actions a ON a.id = c.source_action_id
WHERE r.update_id = $1 AND r.supporter_id = $2;

-- name: finish-sent-updates
-- Updates whose audience is all snapshotted and whose every row is finished are sent.
UPDATE updates u SET state = 'sent', finished_at = now(), updated_at = now()
WHERE u.state = 'sending' AND u.fanned_out_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM update_recipients r WHERE r.update_id = u.id AND r.state = 'queued')
RETURNING u.id;

-- name: email-record
-- How sendOnce finished an update's message (sql/mail.sql): when a retry finds
-- it done, its row is set to what happened then.
SELECT status, smtp_response FROM sent_emails WHERE idempotency_key = $1;

-- name: lock-pace
-- The shared pace (src/updates/pacing.ts), with the database's clock in
-- milliseconds: every worker counts slots on the same clock.
SELECT slot, taken, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms
FROM update_pacing WHERE id = 1 FOR UPDATE;

-- name: save-pace
UPDATE update_pacing SET slot = $1, taken = $2 WHERE id = 1;

-- name: list-action-choices
-- The actions an update can be addressed to: every one that has been opened.
SELECT id, title, status FROM actions WHERE status <> 'draft' ORDER BY id DESC;

-- name: find-supporter-id-by-email
-- The organiser's own supporter row, if they signed something: the test send
-- then carries their own working unsubscribe link.
SELECT id FROM supporters WHERE email = $1;

-- name: suppression-counts
-- The suppression list by reason, for the admin (only hashes are kept: counts are all it can show).
SELECT reason, count(*)::int AS count FROM suppressions GROUP BY reason ORDER BY reason;

-- name: is-subscribed
-- Whether a supporter's updates are on: what the unsubscribe page says. consents_live_idx.
SELECT EXISTS (SELECT 1 FROM consents WHERE supporter_id = $1 AND purpose = 'campaign-updates' AND withdrawn_at IS NULL) AS live;
