-- Protests as the public sees them (issue 11, part F): a call's page, a
-- protest's calendar file, and a supporter's proposal. Only listed and
-- cancelled protests are public: a cancelled one stays on the page, marked,
-- because people who planned to go must see that it is off; a proposal waits
-- for an organiser, and a rejected one is never shown.

-- name: call-of-action
SELECT action_id, day, time_zone, commemorates, proposals_open, thank_you_message, thank_you_link
FROM protest_calls WHERE action_id = $1;

-- name: public-protests-of-call
-- "Confirmed" (docs/CONTEXT.md): confirmed and not cancelled, the rows of the
-- partial index rsvps_counted_idx. Counted per protest here: a call has tens
-- of protests, each a few hundred RSVPs at most, so the index answers at once.
SELECT p.id, p.status, p.country, p.city, p.place, p.address, p.meeting_point,
       p.latitude::float8 AS latitude, p.longitude::float8 AS longitude,
       p.starts_at, p.ends_at, p.time_zone, p.capacity, p.accessibility,
       p.organiser_name, p.organiser_contact, p.organiser_contact_public,
       p.recipient_id, r.name AS recipient_name, p.version, p.cancelled_at,
       (SELECT count(*)::int FROM rsvps v WHERE v.protest_id = p.id AND v.confirmed_at IS NOT NULL AND v.cancelled_at IS NULL) AS confirmed
FROM protests p
LEFT JOIN recipients r ON r.id = p.recipient_id
WHERE p.action_id = $1 AND p.status IN ('listed', 'cancelled')
ORDER BY p.country, p.city, p.starts_at, p.id;

-- name: public-protest
-- A protest for its calendar file, with its call's action, public as the
-- action page is (sql/actions.sql get-action-by-slug: not a draft, and its
-- post published).
SELECT p.id, p.status, p.country, p.city, p.place, p.address, p.meeting_point,
       p.latitude::float8 AS latitude, p.longitude::float8 AS longitude,
       p.starts_at, p.ends_at, p.time_zone, p.accessibility, p.version, p.updated_at, p.created_at,
       a.slug AS action_slug, a.title AS action_title
FROM protests p
JOIN actions a ON a.id = p.action_id
LEFT JOIN posts po ON po.id = a.post_id AND po.status = 'published' AND po.published_at <= now()
WHERE p.id = $1 AND p.status IN ('listed', 'cancelled')
  AND a.status <> 'draft' AND (a.post_id IS NULL OR po.id IS NOT NULL);

-- name: insert-proposal
-- A supporter's proposal: waits (proposed) until an organiser lists or rejects it.
INSERT INTO protests (action_id, status, country, city, place, address, meeting_point, starts_at, ends_at, time_zone,
                      proposed_by_name, proposed_by_email, proposal_note)
VALUES ($1, 'proposed', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING id;

-- name: proposal
-- For the organisers' email: still a proposal (an organiser may have decided already).
SELECT p.id, p.action_id, p.country, p.city, p.place, p.address, p.meeting_point, p.starts_at, p.ends_at, p.time_zone,
       p.proposed_by_name, p.proposed_by_email, p.proposal_note, a.title AS action_title
FROM protests p JOIN actions a ON a.id = p.action_id
WHERE p.id = $1 AND p.status = 'proposed';
