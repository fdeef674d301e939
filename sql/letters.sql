-- A letter action's letter and the recipients it may go to (src/letters/letters.repo.ts).

-- name: get-letter
SELECT l.action_id, l.subject_template, l.body_template, l.routing, l.fallback_recipient_id, l.delivery,
       l.digest_every, l.digest_hour, to_char(l.scheduled_local, 'YYYY-MM-DD"T"HH24:MI') AS scheduled_local, l.attach_pdf, l.per_hour, l.personal_paragraph,
       l.copy_to_supporter, l.updated_at, a.slug AS action_slug, a.title AS action_title, a.status AS action_status
FROM letters l JOIN actions a ON a.id = l.action_id
WHERE l.action_id = $1;

-- name: letter-recipient-ids
SELECT recipient_id FROM letter_recipients WHERE action_id = $1 ORDER BY recipient_id;

-- name: lock-letter
-- The letter as it stands, locked for a save: two organisers saving at once
-- are taken one after the other, and the second is compared with the first's.
SELECT action_id, updated_at FROM letters WHERE action_id = $1 FOR UPDATE;

-- name: insert-letter
INSERT INTO letters (action_id, subject_template, body_template, routing, fallback_recipient_id, delivery,
                     digest_every, digest_hour, scheduled_local, attach_pdf, per_hour, personal_paragraph, copy_to_supporter)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamp, $10, $11, $12, $13)
ON CONFLICT (action_id) DO NOTHING
RETURNING action_id;

-- name: update-letter
-- Changeable while the action runs: deliveries already queued keep the row
-- they were made for; what is queued next follows the new settings.
UPDATE letters SET subject_template = $2, body_template = $3, routing = $4, fallback_recipient_id = $5, delivery = $6,
  digest_every = $7, digest_hour = $8, scheduled_local = $9::timestamp, attach_pdf = $10, per_hour = $11,
  personal_paragraph = $12, copy_to_supporter = $13, updated_at = clock_timestamp()
WHERE action_id = $1;

-- name: delete-letter-recipients-not-in
DELETE FROM letter_recipients WHERE action_id = $1 AND NOT (recipient_id = ANY ($2::bigint[]));

-- name: add-letter-recipients
INSERT INTO letter_recipients (action_id, recipient_id)
SELECT $1, unnest($2::bigint[])
ON CONFLICT DO NOTHING;

-- name: existing-recipient-ids
-- Of the ids a form sent, those in the directory (a stale or forged id is refused, not a 500 on the foreign key).
SELECT id FROM recipients WHERE id = ANY ($1::bigint[]) ORDER BY id;

-- name: recipients-of-letter
-- The recipients an action writes to, with what a letter says of them, and
-- the fallback of a letter routed by country (flagged, listed once even when
-- it is also one of the chosen). active_addresses: 0 means the letter reaches
-- nobody there, which the settings page says.
SELECT r.id, r.name, r.title, r.organisation, r.country, r.time_zone, r.postal_address,
       lr.recipient_id IS NOT NULL AS chosen, r.id IS NOT DISTINCT FROM l.fallback_recipient_id AS fallback,
       (SELECT count(*)::int FROM recipient_addresses a WHERE a.recipient_id = r.id AND a.health = 'active') AS active_addresses
FROM recipients r
LEFT JOIN letter_recipients lr ON lr.action_id = $1 AND lr.recipient_id = r.id
LEFT JOIN letters l ON l.action_id = $1
WHERE lr.recipient_id IS NOT NULL OR r.id = l.fallback_recipient_id
ORDER BY r.country NULLS LAST, r.name, r.id;

-- name: list-held-deliveries
-- The letters waiting for an organiser to read the supporter's paragraph,
-- oldest first, with who wrote it.
SELECT d.id, d.email, d.created_at, r.name AS recipient_name,
       s.name AS signer_name, s.country AS signer_country, s.locality AS signer_town, s.comment AS paragraph
FROM letter_deliveries d
LEFT JOIN recipients r ON r.id = d.recipient_id
LEFT JOIN signatures s ON s.id = d.signature_id
WHERE d.action_id = $1 AND d.state = 'held'
ORDER BY d.id
LIMIT 500;

-- name: release-held-delivery
-- An organiser has read the paragraph: the letter goes, with it ($3 false) or
-- without it ($3 true). Only a held letter of this action: a second press, or
-- a delivery of another action, changes nothing. Pacing is the sender's, so it
-- may go at once (not_before now).
UPDATE letter_deliveries SET state = 'queued', without_paragraph = $3, not_before = greatest(not_before, now())
WHERE id = $1 AND action_id = $2 AND state = 'held'
RETURNING id, email, signature_id;

-- name: get-delivery-state
SELECT id, action_id, state FROM letter_deliveries WHERE id = $1;

-- name: letter-action-id-by-slug
-- The demo's letters find their actions by slug (src/demo/demo-content.ts).
SELECT id FROM actions WHERE slug = $1 AND kind = 'letter';

-- name: demo-recipient-ids
-- The demo's directory by name and country, for the demo's letters.
SELECT id, name, country FROM recipients WHERE demo ORDER BY id;
