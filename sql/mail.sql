-- What was sent, by idempotency key: a job retried after a crash looks here first.

-- name: find-sent-email
SELECT status FROM sent_emails WHERE idempotency_key = $1;

-- name: record-sent-email
INSERT INTO sent_emails (idempotency_key, template, status, message_id, smtp_response)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (idempotency_key) DO NOTHING;
