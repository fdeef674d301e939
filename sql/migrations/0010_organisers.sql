-- Organisers run the campaign from the admin: their accounts, their sessions,
-- the one-time links they are sent, and the record of what they changed.

CREATE TABLE organisers (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Normalised like a signer's: trimmed and lower-cased.
  email         text NOT NULL UNIQUE CHECK (email = lower(btrim(email)) AND length(email) <= 254),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role          text NOT NULL CHECK (role IN ('admin', 'organiser')),
  -- argon2id (PHC string). NULL: no password yet; the organiser signs in with a
  -- one-time link (the demo admin) or sets one through a reset link.
  password_hash text,
  -- Sessions that began before this are no longer valid (a password reset, a
  -- removal): checked on every admin request.
  sessions_valid_after timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- express-session's store (connect-pg-simple's table shape).
CREATE TABLE admin_sessions (
  sid    varchar PRIMARY KEY,
  sess   json NOT NULL,
  expire timestamp(6) NOT NULL
);
CREATE INDEX admin_sessions_expire_idx ON admin_sessions (expire);

-- One-time links for organisers: sign in (the demo admin's console link) and
-- password reset. Only a SHA-256 of the token is stored; single use; short-lived.
CREATE TABLE organiser_tokens (
  token_hash   bytea PRIMARY KEY,
  organiser_id bigint NOT NULL REFERENCES organisers (id) ON DELETE CASCADE,
  purpose      text NOT NULL CHECK (purpose IN ('sign-in', 'password-reset')),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organiser_tokens_organiser_idx ON organiser_tokens (organiser_id);

-- Who changed what, and when: append-only. The organiser's name is copied, so
-- the record reads the same after an account is removed.
CREATE TABLE audit_log (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organiser_id   bigint REFERENCES organisers (id) ON DELETE SET NULL,
  organiser_name text NOT NULL DEFAULT '',
  -- A verb on a thing: 'post.publish', 'action.update', 'signatures.invalidate'.
  event          text NOT NULL CHECK (event ~ '^[a-z_]+(\.[a-z_]+)+$'),
  subject_type   text NOT NULL DEFAULT '',
  subject_id     text NOT NULL DEFAULT '',
  -- One line for people; before/after hold the changed fields only.
  summary        text NOT NULL DEFAULT '',
  before         jsonb,
  after          jsonb,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, created_at DESC);
