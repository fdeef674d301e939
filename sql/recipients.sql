-- The directory of recipients (src/letters/recipients.repo.ts).

-- name: insert-recipient
INSERT INTO recipients (name, title, organisation, country, language, time_zone, postal_address, demo)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id;

-- name: insert-address
-- An address already listed for the recipient stays as it is (its health too).
INSERT INTO recipient_addresses (recipient_id, email) VALUES ($1, $2)
ON CONFLICT (recipient_id, email) DO NOTHING;

-- name: list-recipients
-- The directory as organisers see it, with how many addresses are active and
-- how many are not (a bouncing address is flagged there).
SELECT r.id, r.name, r.title, r.organisation, r.country, r.language, r.time_zone, r.postal_address, r.demo,
       count(a.id) FILTER (WHERE a.health = 'active')::int AS active_addresses,
       count(a.id) FILTER (WHERE a.health <> 'active')::int AS unhealthy_addresses
FROM recipients r LEFT JOIN recipient_addresses a ON a.recipient_id = r.id
GROUP BY r.id
ORDER BY r.organisation, r.country NULLS FIRST, r.name;

-- name: list-addresses
SELECT id, email, health, health_since, health_reason FROM recipient_addresses WHERE recipient_id = $1 ORDER BY id;

-- name: find-recipients-in-country
-- Routing by country: the recipients in the signer's country among those an
-- action may write to ($2), e.g. the embassy there.
SELECT id FROM recipients WHERE country = $1 AND id = ANY ($2::bigint[]) ORDER BY id;

-- name: get-recipient
SELECT id, name, title, organisation, country, language, time_zone, postal_address, demo, created_at, updated_at
FROM recipients WHERE id = $1;

-- name: lock-recipient
-- Before a change: the row as it was (for the audit entry), held until commit.
-- Deleting takes it too, so that a letter adding the recipient meanwhile waits
-- for the delete (its foreign key check then fails) instead of losing the row.
SELECT id, name, title, organisation, country, language, time_zone, postal_address, demo
FROM recipients WHERE id = $1 FOR UPDATE;

-- name: update-recipient
UPDATE recipients
SET name = $2, title = $3, organisation = $4, country = $5, language = $6, time_zone = $7, postal_address = $8, updated_at = now()
WHERE id = $1;

-- name: delete-recipient
DELETE FROM recipients WHERE id = $1;

-- name: letters-using-recipient
-- The letter actions that write to the recipient, or fall back to it: deleting
-- it would silently change who they reach.
SELECT a.id, a.title FROM actions a
WHERE a.id IN (SELECT action_id FROM letter_recipients WHERE recipient_id = $1
               UNION SELECT action_id FROM letters WHERE fallback_recipient_id = $1)
ORDER BY a.id;

-- name: list-all-addresses
-- Every address of the directory, for its list page (one query, not one per recipient).
SELECT id, recipient_id, email, health, health_since, health_reason FROM recipient_addresses ORDER BY recipient_id, id;

-- name: add-address
-- Returns nothing when the recipient already has the address.
INSERT INTO recipient_addresses (recipient_id, email) VALUES ($1, $2)
ON CONFLICT (recipient_id, email) DO NOTHING
RETURNING id;

-- name: lock-address
SELECT id, recipient_id, email, health, health_since, health_reason FROM recipient_addresses WHERE id = $1 FOR UPDATE;

-- name: set-address-health
UPDATE recipient_addresses SET health = $2, health_since = $3, health_reason = $4 WHERE id = $1;

-- name: delete-address
DELETE FROM recipient_addresses WHERE id = $1;

-- name: waiting-deliveries-to-address
-- Letters still to go to an address (held or queued): removing the address
-- would leave them without one, so the organiser suppresses it instead.
SELECT count(*)::int AS n FROM letter_deliveries WHERE address_id = $1 AND state IN ('held', 'queued');

-- name: get-address
SELECT id, recipient_id, email, health, health_since, health_reason FROM recipient_addresses WHERE id = $1;
