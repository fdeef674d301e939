-- The record of an email goes with what it is about: "it wasn't me" and the
-- purge of pending signatures delete a signature's mail records too (the
-- server's reply to them included). Records of other emails, and older ones,
-- go with the retention purge (src/mail/purge.task.ts). Adding a nullable
-- column rewrites nothing; its indexes are built concurrently next.
ALTER TABLE sent_emails ADD COLUMN signature_id bigint REFERENCES signatures (id) ON DELETE CASCADE;
