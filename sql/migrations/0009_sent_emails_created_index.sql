-- placard:no-transaction
-- The retention purge of mail records (sql/mail.sql purge-old-emails) finds them by age.
CREATE INDEX CONCURRENTLY IF NOT EXISTS sent_emails_created_idx ON sent_emails (created_at);
