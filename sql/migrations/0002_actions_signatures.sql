-- Actions that posts carry, the signatures supporters give them, and what
-- supports counting and mail without a hot row.

CREATE TABLE actions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- A post carries zero or more actions; an action can outlive its post.
  post_id     bigint REFERENCES posts (id) ON DELETE SET NULL,
  kind        text NOT NULL CHECK (kind IN ('petition', 'letter', 'protest_call')),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  demand      text NOT NULL DEFAULT '',
  target      text NOT NULL DEFAULT '',
  goal        integer NOT NULL DEFAULT 1000 CHECK (goal > 0),
  deadline    timestamptz,
  status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed', 'won')),
  -- What happened, shown on closed and won actions.
  outcome     text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actions_post_idx ON actions (post_id);

CREATE TABLE signatures (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action_id      bigint NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  -- Normalised: trimmed and lower-cased, so one person signs once.
  email          text NOT NULL CHECK (email = lower(btrim(email)) AND length(email) <= 254),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  country        char(2) NOT NULL,
  locality       text NOT NULL DEFAULT '' CHECK (length(locality) <= 100),
  comment        text NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
  show_name      boolean NOT NULL DEFAULT false,
  wants_updates  boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  confirmed_at   timestamptz,
  -- Emails sent about it so far: signing again re-sends, a bounded number of times.
  notices_sent   integer NOT NULL DEFAULT 1,
  last_notice_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (action_id, email)
);
-- Counting and the breakdown by country read only this index.
CREATE INDEX signatures_confirmed_country_idx ON signatures (action_id, country) WHERE confirmed_at IS NOT NULL;
-- "Has anything been confirmed since the last count?" and the recent public signers.
CREATE INDEX signatures_confirmed_at_idx ON signatures (action_id, confirmed_at DESC) WHERE confirmed_at IS NOT NULL;

-- Tokens in confirmation emails. Only a SHA-256 of the token is stored; the
-- token itself exists only in the email. Several may be live for one pending
-- signature (one per email sent), each single-use.
CREATE TABLE confirmation_tokens (
  token_hash    bytea PRIMARY KEY,
  signature_id  bigint NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);
CREATE INDEX confirmation_tokens_signature_idx ON confirmation_tokens (signature_id);

-- Counts as shown, refreshed every few seconds by the update-counts loop from
-- the signatures themselves; recomputed whole, so two instances cannot double-count.
CREATE TABLE action_counts (
  action_id        bigint PRIMARY KEY REFERENCES actions (id) ON DELETE CASCADE,
  signature_count  integer NOT NULL DEFAULT 0,
  by_country       jsonb NOT NULL DEFAULT '{}',
  counted_at       timestamptz NOT NULL DEFAULT now()
);

-- Every email by idempotency key. A sender first claims the key (status
-- 'sending', for a lease), so two workers cannot send the same message; a
-- retried job finds 'sent' or 'failed' and sends nothing. A claim whose worker
-- died expires, so the email is not lost either.
CREATE TABLE sent_emails (
  idempotency_key  text PRIMARY KEY,
  template         text NOT NULL,
  status           text NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
  claimed_until    timestamptz,
  message_id       text NOT NULL,
  smtp_response    text NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- Hits per key per window for express-rate-limit, shared by all instances.
-- Unlogged: losing the counters in a crash only forgives some requests.
CREATE UNLOGGED TABLE rate_limit_hits (
  key       text PRIMARY KEY,
  hits      integer NOT NULL,
  reset_at  timestamptz NOT NULL
);
