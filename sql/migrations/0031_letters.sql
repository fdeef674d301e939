-- Letters (issue 10): the letter an action of kind 'letter' sends, who it goes
-- to, how it is delivered, and every delivery with its state. A delivery row is
-- itself the durable job: created in the transaction that causes it (a
-- signature's confirmation, a digest's run, a scheduled letter's hour), claimed
-- with a lease before sending, and sent through sendOnce under the key
-- letter:<delivery id>, so that it goes once across restarts and workers.

CREATE TABLE letters (
  action_id            bigint PRIMARY KEY REFERENCES actions (id) ON DELETE CASCADE,
  -- Templates in the letter language of src/letters/template.ts, checked on save.
  subject_template     text NOT NULL CHECK (length(subject_template) BETWEEN 1 AND 500),
  body_template        text NOT NULL CHECK (length(body_template) BETWEEN 1 AND 50000),
  -- fixed: every recipient in letter_recipients gets each letter; by_country:
  -- the one(s) among them in the signer's country, else the fallback.
  routing              text NOT NULL DEFAULT 'fixed' CHECK (routing IN ('fixed', 'by_country')),
  fallback_recipient_id bigint REFERENCES recipients (id) ON DELETE SET NULL,
  -- each: one letter per confirmed signature; digest: one letter per recipient
  -- every day or week with the new signatories; scheduled: one letter per
  -- recipient at scheduled_local (wall time in the recipient's zone) with all
  -- of them; none: printed and posted only. Changeable while the action runs.
  delivery             text NOT NULL DEFAULT 'each' CHECK (delivery IN ('each', 'digest', 'scheduled', 'none')),
  digest_every         text NOT NULL DEFAULT 'daily' CHECK (digest_every IN ('daily', 'weekly')),
  -- The local hour (recipient's zone) at which a digest goes.
  digest_hour          smallint NOT NULL DEFAULT 9 CHECK (digest_hour BETWEEN 0 AND 23),
  scheduled_local      timestamp,
  attach_pdf           boolean NOT NULL DEFAULT false,
  -- Pacing of 'each': at most this many letters an hour to one address, spread over office hours.
  per_hour             integer NOT NULL DEFAULT 30 CHECK (per_hour BETWEEN 1 AND 1000),
  -- A supporter may add a paragraph of their own (the signature's comment); a
  -- letter that carries one waits ('held') until an organiser has read it.
  personal_paragraph   boolean NOT NULL DEFAULT false,
  -- A copy of each letter to the supporter who signed it.
  copy_to_supporter    boolean NOT NULL DEFAULT false,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (delivery <> 'scheduled' OR scheduled_local IS NOT NULL)
);

-- The recipients a letter is written to (fixed), or may be routed to (by_country).
CREATE TABLE letter_recipients (
  action_id     bigint NOT NULL REFERENCES letters (action_id) ON DELETE CASCADE,
  recipient_id  bigint NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
  PRIMARY KEY (action_id, recipient_id)
);
CREATE INDEX letter_recipients_recipient_idx ON letter_recipients (recipient_id);

-- A supporter may let the recipient reply to them (Reply-To: their address).
ALTER TABLE signatures ADD COLUMN letter_reply_to boolean NOT NULL DEFAULT false;
ALTER TABLE signature_submissions ADD COLUMN letter_reply_to boolean NOT NULL DEFAULT false;

-- The transaction that confirmed a signature (pg_current_xact_id()). A digest
-- walks confirmed signatures in (confirmed_xid, id) order, only below the
-- oldest transaction still running (pg_snapshot_xmin): every confirmation
-- under that horizon has committed or never will, so a cursor on it neither
-- skips a signature confirmed late in a long transaction nor repeats one.
-- Signatures confirmed before this column existed count as the oldest.
ALTER TABLE signatures ADD COLUMN confirmed_xid xid8;
UPDATE signatures SET confirmed_xid = '1'::xid8 WHERE confirmed_at IS NOT NULL;
-- The confirming statements set it (sql/signatures.sql); this catches any other
-- writer (an import, a test's fixture). The WHEN clause is checked without
-- calling the function, so signing and confirming pay nothing for it.
CREATE FUNCTION signatures_stamp_confirmed_xid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.confirmed_xid := pg_current_xact_id();
  RETURN NEW;
END $$;
CREATE TRIGGER signatures_confirmed_xid BEFORE INSERT OR UPDATE OF confirmed_at ON signatures
  FOR EACH ROW WHEN (NEW.confirmed_at IS NOT NULL AND NEW.confirmed_xid IS NULL)
  EXECUTE FUNCTION signatures_stamp_confirmed_xid();

-- Every letter sent or to send. state:
--   held      a supporter's paragraph waits for an organiser to read it
--   queued    to send (attempts > 0 with last_error: failed for now, retried at not_before)
--   sent      the SMTP server accepted it (smtp_response, message_id, sent_at)
--   failed    refused for good, or gave up after many temporary failures
--   bounced   refused for good with a permanent SMTP code: the address is marked bounced
--   cancelled the signature was withdrawn or erased, or the address stopped, before it went
CREATE TABLE letter_deliveries (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action_id         bigint NOT NULL REFERENCES letters (action_id) ON DELETE CASCADE,
  recipient_id      bigint REFERENCES recipients (id) ON DELETE SET NULL,
  address_id        bigint REFERENCES recipient_addresses (id) ON DELETE SET NULL,
  -- The address as it was when queued: the log keeps it if the directory changes.
  email             text NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('signature', 'digest', 'scheduled')),
  -- kind 'signature': the one it carries (gone with an erased supporter: the letter is not sent).
  signature_id      bigint REFERENCES signatures (id) ON DELETE SET NULL,
  -- kind 'digest': the signatures it covers, (after_xid, after_id) exclusive to
  -- (upto_xid, upto_id) inclusive in confirmation order, routed to this recipient.
  after_xid         xid8,
  after_id          bigint,
  upto_xid          xid8,
  upto_id           bigint,
  -- How many signatories it names, and the action's total then (digest, scheduled).
  signatory_count   integer,
  total_count       integer,
  attach_pdf        boolean NOT NULL DEFAULT false,
  state             text NOT NULL DEFAULT 'queued' CHECK (state IN ('held', 'queued', 'sent', 'failed', 'bounced', 'cancelled')),
  -- Not sent before (pacing, retries' back-off).
  not_before        timestamptz NOT NULL DEFAULT now(),
  claimed_until     timestamptz,
  attempts          integer NOT NULL DEFAULT 0,
  last_error        text NOT NULL DEFAULT '',
  smtp_response     text NOT NULL DEFAULT '',
  message_id        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  sent_at           timestamptz,
  finished_at       timestamptz,
  CHECK (kind <> 'digest' OR (upto_xid IS NOT NULL AND upto_id IS NOT NULL))
);
-- What delivery claims next.
CREATE INDEX letter_deliveries_queued_idx ON letter_deliveries (not_before) WHERE state = 'queued';
-- The delivery log of an action, newest first, and per address (pacing, health).
CREATE INDEX letter_deliveries_action_idx ON letter_deliveries (action_id, id DESC);
CREATE INDEX letter_deliveries_address_idx ON letter_deliveries (address_id, sent_at) WHERE address_id IS NOT NULL;
-- One letter per signature and address.
CREATE UNIQUE INDEX letter_deliveries_signature_idx ON letter_deliveries (signature_id, address_id) WHERE kind = 'signature';

-- Where each recipient's digest has got to: the last (confirmed_xid, id) it
-- covered, and when the next is due.
CREATE TABLE letter_digest_cursors (
  action_id      bigint NOT NULL REFERENCES letters (action_id) ON DELETE CASCADE,
  recipient_id   bigint NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
  last_xid       xid8 NOT NULL DEFAULT '0'::xid8,
  last_id        bigint NOT NULL DEFAULT 0,
  next_due_at    timestamptz,
  PRIMARY KEY (action_id, recipient_id)
);
