-- Recipients' responses to a letter action (src/letters/responses.repo.ts).
-- received_on is a calendar day: read as text, so no time zone shifts it.

-- name: list-responses-of-action
-- The admin's list: every response, public or not, newest first; the file's
-- size and name, never its bytes.
SELECT r.id, r.action_id, r.recipient_id, rc.name AS recipient_name, to_char(r.received_on, 'YYYY-MM-DD') AS received_on,
       r.from_whom, r.body, r.public, r.attachment_name, r.attachment_type, octet_length(r.attachment) AS attachment_size,
       r.created_at, coalesce(o.name, '') AS created_by_name
FROM letter_responses r
LEFT JOIN recipients rc ON rc.id = r.recipient_id
LEFT JOIN organisers o ON o.id = r.created_by
WHERE r.action_id = $1
ORDER BY r.received_on DESC, r.id DESC;

-- name: get-response
SELECT r.id, r.action_id, r.recipient_id, rc.name AS recipient_name, to_char(r.received_on, 'YYYY-MM-DD') AS received_on,
       r.from_whom, r.body, r.public, r.attachment_name, r.attachment_type, octet_length(r.attachment) AS attachment_size,
       r.created_at, coalesce(o.name, '') AS created_by_name
FROM letter_responses r
LEFT JOIN recipients rc ON rc.id = r.recipient_id
LEFT JOIN organisers o ON o.id = r.created_by
WHERE r.id = $1;

-- name: lock-response
SELECT id, action_id, recipient_id, to_char(received_on, 'YYYY-MM-DD') AS received_on, from_whom, body, public,
       attachment_name, attachment_type, octet_length(attachment) AS attachment_size
FROM letter_responses WHERE id = $1 FOR UPDATE;

-- name: insert-response
INSERT INTO letter_responses (action_id, recipient_id, received_on, from_whom, body, public, attachment, attachment_name, attachment_type, created_by)
VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, $9, $10)
RETURNING id;

-- name: update-response
UPDATE letter_responses SET recipient_id = $2, received_on = $3::date, from_whom = $4, body = $5, public = $6, updated_at = now()
WHERE id = $1;

-- name: set-response-attachment
-- A new file, or none ($2, $3, $4 all null).
UPDATE letter_responses SET attachment = $2, attachment_name = $3, attachment_type = $4, updated_at = now() WHERE id = $1;

-- name: delete-response
DELETE FROM letter_responses WHERE id = $1;

-- name: response-recipient-choices
-- Who may have answered: the recipients the action's letter writes to or falls back to.
SELECT r.id, r.name, r.organisation, r.country FROM recipients r
WHERE r.id IN (SELECT recipient_id FROM letter_recipients WHERE action_id = $1
               UNION SELECT fallback_recipient_id FROM letters WHERE action_id = $1)
ORDER BY r.organisation, r.country NULLS FIRST, r.name;

-- name: public-responses-of-action
SELECT r.id, rc.name AS recipient_name, to_char(r.received_on, 'YYYY-MM-DD') AS received_on, r.from_whom, r.body,
       r.attachment_name, r.attachment_type
FROM letter_responses r LEFT JOIN recipients rc ON rc.id = r.recipient_id
WHERE r.action_id = $1 AND r.public
ORDER BY r.received_on DESC, r.id DESC;

-- name: sent-without-response
-- The recipients a letter of the action was sent to (the SMTP server took it)
-- that have not answered, with the first sending: "N days, no reply". Any
-- response counts, a private one too: the page must not say "no reply" to one
-- the organisers keep to themselves.
-- On every view of the action page: the recipients are found by skipping
-- along letter_deliveries_sent_idx from one recipient to the next, and each
-- one's first letter is the first entry of its own part of it, so the cost is
-- a few lookups per recipient, not a read of every letter sent.
WITH RECURSIVE sent_to AS (
  SELECT (SELECT min(d.recipient_id) FROM letter_deliveries d
          WHERE d.action_id = $1 AND d.state = 'sent' AND d.sent_at IS NOT NULL) AS recipient_id
  UNION ALL
  SELECT (SELECT min(d.recipient_id) FROM letter_deliveries d
          WHERE d.action_id = $1 AND d.state = 'sent' AND d.sent_at IS NOT NULL AND d.recipient_id > sent_to.recipient_id)
  FROM sent_to WHERE sent_to.recipient_id IS NOT NULL
)
SELECT r.id AS recipient_id, r.name, r.organisation, first.sent_at AS first_sent_at
FROM sent_to
JOIN recipients r ON r.id = sent_to.recipient_id
CROSS JOIN LATERAL (
  SELECT min(d.sent_at) AS sent_at FROM letter_deliveries d
  WHERE d.action_id = $1 AND d.recipient_id = sent_to.recipient_id AND d.state = 'sent' AND d.sent_at IS NOT NULL
) first
WHERE first.sent_at <= $2
  AND NOT EXISTS (SELECT 1 FROM letter_responses x WHERE x.action_id = $1 AND x.recipient_id = r.id)
ORDER BY first_sent_at, r.name;

-- name: public-attachment
-- Only a public response of an action the public may see (not a draft, and
-- with its post published if it has one: the condition of get-action-by-slug).
SELECT r.attachment, r.attachment_name, r.attachment_type
FROM letter_responses r
JOIN actions a ON a.id = r.action_id
LEFT JOIN posts p ON p.id = a.post_id AND p.status = 'published' AND p.published_at <= now()
WHERE r.id = $1 AND r.public AND r.attachment IS NOT NULL
  AND a.status <> 'draft' AND (a.post_id IS NULL OR p.id IS NOT NULL);

-- name: response-attachment
-- For organisers: the file of any response.
SELECT attachment, attachment_name, attachment_type FROM letter_responses WHERE id = $1 AND attachment IS NOT NULL;
