-- A letter action's letter and the recipients it may go to (src/letters/letters.repo.ts).

-- name: get-letter
SELECT l.action_id, l.subject_template, l.body_template, l.routing, l.fallback_recipient_id, l.delivery,
       l.digest_every, l.digest_hour, to_char(l.scheduled_local, 'YYYY-MM-DD"T"HH24:MI') AS scheduled_local, l.attach_pdf, l.per_hour, l.personal_paragraph,
       l.copy_to_supporter, l.updated_at, a.slug AS action_slug, a.title AS action_title, a.status AS action_status
FROM letters l JOIN actions a ON a.id = l.action_id
WHERE l.action_id = $1;

-- name: letter-recipient-ids
SELECT recipient_id FROM letter_recipients WHERE action_id = $1 ORDER BY recipient_id;
