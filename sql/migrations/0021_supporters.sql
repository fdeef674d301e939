-- One supporter per email address, across actions (issue 9): the person behind
-- signatures now, RSVPs later. Their consent to updates is a ledger, and the
-- addresses that must not be mailed are a suppression list that outlives every
-- purge and erasure.

CREATE TABLE supporters (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Normalised as signatures' are (trimmed, lower-cased): one person, one row.
  email         text NOT NULL UNIQUE CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
  -- What they asked to be called, from their latest confirmed pledge; '' until
  -- one is confirmed, so that what a stranger typed with their address never
  -- lands here.
  name          text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
  locale        text NOT NULL DEFAULT 'en' CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- When the mailbox first confirmed anything: a supporter never confirmed is
  -- only an address someone typed, and goes with the purge of its pledges.
  confirmed_at  timestamptz
);

-- What a supporter agreed to, when, from which action and in which words.
-- Rows are never edited but to record the withdrawal; agreeing again after a
-- withdrawal is a new row. At most one live consent per purpose.
CREATE TABLE consents (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  supporter_id      bigint NOT NULL REFERENCES supporters (id) ON DELETE CASCADE,
  purpose           text NOT NULL CHECK (purpose IN ('campaign-updates')),
  -- The words shown beside the box, as they read when it was ticked.
  wording           text NOT NULL CHECK (length(wording) BETWEEN 1 AND 1000),
  -- The pledge it came with: 'signature' (of source_action_id), later 'rsvp';
  -- 'before-ledger' for consents recorded from signatures made before this table.
  source            text NOT NULL CHECK (source IN ('signature', 'rsvp', 'before-ledger')),
  source_action_id  bigint REFERENCES actions (id) ON DELETE SET NULL,
  given_at          timestamptz NOT NULL DEFAULT now(),
  withdrawn_at      timestamptz,
  -- How: the link in an email, the one-click header (RFC 8058), the privacy
  -- page, a bounce or complaint, an organiser (on the supporter's request).
  withdrawn_via     text CHECK (withdrawn_via IN ('unsubscribe-link', 'one-click', 'privacy-page', 'bounce', 'complaint', 'organiser')),
  CHECK ((withdrawn_at IS NULL) = (withdrawn_via IS NULL))
);
CREATE UNIQUE INDEX consents_live_idx ON consents (supporter_id, purpose) WHERE withdrawn_at IS NULL;

-- Addresses not to be mailed, by a hash of the normalised address only
-- (src/mail/suppressions.ts): what remains of an erased supporter, and what
-- stops mail to an address that bounced, complained or unsubscribed even after
-- its supporter and signatures are gone. One row per reason.
CREATE TABLE suppressions (
  email_hash  bytea NOT NULL CHECK (length(email_hash) = 32),
  reason      text NOT NULL CHECK (reason IN ('bounce', 'complaint', 'unsubscribe', 'erased')),
  -- The SMTP server's answer for a bounce (addresses cut out), or a note.
  detail      text NOT NULL DEFAULT '' CHECK (length(detail) <= 1000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (email_hash, reason)
);

-- Signatures point to their supporter. The email stays on the signature as
-- the key of "one signature per action and address" (UNIQUE (action_id,
-- email)), which signing relies on. A nullable column without a default
-- rewrites nothing; the foreign key is NOT VALID, so adding it scans nothing,
-- and the backfill below sets every existing row.
ALTER TABLE signatures ADD COLUMN supporter_id bigint;
ALTER TABLE signatures ADD CONSTRAINT signatures_supporter_fkey
  FOREIGN KEY (supporter_id) REFERENCES supporters (id) NOT VALID;

-- Anonymisation of confirmed signatures of long-closed actions keeps the count
-- and the country and drops the rest: the email, the name, the IP hash.
ALTER TABLE signatures ALTER COLUMN email DROP NOT NULL;
ALTER TABLE signatures ALTER COLUMN name DROP NOT NULL;
ALTER TABLE signatures ADD COLUMN anonymised_at timestamptz;

-- Confirmation links are a pledge's, not only a signature's: an RSVP's will
-- have its own column (issue 11), one of the two set.
ALTER TABLE confirmation_tokens ALTER COLUMN signature_id DROP NOT NULL;

-- Backfill from the signatures there are. A campaign upgraded in place has a
-- few thousand; this runs once, in the migration's transaction.
INSERT INTO supporters (email, created_at)
SELECT email, min(created_at) FROM signatures GROUP BY email;

UPDATE supporters p SET name = latest.name, confirmed_at = latest.first_confirmed
FROM (
  SELECT DISTINCT ON (email) email, name, min(confirmed_at) OVER (PARTITION BY email) AS first_confirmed
  FROM signatures WHERE confirmed_at IS NOT NULL
  ORDER BY email, confirmed_at DESC
) latest
WHERE p.email = latest.email;

UPDATE signatures s SET supporter_id = p.id FROM supporters p WHERE p.email = s.email;

-- "Email me updates" ticked on a confirmed signature was a consent; the words
-- beside the box were these.
INSERT INTO consents (supporter_id, purpose, wording, source, source_action_id, given_at)
SELECT DISTINCT ON (supporter_id) supporter_id, 'campaign-updates', 'Email me updates about this campaign', 'before-ledger', action_id, confirmed_at
FROM signatures
WHERE confirmed_at IS NOT NULL AND wants_updates
ORDER BY supporter_id, confirmed_at;
