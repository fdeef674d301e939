-- Confirmation links of pledges (src/pledges): what a signature and, later, an
-- RSVP share. Each kind of pledge keeps its own queries for what a link
-- restates and what confirming it does; these are the token's own.

-- name: use-token
-- Single use: only the first caller with a live token gets a row back.
UPDATE confirmation_tokens SET used_at = now()
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
RETURNING signature_id, submission_id, rsvp_id;
