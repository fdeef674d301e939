-- The audit log: appended to by every admin change, read by admins.

-- name: insert-audit-entry
INSERT INTO audit_log (organiser_id, organiser_name, event, subject_type, subject_id, summary, before, after)
SELECT $1, coalesce((SELECT name FROM organisers WHERE id = $1), ''), $2, $3, $4, $5, $6, $7;

-- name: list-audit-entries
-- Newest first, a page at a time: keyset on (created_at, id) from the last row seen.
SELECT id, organiser_id, organiser_name, event, subject_type, subject_id, summary, before, after, created_at
FROM audit_log
WHERE ($1::bigint IS NULL OR id < $1)
  AND ($2::text IS NULL OR subject_type = $2)
  AND ($3::text IS NULL OR subject_id = $3)
ORDER BY id DESC
LIMIT $4;
