-- RSVPs to protests (issue 11), a kind of pledge (src/protests/rsvp-pledge.ts):
-- stored pending, counted once confirmed from the mailbox and not cancelled.
-- Who RSVPed is never public: pages read counts only; names and addresses
-- leave through the organisers' pages and the local organiser's link.

-- name: get-protest
-- A protest as the RSVP form, its confirmation and its pages need it: where,
-- when, how many places are taken, and whether the call's letter to this
-- protest's embassy can be signed alongside (the call's action has a letter
-- and the protest an embassy). takes_rsvps: listed, not over, the call open.
SELECT p.id, p.action_id, p.status, p.country, p.city, p.place, p.address, p.meeting_point,
       p.starts_at, p.ends_at, p.time_zone, p.capacity, p.recipient_id,
       a.slug AS action_slug, a.title AS action_title,
       coalesce(r.name, '') AS recipient_name,
       (l.action_id IS NOT NULL AND r.id IS NOT NULL) AS letter_alongside,
       (p.status = 'listed' AND p.ends_at > now() AND a.status = 'open' AND a.kind = 'protest_call') AS takes_rsvps,
       (SELECT count(*)::int FROM rsvps v WHERE v.protest_id = p.id AND v.confirmed_at IS NOT NULL AND v.cancelled_at IS NULL) AS confirmed,
       -- public: as its call's page is (sql/protests.sql public-protest): not a draft, its post published.
       (a.status <> 'draft' AND (a.post_id IS NULL OR po.id IS NOT NULL)) AS public
FROM protests p
JOIN actions a ON a.id = p.action_id
LEFT JOIN posts po ON po.id = a.post_id AND po.status = 'published' AND po.published_at <= now()
LEFT JOIN letters l ON l.action_id = p.action_id
LEFT JOIN recipients r ON r.id = p.recipient_id
WHERE p.id = $1;

-- name: insert-rsvp
-- A first RSVP with this address to this protest, and the supporter the
-- address stands for (made on its first pledge, as signing does; it gets a
-- name only once a pledge is confirmed). Nothing when the address RSVPed to
-- this protest before: the caller then asks count-another-rsvp-notice.
WITH supporter AS (
  INSERT INTO supporters (email) VALUES ($2)
  ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
  RETURNING id
)
INSERT INTO rsvps (protest_id, supporter_id, name, share_with_organiser, wants_updates)
SELECT $1, supporter.id, $3, $4, $5 FROM supporter
ON CONFLICT (protest_id, supporter_id) DO NOTHING
RETURNING id, supporter_id;

-- name: set-rsvp-signature
-- The call's letter signed alongside: the pending signature the RSVP confirms.
UPDATE rsvps SET signature_id = $2 WHERE id = $1;

-- name: find-signature-of-email
-- The address's signature of the call's action when it signed before (the
-- letter alongside is then that one, never a second).
SELECT id FROM signatures WHERE action_id = $1 AND email = $2;

-- name: count-another-rsvp-notice
-- The address RSVPed to this protest again: one more email to the mailbox, up
-- to $3 in all, and which kind (a live RSVP is told it stands; a pending or
-- cancelled one gets a fresh link). Past the bound, a fresh link only once the
-- last one expired ($4 days), so nobody is locked out for good.
UPDATE rsvps v SET notices_sent = v.notices_sent + 1, last_notice_at = now()
FROM supporters s
WHERE v.protest_id = $1 AND s.email = $2 AND v.supporter_id = s.id
  AND (v.notices_sent < $3
       OR ((v.confirmed_at IS NULL OR v.cancelled_at IS NOT NULL) AND v.last_notice_at < now() - make_interval(days => $4)))
RETURNING v.id, v.notices_sent, (v.confirmed_at IS NOT NULL AND v.cancelled_at IS NULL) AS live;

