-- placard:no-transaction
-- Deleting a signature finds its mail records by this (the ON DELETE CASCADE of 0007).
CREATE INDEX CONCURRENTLY IF NOT EXISTS sent_emails_signature_idx ON sent_emails (signature_id) WHERE signature_id IS NOT NULL;
