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
