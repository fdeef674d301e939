-- The record of emails by idempotency key: claimed before sending, finished
-- after. A message goes out at least once and, but for one window, at most
-- once: a worker that dies after the SMTP server accepted the message and
-- before it is finished here sends it again when the claim's lease runs out,
-- under the same Message-ID, so that receiving systems can drop the repeat.

-- name: claim-email
-- Returns the Message-ID to send under, only to the one caller that may send
-- now: the first, or the next one after a claim was released (a temporary
-- failure) or its lease ran out (its worker died mid-send). A second claim keeps
-- the first Message-ID.
INSERT INTO sent_emails (idempotency_key, template, status, message_id, claimed_until, signature_id)
VALUES ($1, $2, 'sending', $3, now() + make_interval(secs => $4), $5)
ON CONFLICT (idempotency_key) DO UPDATE
SET claimed_until = EXCLUDED.claimed_until
WHERE sent_emails.status = 'sending' AND (sent_emails.claimed_until IS NULL OR sent_emails.claimed_until < now())
RETURNING message_id;

-- name: get-email-status
SELECT status FROM sent_emails WHERE idempotency_key = $1;

-- name: finish-email
UPDATE sent_emails SET status = $2, smtp_response = $3, claimed_until = NULL
WHERE idempotency_key = $1;

-- name: release-email
-- A temporary failure: the next attempt may claim the key at once. The row
-- (and its Message-ID) stays, in case the server did take the message before
-- the connection failed.
UPDATE sent_emails SET claimed_until = NULL WHERE idempotency_key = $1 AND status = 'sending';

-- name: purge-old-emails
-- Mail records are kept $1 days: long past any retry of their job (about a
-- day), so idempotency never needs them again, and then they go. A claim still
-- being sent stays. sent_emails_created_idx.
DELETE FROM sent_emails WHERE created_at < now() - make_interval(days => $1) AND status <> 'sending';
