-- placard:no-transaction
-- The public list of signers reads only those who chose to show their name:
-- without this, 300,000 confirmed signatures and none opted in were all scanned
-- (45 ms) on every view of the action's page. Built concurrently, so signing
-- goes on while it builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS signatures_public_idx ON signatures (action_id, confirmed_at DESC) WHERE confirmed_at IS NOT NULL AND show_name;
