-- A supporter's own data, in their hands (issue 9): the privacy page emails a
-- link to an address it knows, and that link shows, exports, withdraws and
-- erases what Placard holds about the address. Like confirmation links, only a
-- SHA-256 of the token is stored (src/http/link-tokens.ts); the token exists
-- only in the email. A link is reusable until it expires (a supporter looks,
-- downloads, then withdraws one signature), and goes with its supporter: erasure
-- deletes the supporter, so ON DELETE CASCADE kills every link at once.
CREATE TABLE privacy_links (
  token_hash    bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  supporter_id  bigint NOT NULL REFERENCES supporters (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
-- The cascade from supporters, and erasure, find a supporter's links by this.
CREATE INDEX privacy_links_supporter_idx ON privacy_links (supporter_id);
-- Expired links are deleted every round of the anonymisation task.
CREATE INDEX privacy_links_expires_idx ON privacy_links (expires_at);
