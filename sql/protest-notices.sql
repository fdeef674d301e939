-- Notices to RSVPs (sql/migrations/0037_protest_calls.sql, protest_notices).

-- name: queue-notice
-- A notice to every confirmed RSVP of a protest, once per kind and version:
-- called in the transaction that moves or cancels the protest (and by the
-- reminder task when a reminder is due). A second call changes nothing.
INSERT INTO protest_notices (protest_id, kind, version) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING;
