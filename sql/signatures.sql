-- Signatures and their confirmation tokens.

-- name: insert-signature
-- A second signature with the same email on the same action inserts nothing;
-- the caller then reads the existing one.
INSERT INTO signatures (action_id, email, name, country, locality, comment, show_name, wants_updates)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (action_id, email) DO NOTHING
RETURNING id;

-- name: count-another-notice
-- Someone signed again with an email that already signed: allow one more
-- notice to the mailbox, up to $3 in all, and say which kind it should be.
UPDATE signatures SET notices_sent = notices_sent + 1
WHERE action_id = $1 AND email = $2 AND notices_sent < $3
RETURNING id, notices_sent, confirmed_at IS NOT NULL AS confirmed;

-- name: get-signature-for-notice
SELECT s.id, s.email, s.name, s.confirmed_at, a.slug AS action_slug, a.title AS action_title, a.kind AS action_kind
FROM signatures s JOIN actions a ON a.id = s.action_id
WHERE s.id = $1;

-- name: insert-confirmation-token
INSERT INTO confirmation_tokens (token_hash, signature_id, expires_at)
VALUES ($1, $2, now() + make_interval(days => $3));

-- name: find-token
-- What the confirmation page needs to know about a token, used or not.
SELECT t.signature_id, t.used_at, t.expires_at < now() AS expired, s.confirmed_at,
       a.slug AS action_slug, a.title AS action_title, a.status AS action_status
FROM confirmation_tokens t
JOIN signatures s ON s.id = t.signature_id
JOIN actions a ON a.id = s.action_id
WHERE t.token_hash = $1;

-- name: use-token
-- Single use: only the first caller with a live token gets a row back.
UPDATE confirmation_tokens SET used_at = now()
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
RETURNING signature_id;

-- name: confirm-signature
UPDATE signatures SET confirmed_at = now()
WHERE id = $1 AND confirmed_at IS NULL
RETURNING id;

-- name: delete-pending-signature
-- "It wasn't me": the pending signature goes, with its tokens (ON DELETE CASCADE).
DELETE FROM signatures WHERE id = $1 AND confirmed_at IS NULL RETURNING id;
