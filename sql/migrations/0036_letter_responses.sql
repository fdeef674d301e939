-- Recipients' answers to a letter action (issue 10): campaign material ("the
-- embassy has not replied in 30 days"), recorded by organisers, shown on the
-- action's page unless kept private. The attachment (a scan, a PDF) is stored
-- here, in the one source of truth, and capped: 5 MB of PDF, PNG or JPEG,
-- whose type was read from its first bytes, never from its name.
CREATE TABLE letter_responses (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action_id        bigint NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  -- Who answered, if they are in the directory; a deleted recipient leaves
  -- the response with its from_whom.
  recipient_id     bigint REFERENCES recipients (id) ON DELETE SET NULL,
  received_on      date NOT NULL,
  from_whom        text NOT NULL CHECK (length(btrim(from_whom)) BETWEEN 1 AND 200),
  -- The text of the answer, or a summary of it.
  body             text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 20000),
  attachment       bytea CHECK (octet_length(attachment) <= 5242880),
  attachment_name  text CHECK (length(attachment_name) BETWEEN 1 AND 200),
  attachment_type  text CHECK (attachment_type IN ('application/pdf', 'image/png', 'image/jpeg')),
  public           boolean NOT NULL DEFAULT true,
  created_by       bigint REFERENCES organisers (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- A file always has its name and type, and a name or type no file.
  CHECK ((attachment IS NULL) = (attachment_name IS NULL) AND (attachment IS NULL) = (attachment_type IS NULL))
);
CREATE INDEX letter_responses_action_idx ON letter_responses (action_id, received_on DESC, id DESC);
CREATE INDEX letter_responses_recipient_idx ON letter_responses (recipient_id) WHERE recipient_id IS NOT NULL;
