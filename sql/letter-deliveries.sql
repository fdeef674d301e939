-- Deliveries of letters (src/letters/deliveries.repo.ts): queued in the
-- transaction that confirms a signature, claimed with a lease by the sender
-- (src/letters/deliver.task.ts), paced per address, finished with the SMTP
-- server's answer; and the delivery log of the admin.

-- name: queue-signature-letters
-- A confirmed signature's letters, one per active address of each recipient it
-- is routed to: fixed, every recipient of the letter; by_country, those in the
-- signer's country, else the fallback recipient (none: nobody, and the
-- organisers see the signature in no delivery). Held when the letter lets the
-- supporter add a paragraph and they wrote one, for an organiser to read it.
-- Only for a letter delivered 'each'; nothing for any other action (one index
-- lookup of letters). Queued at the transaction's now(): the sender paces, so
-- the hot path of a viral day takes no lock on a recipient's pace. ON CONFLICT:
-- a signature is confirmed once, but a letter per signature and address is all
-- the unique index allows in any case. A letter not held carries no paragraph
-- (without_paragraph), whatever the setting says when it is sent: its comment
-- was never read as part of the letter.
INSERT INTO letter_deliveries (action_id, recipient_id, address_id, email, kind, signature_id, state, without_paragraph)
SELECT l.action_id, a.recipient_id, a.id, a.email, 'signature', s.id,
       CASE WHEN l.personal_paragraph AND btrim(s.comment) <> '' THEN 'held' ELSE 'queued' END,
       NOT (l.personal_paragraph AND btrim(s.comment) <> '')
FROM signatures s
JOIN letters l ON l.action_id = s.action_id AND l.delivery = 'each'
CROSS JOIN LATERAL (
  SELECT lr.recipient_id
  FROM letter_recipients lr JOIN recipients r ON r.id = lr.recipient_id
  WHERE lr.action_id = l.action_id AND (l.routing = 'fixed' OR r.country = s.country)
  UNION
  SELECT l.fallback_recipient_id
  WHERE l.routing = 'by_country' AND l.fallback_recipient_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM letter_recipients lr JOIN recipients r ON r.id = lr.recipient_id
                    WHERE lr.action_id = l.action_id AND r.country = s.country)
) routed
JOIN recipient_addresses a ON a.recipient_id = routed.recipient_id AND a.health = 'active'
WHERE s.id = $1 AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL
ORDER BY a.id
ON CONFLICT (signature_id, address_id) WHERE kind = 'signature' DO NOTHING
RETURNING id, state;

