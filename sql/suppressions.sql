-- The suppression list (src/mail/suppressions.ts): hashes of addresses not to
-- be mailed, and why. It outlives every purge and erasure by design.

-- name: suppress
-- Adds a reason for an address; a reason already recorded keeps its first time.
INSERT INTO suppressions (email_hash, reason, detail)
VALUES ($1, $2, $3)
ON CONFLICT (email_hash, reason) DO NOTHING;

-- name: reasons-for
-- Why an address is suppressed: no rows, not at all.
SELECT reason, detail, created_at FROM suppressions WHERE email_hash = $1 ORDER BY created_at;

-- name: lift
-- Removes the listed reasons ($2) for an address: its mailbox owner just
-- confirmed a pledge (the address works; with consent, they asked for mail).
DELETE FROM suppressions WHERE email_hash = $1 AND reason = ANY ($2::text[]);
