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

-- Indexes on signatures and tokens, which may be big, are built concurrently by
-- the migrations that follow, without blocking signing.
