-- Each sending of the signing form, kept with the link emailed for it. Until
-- now a second submission with the same email was dropped, and confirming from
-- the mailbox confirmed whatever the first person had typed (someone else,
-- perhaps, choosing the name, "show my name" and "email me updates"). Now the
-- link confirms its own submission: what the mailbox owner sent is what counts.
CREATE TABLE signature_submissions (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  signature_id   bigint NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  country        char(2) NOT NULL,
  locality       text NOT NULL DEFAULT '' CHECK (length(locality) <= 100),
  comment        text NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
  show_name      boolean NOT NULL,
  wants_updates  boolean NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signature_submissions_signature_idx ON signature_submissions (signature_id);

-- The submission a link confirms. NULL for links sent before submissions were
-- kept (they confirm the signature as it stands), and once the signature is
-- confirmed: its submissions are then deleted, while the used token remains to
-- answer "already confirmed".
ALTER TABLE confirmation_tokens
  ADD COLUMN submission_id bigint REFERENCES signature_submissions (id) ON DELETE SET NULL;
CREATE INDEX confirmation_tokens_submission_idx ON confirmation_tokens (submission_id) WHERE submission_id IS NOT NULL;

-- The public list of signers reads only those who chose to show their name:
-- without this, 300,000 confirmed signatures and none opted in were all scanned
-- (45 ms) on every view of the action's page.
CREATE INDEX signatures_public_idx ON signatures (action_id, confirmed_at DESC) WHERE confirmed_at IS NOT NULL AND show_name;

-- The purges (src/signatures/signatures.repo.ts purgeStale) find their rows by
-- these, instead of scanning every signature and token.
CREATE INDEX signatures_pending_idx ON signatures (last_notice_at) WHERE confirmed_at IS NULL;
CREATE INDEX confirmation_tokens_expires_idx ON confirmation_tokens (expires_at);
