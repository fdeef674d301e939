-- The admin of protest calls and their protests (src/protests/protests-admin.repo.ts).

-- name: get-call
SELECT action_id, day::text AS day, time_zone, commemorates, proposals_open, thank_you_message, thank_you_link, created_at, updated_at
FROM protest_calls WHERE action_id = $1;

-- name: lock-call
-- Before a save: the row as it was (for the audit entry and edited_from), held until commit.
SELECT action_id, day::text AS day, time_zone, commemorates, proposals_open, thank_you_message, thank_you_link, updated_at
FROM protest_calls WHERE action_id = $1 FOR UPDATE;

-- name: insert-call
-- Nothing when another organiser made it meanwhile: the service then refuses as edited meanwhile.
INSERT INTO protest_calls (action_id, day, time_zone, commemorates, proposals_open, thank_you_message, thank_you_link)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (action_id) DO NOTHING
RETURNING action_id;

-- name: update-call
UPDATE protest_calls
SET day = $2, time_zone = $3, commemorates = $4, proposals_open = $5, thank_you_message = $6, thank_you_link = $7, updated_at = now()
WHERE action_id = $1;

-- name: list-protests
-- Every protest of a call with its count (confirmed, not cancelled RSVPs:
-- rsvps_counted_idx), by country, city and start, as the admin groups them.
SELECT p.id, p.status, p.country, p.city, p.place, p.starts_at, p.ends_at, p.time_zone, p.capacity, p.version,
       p.proposed_by_name, p.proposed_by_email, p.created_at,
       (SELECT count(*) FROM rsvps r WHERE r.protest_id = p.id AND r.confirmed_at IS NOT NULL AND r.cancelled_at IS NULL)::int AS confirmed
FROM protests p
WHERE p.action_id = $1
ORDER BY p.country, p.city, p.starts_at, p.id;

-- name: get-protest
SELECT p.*,
       (SELECT count(*) FROM rsvps r WHERE r.protest_id = p.id AND r.confirmed_at IS NOT NULL AND r.cancelled_at IS NULL)::int AS confirmed
FROM protests p WHERE p.id = $1;

-- name: lock-protest
-- Before a change: the row as it was, held until commit. Confirming an RSVP
-- takes the same lock to count against the capacity, so a capacity lowered
-- here and a confirm there never both pass on the old numbers.
SELECT * FROM protests WHERE id = $1 FOR UPDATE;

-- name: confirmed-count
SELECT count(*)::int AS confirmed FROM rsvps WHERE protest_id = $1 AND confirmed_at IS NOT NULL AND cancelled_at IS NULL;

-- name: insert-protest
INSERT INTO protests (action_id, status, country, city, place, address, meeting_point, latitude, longitude, starts_at, ends_at, time_zone,
                      capacity, accessibility, organiser_name, organiser_contact, organiser_contact_public, recipient_id)
VALUES ($1, 'listed', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
RETURNING id;

-- name: update-protest
-- $18: the version, bumped by the caller when the protest moved (its notices and reminders are per version).
UPDATE protests
SET country = $2, city = $3, place = $4, address = $5, meeting_point = $6, latitude = $7, longitude = $8, starts_at = $9, ends_at = $10,
    time_zone = $11, capacity = $12, accessibility = $13, organiser_name = $14, organiser_contact = $15, organiser_contact_public = $16,
    recipient_id = $17, version = $18, updated_at = now()
WHERE id = $1;

-- name: decide-proposal
-- Approved (listed) or rejected: who proposed it was for the organisers only
-- until they decided, so it goes now.
UPDATE protests
SET status = $2, proposed_by_name = NULL, proposed_by_email = NULL, proposal_note = NULL, updated_at = now()
WHERE id = $1 AND status = 'proposed';

-- name: cancel-protest
UPDATE protests SET status = 'cancelled', cancelled_at = $2, updated_at = now() WHERE id = $1 AND status = 'listed';

-- name: get-recipient-choice
-- The embassy chosen for a protest, if it is in the directory: its country to check against the protest's.
SELECT id, name, country FROM recipients WHERE id = $1;
