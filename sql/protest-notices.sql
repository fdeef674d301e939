-- Notices to RSVPs (sql/migrations/0037_protest_calls.sql, protest_notices).

-- name: queue-notice
-- A notice to every confirmed RSVP of a protest, once per kind and version:
-- called in the transaction that moves or cancels the protest (and by the
-- reminder task when a reminder is due). A second call changes nothing.
INSERT INTO protest_notices (protest_id, kind, version) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING;

-- name: protests-for-reminders
-- The listed protests whose reminders or thank-you may be due around $1 (the
-- caller's clock): starting within two days, or ended within three (the
-- thank-you is the day after). With the kinds already queued for the current
-- version, so that the task does not insert them again every minute, and when
-- that version's "moved" notice was made (reminders due before it are not
-- sent: the notice told the new details). protests_listed_start_idx; a protest
-- longer than eleven days gets no thank-you.
SELECT p.id, p.version, p.starts_at, p.ends_at, p.time_zone,
       c.thank_you_message <> '' AS has_thanks,
       coalesce(array_agg(n.kind) FILTER (WHERE n.kind IS NOT NULL), '{}') AS queued,
       max(n.created_at) FILTER (WHERE n.kind = 'moved') AS moved_at
FROM protests p
JOIN protest_calls c ON c.action_id = p.action_id
LEFT JOIN protest_notices n ON n.protest_id = p.id AND n.version = p.version
WHERE p.status = 'listed'
  AND p.starts_at > $1::timestamptz - interval '14 days'
  AND p.starts_at < $1::timestamptz + interval '2 days'
  AND p.ends_at > $1::timestamptz - interval '3 days'
GROUP BY p.id, c.thank_you_message;

-- name: claim-notices
-- Up to $2 unsent notices whose time has come at $1, oldest first, leased until
-- $1 + $3 seconds: no other sender takes them meanwhile (SKIP LOCKED, then the
-- lease); a sender killed mid-send holds one only until its lease runs out.
-- protest_notices_unsent_idx.
WITH next AS (
  SELECT protest_id, kind, version FROM protest_notices
  WHERE sent_at IS NULL AND (not_before IS NULL OR not_before <= $1) AND (claimed_until IS NULL OR claimed_until < $1)
  ORDER BY created_at, protest_id, kind, version
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE protest_notices n SET claimed_until = $1::timestamptz + make_interval(secs => $3)
FROM next
WHERE n.protest_id = next.protest_id AND n.kind = next.kind AND n.version = next.version
RETURNING n.protest_id, n.kind, n.version, n.attempts, n.created_at;

-- name: protest-for-notice
-- The protest as it is now, read at send time: a notice of a cancelled protest,
-- or of a version since replaced, is not sent.
SELECT p.id, p.status, p.version, p.country, p.city, p.place, p.address, p.meeting_point,
       p.latitude::float8 AS latitude, p.longitude::float8 AS longitude,
       p.starts_at, p.ends_at, p.time_zone, p.accessibility,
       a.id AS action_id, a.slug AS action_slug, a.title AS action_title,
       c.thank_you_message, c.thank_you_link
FROM protests p
JOIN protest_calls c ON c.action_id = p.action_id
JOIN actions a ON a.id = p.action_id
WHERE p.id = $1;

-- name: version-told-before
-- What RSVPs knew before the move to version $2: the latest earlier version
-- whose "moved" notice went out, or the first. Its details (0041's
-- protest_versions, kept by the trigger when the version changed).
SELECT v.city, v.place, v.address, v.meeting_point, v.starts_at, v.ends_at, v.time_zone
FROM protest_versions v
WHERE v.protest_id = $1 AND v.version = (
  SELECT coalesce(max(n.version), 1) FROM protest_notices n
  WHERE n.protest_id = $1 AND n.kind = 'moved' AND n.version < $2 AND n.outcome = 'sent'
);

-- name: rsvps-to-notify
-- The next $5 confirmed, live RSVPs of protest $1 after RSVP $6 (by id: a
-- round walks forward and never meets one twice) that have not had the notice
-- of kind $2 and version $3: its email (key rsvp-notice:<rsvp>:<kind>:<version>)
-- is not yet recorded as sent or refused, so a notice taken up again resumes
-- where it stopped. $4, when set: only RSVPs confirmed by then (a "moved"
-- notice is for those who knew the old details). Read again for every batch,
-- so an RSVP cancelled meanwhile is left out.
SELECT r.id, r.name, s.email
FROM rsvps r
JOIN supporters s ON s.id = r.supporter_id
WHERE r.protest_id = $1 AND r.id > $6 AND r.confirmed_at IS NOT NULL AND r.cancelled_at IS NULL
  AND ($4::timestamptz IS NULL OR r.confirmed_at <= $4)
  AND NOT EXISTS (
    SELECT 1 FROM sent_emails e
    WHERE e.idempotency_key = 'rsvp-notice:' || r.id || ':' || $2::text || ':' || $3::int AND e.status <> 'sending'
  )
ORDER BY r.id
LIMIT $5;

-- name: other-protests-of-call
-- For the "cancelled" notice: the call's other listed protests still to come at
-- $3, nearest the cancelled one first (same country, then the others).
SELECT p.id, p.country, p.city, p.place, p.starts_at, p.time_zone
FROM protests p
WHERE p.action_id = $1 AND p.id <> $2 AND p.status = 'listed' AND p.starts_at > $3
ORDER BY (p.country = $4) DESC, p.country, p.city, p.starts_at
LIMIT 20;

-- name: finish-notice
-- Finished: sent to every RSVP, skipped (why), or given up. Only by a sender
-- that still holds it unfinished.
UPDATE protest_notices
SET sent_at = $4, outcome = $5, outcome_reason = left($6, 500), claimed_until = NULL
WHERE protest_id = $1 AND kind = $2 AND version = $3 AND sent_at IS NULL;

-- name: retry-notice-later
-- A temporary failure (the SMTP server down or saying 4xx, another worker
-- sending one of its emails): tried again from $4.
UPDATE protest_notices
SET attempts = attempts + 1, last_error = left($5, 1000), not_before = $4, claimed_until = NULL
WHERE protest_id = $1 AND kind = $2 AND version = $3 AND sent_at IS NULL;

-- name: release-notice
-- The round's time ran out with RSVPs left: any sender continues at once.
UPDATE protest_notices SET claimed_until = NULL
WHERE protest_id = $1 AND kind = $2 AND version = $3 AND sent_at IS NULL;
