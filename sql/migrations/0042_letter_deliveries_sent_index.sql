-- placard:no-transaction
-- The action page of a letter action says how long each recipient has gone
-- without replying since its first letter (sql/letter-responses.sql,
-- sent-without-response): with this index that is a few lookups per recipient
-- rather than a read of every letter the action sent, on every view.
CREATE INDEX CONCURRENTLY IF NOT EXISTS letter_deliveries_sent_idx ON letter_deliveries (action_id, recipient_id, sent_at) WHERE state = 'sent' AND sent_at IS NOT NULL;
