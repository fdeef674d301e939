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
-- A pending signature whose last link has expired ($4 days) gets a fresh one
-- even past the bound, so nobody is locked out for good.
UPDATE signatures s SET notices_sent = notices_sent + 1, last_notice_at = now()
WHERE s.action_id = $1 AND s.email = $2
  AND (s.notices_sent < $3
       OR (s.confirmed_at IS NULL AND s.last_notice_at < now() - make_interval(days => $4)))
RETURNING s.id, s.notices_sent, s.confirmed_at IS NOT NULL AS confirmed;

-- name: get-signature-for-notice
SELECT s.id, s.email, s.name, s.confirmed_at, a.slug AS action_slug, a.title AS action_title
FROM signatures s JOIN actions a ON a.id = s.action_id
WHERE s.id = $1;

-- name: insert-confirmation-token
INSERT INTO confirmation_tokens (token_hash, signature_id, expires_at)
VALUES ($1, $2, now() + make_interval(days => $3));

-- name: find-token
-- What the confirmation page needs to know about a token, used or not.
SELECT t.signature_id, t.used_at, t.expires_at < now() AS expired, s.confirmed_at,
       a.slug AS action_slug, a.title AS action_title,
       a.status = 'open' AND (a.deadline IS NULL OR a.deadline > now()) AS action_open
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

-- name: purge-stale-pending-signatures
-- Pending signatures that nobody confirmed within $1 days, with no live link
-- left, are deleted: personal data, possibly typed in by someone else, is not
-- kept for nothing.
DELETE FROM signatures s
WHERE s.confirmed_at IS NULL AND s.created_at < now() - make_interval(days => $1)
  AND NOT EXISTS (SELECT 1 FROM confirmation_tokens t WHERE t.signature_id = s.id AND t.expires_at > now());

-- name: purge-dead-tokens
-- Used or expired tokens of confirmed signatures serve only the "already
-- confirmed" page; after $1 days they go too.
DELETE FROM confirmation_tokens WHERE expires_at < now() - make_interval(days => $1);