-- name: claim-deliveries
-- Up to $2 queued deliveries due at $1, oldest first, leased until $1 + $3
-- seconds: no other sender takes them meanwhile (SKIP LOCKED, then the lease);
-- a sender killed mid-send holds them only until the lease runs out.
-- letter_deliveries_queued_idx.
WITH next AS (
  SELECT id FROM letter_deliveries
  WHERE state = 'queued' AND not_before <= $1 AND (claimed_until IS NULL OR claimed_until < $1)
  ORDER BY not_before, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE letter_deliveries d SET claimed_until = $1::timestamptz + make_interval(secs => $3)
FROM next WHERE d.id = next.id
RETURNING d.id, d.action_id, d.recipient_id, d.address_id, d.email, d.kind, d.signature_id,
          d.after_xid::text AS after_xid, d.after_id, d.upto_xid::text AS upto_xid, d.upto_id,
          d.signatory_count, d.total_count, d.attach_pdf, d.attempts, d.created_at;

-- name: delivery-for-sending
-- What the sender checks just before a send: the address as it is now (still
-- active?), the pace of its letter, the recipient's zone.
SELECT d.state, d.claimed_until, d.slotted, d.not_before, a.health AS address_health, l.per_hour, coalesce(r.time_zone, 'UTC') AS time_zone
FROM letter_deliveries d
JOIN letters l ON l.action_id = d.action_id
LEFT JOIN recipient_addresses a ON a.id = d.address_id
LEFT JOIN recipients r ON r.id = d.recipient_id
WHERE d.id = $1;

-- name: ensure-pace
-- The address's pace row, made on its first letter.
INSERT INTO letter_pacing (address_id) VALUES ($1) ON CONFLICT DO NOTHING;

-- name: lock-pace
-- Locked for the instant of a take (src/letters/pacing.ts): two senders never
-- both reserve the last slot of an hour.
SELECT extract(epoch FROM hour_start) * 1000 AS hour_start_ms, taken, extract(epoch FROM last_at) * 1000 AS last_at_ms
FROM letter_pacing WHERE address_id = $1 FOR UPDATE;

-- name: save-pace
UPDATE letter_pacing SET hour_start = to_timestamp($2 / 1000.0), taken = $3, last_at = to_timestamp($4 / 1000.0) WHERE address_id = $1;

-- name: postpone-delivery
-- Its slot is later (pacing): any sender takes it then, and sends it without another.
UPDATE letter_deliveries SET not_before = $2, slotted = true, claimed_until = NULL WHERE id = $1 AND state = 'queued';

-- name: retry-delivery-later
-- A temporary failure (the SMTP server down or saying 4xx): tried again at $3.
UPDATE letter_deliveries SET attempts = attempts + 1, last_error = left($2, 1000), not_before = $3, claimed_until = NULL
WHERE id = $1 AND state = 'queued';

-- name: finish-delivery
-- Sent (with the server's answer and the Message-ID it went under), failed,
-- or cancelled. Only a delivery still queued: an organiser's or a bounce's
-- cancel meanwhile stands.
UPDATE letter_deliveries
SET state = $2, smtp_response = left($3, 1000), message_id = $4, last_error = left($5, 1000),
    sent_at = CASE WHEN $2 = 'sent' THEN $6::timestamptz END, finished_at = $6::timestamptz, claimed_until = NULL,
    attempts = attempts + CASE WHEN $2 IN ('sent', 'failed', 'bounced') THEN 1 ELSE 0 END
WHERE id = $1 AND state = 'queued'
RETURNING id;

-- name: mark-address-bounced
-- A permanent refusal: the address gets no more letters until an organiser
-- reactivates it. Only the first bounce sets it (its time and answer stay).
UPDATE recipient_addresses SET health = 'bounced', health_since = $2, health_reason = left($3, 1000)
WHERE id = $1 AND health = 'active'
RETURNING id, recipient_id, email;

-- name: cancel-deliveries-to-address
-- The other letters to a bounced address, queued or waiting to be read, are
-- not sent. One being sent by another sender right now (its lease running)
-- finishes on its own.
UPDATE letter_deliveries SET state = 'cancelled', last_error = left($3, 1000), finished_at = $2, claimed_until = NULL
WHERE address_id = $1 AND state IN ('queued', 'held') AND (claimed_until IS NULL OR claimed_until < $2)
RETURNING id;

-- name: email-record
-- How sendOnce left a letter's message (sql/mail.sql): sent, failed, or being
-- sent; its answer and Message-ID for the log.
SELECT status, smtp_response, message_id FROM sent_emails WHERE idempotency_key = $1;

-- name: bounce-notice
-- What the organisers are told of a bounced address.
SELECT a.email, a.health, a.health_since, a.health_reason, r.id AS recipient_id, r.name AS recipient_name, r.organisation,
       (SELECT count(*)::int FROM letter_deliveries d WHERE d.address_id = a.id AND d.state = 'cancelled' AND d.finished_at >= a.health_since) AS cancelled
FROM recipient_addresses a JOIN recipients r ON r.id = a.recipient_id
WHERE a.id = $1;

-- name: active-organisers
SELECT id, email, name FROM organisers WHERE disabled_at IS NULL ORDER BY id;

-- name: delivery-counts
-- The delivery log's summary: how many letters of the action are in each state.
SELECT state, count(*)::int AS count FROM letter_deliveries WHERE action_id = $1 GROUP BY state;

-- name: list-deliveries
-- The delivery log, newest first, a page at a time (keyset: $2 is the last id
-- of the page before, NULL for the first). letter_deliveries_action_idx.
SELECT d.id, d.kind, d.state, d.email, d.attempts, d.last_error, d.smtp_response, d.message_id, d.created_at, d.sent_at,
       d.not_before, d.signature_id, r.name AS recipient_name
FROM letter_deliveries d LEFT JOIN recipients r ON r.id = d.recipient_id
WHERE d.action_id = $1 AND ($2::bigint IS NULL OR d.id < $2)
ORDER BY d.id DESC
LIMIT $3;

-- name: bounced-addresses-of-action
-- The addresses of this action's letters that bounced: the note on its log.
SELECT DISTINCT a.id, a.email, a.health_since, a.health_reason, r.name AS recipient_name
FROM letter_deliveries d
JOIN recipient_addresses a ON a.id = d.address_id AND a.health = 'bounced'
JOIN recipients r ON r.id = a.recipient_id
WHERE d.action_id = $1 AND d.state = 'bounced'
ORDER BY a.health_since DESC;

-- name: export-deliveries
-- Every delivery of the action for the CSV, oldest first, read through a cursor.
SELECT d.id, d.created_at, r.name AS recipient_name, d.email, d.kind, d.state, d.attempts, d.last_error, d.smtp_response,
       d.message_id, d.sent_at
FROM letter_deliveries d LEFT JOIN recipients r ON r.id = d.recipient_id
WHERE d.action_id = $1
ORDER BY d.id;

-- name: signature-letter-parts
-- What a letter per signature is made of, read when it is sent: the signature
-- as it is now (withdrawn or erased: no row, or signature_id NULL; invalidated
-- or anonymised: not sent), its recipient, and whether an organiser chose to
-- send it without the supporter's paragraph (the held paragraphs' page).
SELECT s.name, s.locality, s.country, s.comment, s.email, s.letter_reply_to,
       s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL AND s.anonymised_at IS NULL AS counts,
       d.without_paragraph,
       coalesce(r.name, '') AS recipient_name, coalesce(r.title, '') AS recipient_title,
       coalesce(r.organisation, '') AS recipient_organisation, r.country AS recipient_country,
       coalesce(r.time_zone, 'UTC') AS recipient_time_zone
FROM letter_deliveries d
JOIN signatures s ON s.id = d.signature_id
LEFT JOIN recipients r ON r.id = d.recipient_id
WHERE d.id = $1;
