-- The record of emails by idempotency key: claimed before sending, finished
-- after, so a message goes out once however often its job runs.

-- name: claim-email
-- Returns a row only to the one caller that may send now: the first, or the
-- next one after a claim's lease ran out (its worker died mid-send).
INSERT INTO sent_emails (idempotency_key, template, status, message_id, claimed_until)
VALUES ($1, $2, 'sending', $3, now() + make_interval(secs => $4))
ON CONFLICT (idempotency_key) DO UPDATE
SET message_id = EXCLUDED.message_id, claimed_until = EXCLUDED.claimed_until
WHERE sent_emails.status = 'sending' AND sent_emails.claimed_until < now()
RETURNING idempotency_key;

-- name: get-email-status
SELECT status FROM sent_emails WHERE idempotency_key = $1;

-- name: finish-email
UPDATE sent_emails SET status = $2, smtp_response = $3, claimed_until = NULL
WHERE idempotency_key = $1;

-- name: release-email
-- A temporary failure: let the retry claim the key again.
DELETE FROM sent_emails WHERE idempotency_key = $1 AND status = 'sending';