-- name: narrow-rsvp-choices
-- The address RSVPed again while its RSVP is not live: whoever typed the
-- address may not be its owner, and the RSVP made first may not have been
-- theirs either. So the boxes can only be unticked: sharing with the local
-- organiser and the updates consent stay only if this form ticked them too,
-- and the letter alongside stays linked only if this form asked for it (an
-- unlinked pending signature goes by the signatures' own purge). The owner
-- confirming their own link then gets at most what they chose.
UPDATE rsvps v SET share_with_organiser = v.share_with_organiser AND $3,
                   wants_updates = v.wants_updates AND $4,
                   signature_id = CASE WHEN $5 THEN v.signature_id END
FROM supporters s
WHERE v.protest_id = $1 AND s.email = $2 AND v.supporter_id = s.id
  AND (v.confirmed_at IS NULL OR v.cancelled_at IS NOT NULL);

-- name: allow-new-rsvp-link
-- "Send me a new link" from a spent link of an RSVP not live: within the same
-- bound as RSVPing again ($2 in all), or past it once the last link expired.
UPDATE rsvps SET notices_sent = notices_sent + 1, last_notice_at = now()
WHERE id = $1 AND (confirmed_at IS NULL OR cancelled_at IS NOT NULL)
  AND (notices_sent < $2 OR last_notice_at < now() - make_interval(days => $3))
RETURNING notices_sent;

-- name: get-rsvp-for-notice
-- What an email about an RSVP says, and to whom.
SELECT v.id AS rsvp_id, s.email, v.name, v.share_with_organiser, v.wants_updates, v.signature_id,
       v.confirmed_at IS NOT NULL AND v.cancelled_at IS NULL AS live,
       p.id AS protest_id, p.city, p.country, p.place, p.address, p.meeting_point, p.starts_at, p.time_zone,
       a.slug AS action_slug, a.title AS action_title, coalesce(r.name, '') AS recipient_name
FROM rsvps v
JOIN supporters s ON s.id = v.supporter_id
JOIN protests p ON p.id = v.protest_id
JOIN actions a ON a.id = p.action_id
LEFT JOIN recipients r ON r.id = p.recipient_id
WHERE v.id = $1;

-- name: insert-rsvp-token
INSERT INTO confirmation_tokens (token_hash, rsvp_id, expires_at)
VALUES ($1, $2, now() + make_interval(days => $3));

-- name: find-rsvp-token
-- What the confirmation page needs: the token's state, the RSVP, and the
-- protest it restates (place and local time). open: the protest still takes
-- RSVPs (listed, not over, its call open).
SELECT t.rsvp_id, t.used_at, t.expires_at < now() AS expired,
       v.confirmed_at IS NOT NULL AND v.cancelled_at IS NULL AS confirmed,
       v.name, v.share_with_organiser, v.wants_updates, v.signature_id,
       p.id AS protest_id, p.city, p.place, p.address, p.starts_at, p.time_zone,
       a.slug AS action_slug, a.title AS action_title, coalesce(r.name, '') AS recipient_name,
       (p.status = 'listed' AND p.ends_at > now() AND a.status = 'open') AS open
FROM confirmation_tokens t
JOIN rsvps v ON v.id = t.rsvp_id
JOIN protests p ON p.id = v.protest_id
JOIN actions a ON a.id = p.action_id
LEFT JOIN recipients r ON r.id = p.recipient_id
WHERE t.token_hash = $1;

-- name: lock-supporter-of-rsvp-token
-- First in the confirming transaction, as for signatures: the supporter, in
-- the order erasure and withdrawal lock (supporter, then pledge).
SELECT s.id
FROM confirmation_tokens t
JOIN rsvps v ON v.id = t.rsvp_id
JOIN supporters s ON s.id = v.supporter_id
WHERE t.token_hash = $1
FOR UPDATE OF s;

-- name: lock-protest-of-rsvp
-- Capacity: the protest row locked to the end of the confirming transaction,
-- so that confirmations of one protest count one after the other and the
-- count each sees includes every confirmation committed before it. Then the
-- places taken, read after the lock (a statement of its own: its snapshot is
-- taken once the lock is held, under READ COMMITTED).
-- open: whether it still takes RSVPs, read under the lock (an organiser may
-- have cancelled it since the link was opened, and its notice gone already).
SELECT p.id, p.capacity, a.slug AS action_slug, (p.status = 'listed' AND p.ends_at > now() AND a.status = 'open') AS open
FROM rsvps v JOIN protests p ON p.id = v.protest_id JOIN actions a ON a.id = p.action_id
WHERE v.id = $1
FOR UPDATE OF p;

-- name: count-places-taken
SELECT count(*)::int AS n FROM rsvps WHERE protest_id = $1 AND confirmed_at IS NOT NULL AND cancelled_at IS NULL;

-- name: confirm-rsvp
-- Confirms an RSVP not live (pending, or cancelled and RSVPed again); nothing
-- for a live one (another link confirmed it first).
UPDATE rsvps v SET confirmed_at = now(), cancelled_at = NULL
FROM protests p, actions a
WHERE v.id = $1 AND p.id = v.protest_id AND a.id = p.action_id AND (v.confirmed_at IS NULL OR v.cancelled_at IS NOT NULL)
RETURNING v.id, v.supporter_id, v.protest_id, p.action_id, a.slug AS action_slug, v.name, v.wants_updates, v.signature_id;

-- name: delete-pending-rsvp
-- "It wasn't me": a pending RSVP goes with its tokens (ON DELETE CASCADE);
-- returns the signature made alongside, which goes too if still pending.
DELETE FROM rsvps WHERE id = $1 AND confirmed_at IS NULL RETURNING signature_id;

-- name: delete-pending-signature-alongside
DELETE FROM signatures WHERE id = $1 AND confirmed_at IS NULL;

-- name: get-rsvp-page
-- The RSVP's own page (/rsvp/:token, from its emails).
SELECT v.id, v.name, v.confirmed_at IS NOT NULL AS confirmed, v.cancelled_at IS NOT NULL AS cancelled,
       p.id AS protest_id, p.city, p.place, p.address, p.starts_at, p.time_zone, p.status AS protest_status,
       a.slug AS action_slug, a.title AS action_title
FROM rsvps v JOIN protests p ON p.id = v.protest_id JOIN actions a ON a.id = p.action_id
WHERE v.id = $1;

-- name: cancel-rsvp
-- The supporter will not come: the place frees at once (it no longer counts).
-- Twice is once.
UPDATE rsvps SET cancelled_at = now() WHERE id = $1 AND cancelled_at IS NULL RETURNING id;

-- name: list-protest-rsvps
-- Organisers and the local organiser: the confirmed, live RSVPs, oldest first.
-- The first name only, unless the supporter agreed to share their name and
-- email with the local organiser: then those too. Nothing else leaves.
-- (The first name is cut from the name in src/protests/rsvp.repo.ts, firstNameOf.)
SELECT v.id, v.name AS typed_name, v.share_with_organiser,
       CASE WHEN v.share_with_organiser THEN v.name END AS full_name,
       CASE WHEN v.share_with_organiser THEN s.email END AS email,
       v.confirmed_at
FROM rsvps v JOIN supporters s ON s.id = v.supporter_id
WHERE v.protest_id = $1 AND v.confirmed_at IS NOT NULL AND v.cancelled_at IS NULL
ORDER BY v.confirmed_at, v.id;

-- name: admin-get-protest
SELECT p.id, p.action_id, p.city, p.country, p.place, p.starts_at, p.time_zone, p.capacity, p.status, a.title AS action_title
FROM protests p JOIN actions a ON a.id = p.action_id
WHERE p.id = $1;

-- name: set-organiser-link
-- One live link per protest: a new one replaces the old.
INSERT INTO protest_organiser_links (protest_id, token_hash, created_by)
VALUES ($1, $2, $3)
ON CONFLICT (protest_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_by = EXCLUDED.created_by, created_at = now();

-- name: find-organiser-link
-- A link works until a week after its protest ended (time for the local
-- organiser to write to those who shared their email): names of people who
-- protested are not kept on an open link for ever.
SELECT l.protest_id FROM protest_organiser_links l JOIN protests p ON p.id = l.protest_id
WHERE l.protest_id = $1 AND l.token_hash = $2 AND p.ends_at > now() - interval '7 days';

-- name: list-supporter-rsvps
-- The privacy page: every RSVP of the supporter, with its protest.
SELECT v.id, v.name, v.share_with_organiser, v.wants_updates, v.created_at, v.confirmed_at, v.cancelled_at,
       p.city, p.place, p.starts_at, p.time_zone, a.title AS action_title, a.slug AS action_slug
FROM rsvps v JOIN protests p ON p.id = v.protest_id JOIN actions a ON a.id = p.action_id
WHERE v.supporter_id = $1
ORDER BY v.created_at, v.id;

-- name: purge-stale-pending-rsvps
-- As pending signatures: an RSVP never confirmed is kept $1 days after its
-- last link expired (links live $2 days), then deleted with its tokens. Its
-- signature alongside, pending too, goes by the signatures' own purge. A
-- cancelled RSVP stays (it was confirmed: the supporter's own record, until
-- they erase it).
DELETE FROM rsvps v
WHERE v.confirmed_at IS NULL
  AND v.last_notice_at < now() - make_interval(days => $1::int + $2::int)
  AND NOT EXISTS (SELECT 1 FROM confirmation_tokens t
                  WHERE t.rsvp_id = v.id AND t.expires_at > now() - make_interval(days => $1));

-- name: anonymise-past-rsvps
-- $1 days after a protest ended: its confirmed, live RSVPs keep only what its
-- count needs (confirmed, not cancelled); every other RSVP of it (pending,
-- cancelled) goes, with its tokens; the local organiser's link goes too.
-- The signature alongside stays a signature (the letter's, anonymised with its
-- action). protests_listed_start_idx does not cover ended ones: a scan of the
-- protests, which are few.
WITH past AS (
  SELECT id FROM protests WHERE ends_at < now() - make_interval(days => $1)
),
gone AS (
  DELETE FROM rsvps v USING past
  WHERE v.protest_id = past.id AND v.anonymised_at IS NULL AND (v.confirmed_at IS NULL OR v.cancelled_at IS NOT NULL)
  RETURNING v.id
),
anonymised AS (
  UPDATE rsvps v SET name = '', supporter_id = NULL, share_with_organiser = false, wants_updates = false,
                     signature_id = NULL, anonymised_at = now()
  FROM past
  WHERE v.protest_id = past.id AND v.anonymised_at IS NULL AND v.confirmed_at IS NOT NULL AND v.cancelled_at IS NULL
  RETURNING v.id
),
links AS (
  DELETE FROM protest_organiser_links l USING past WHERE l.protest_id = past.id RETURNING l.protest_id
)
SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM anonymised)::int AS anonymised, (SELECT count(*) FROM links)::int AS links;
