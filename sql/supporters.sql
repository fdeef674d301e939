-- Supporters and their consent ledger (src/supporters). A supporter row is made
-- when an address first pledges (inside insert-signature, sql/signatures.sql);
-- its name and consent come only from pledges its mailbox confirmed.

-- name: confirm-supporter
-- A pledge of this supporter was confirmed from their mailbox: they are called
-- what they typed for it ($2), and the mailbox is known to work. Returns the
-- address, for the suppression list.
UPDATE supporters SET name = $2, confirmed_at = coalesce(confirmed_at, now())
WHERE id = $1
RETURNING email;

-- name: give-consent
-- Records a consent with the words shown ($3), from a pledge ($4, and its
-- action $5). A live consent for the purpose stays as it is: the ledger keeps
-- when and where they first agreed. Returns the new row's id, or nothing.
INSERT INTO consents (supporter_id, purpose, wording, source, source_action_id)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (supporter_id, purpose) WHERE withdrawn_at IS NULL DO NOTHING
RETURNING id;

-- name: withdraw-consent
-- Withdraws the live consent for a purpose ($2), saying how ($3). Returns the
-- consent withdrawn, or nothing when there was none (unsubscribing twice).
UPDATE consents SET withdrawn_at = now(), withdrawn_via = $3
WHERE supporter_id = $1 AND purpose = $2 AND withdrawn_at IS NULL
RETURNING id;

-- name: list-consents
-- A supporter's ledger, oldest first: for their privacy page and their export.
SELECT c.id, c.purpose, c.wording, c.source, c.given_at, c.withdrawn_at, c.withdrawn_via,
       a.slug AS source_action_slug, a.title AS source_action_title
FROM consents c LEFT JOIN actions a ON a.id = c.source_action_id
WHERE c.supporter_id = $1
ORDER BY c.given_at, c.id;

-- name: get-supporter
SELECT id, email, name, locale, created_at, confirmed_at FROM supporters WHERE id = $1;

-- name: find-supporter-by-email
SELECT id, email, name, locale, created_at, confirmed_at FROM supporters WHERE email = $1;

-- name: purge-supporters-with-nothing-left
-- A supporter left with no pledge and no live consent is kept for nothing, and
-- goes: an address that never confirmed anything (the purge of pending
-- signatures took them, or "it wasn't me": only what someone typed), or a
-- supporter whose signatures were all withdrawn or anonymised and who does not
-- want updates. What must outlive them (an unsubscribe, a bounce) is on the
-- suppression list, by hash. A day's grace covers a signing that created the
-- row and has not committed its signature yet. signatures_supporter_idx,
-- consents_live_idx. An RSVP is a pledge too (rsvps_supporter_idx): deleting
-- its supporter would take it (ON DELETE CASCADE); pending ones go by their
-- own purge first (sql/rsvps.sql, purge-stale-pending-rsvps).
DELETE FROM supporters p
WHERE p.created_at < now() - interval '1 day'
  AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.supporter_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM rsvps v WHERE v.supporter_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.supporter_id = p.id AND c.withdrawn_at IS NULL);
