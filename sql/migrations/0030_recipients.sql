-- The directory of recipients of letters (issue 10): who a letter is
-- addressed to, where to post it, and each email address with its health, so
-- that a stale or bouncing address is seen before a campaign relies on it.
CREATE TABLE recipients (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  -- "Ambassador", "Chair": how the letter addresses them.
  title           text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
  organisation    text NOT NULL DEFAULT '' CHECK (length(organisation) <= 200),
  -- Where the recipient is (ISO 3166 alpha-2): a letter routed by country goes
  -- to the recipient in the signer's country (the embassy there).
  country         char(2) CHECK (country ~ '^[A-Z]{2}$'),
  language        text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2,3}(-[A-Z]{2})?$'),
  -- Office hours and a scheduled letter's morning are in this zone (IANA).
  time_zone       text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
  -- The block of the printed letter, one line per line.
  postal_address  text NOT NULL DEFAULT '' CHECK (length(postal_address) <= 1000),
  -- Demo content (addresses on example.org): never a real inbox.
  demo            boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recipients_country_idx ON recipients (country);

CREATE TABLE recipient_addresses (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipient_id  bigint NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
  email         text NOT NULL CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
  -- active: letters go; bounced: a permanent SMTP refusal stopped them;
  -- suppressed: an organiser stopped them. Since when, and why.
  health        text NOT NULL DEFAULT 'active' CHECK (health IN ('active', 'bounced', 'suppressed')),
  health_since  timestamptz NOT NULL DEFAULT now(),
  health_reason text NOT NULL DEFAULT '' CHECK (length(health_reason) <= 1000),
  UNIQUE (recipient_id, email)
);
