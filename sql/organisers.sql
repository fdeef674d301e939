-- Organisers' accounts and the one-time links they are sent.

-- name: insert-organiser
-- The command line and the admin create organisers; an existing email is a conflict (no row).
INSERT INTO organisers (email, name, role, password_hash)
VALUES ($1, $2, $3, $4)
ON CONFLICT (email) DO NOTHING
RETURNING id, email, name, role;

-- name: get-organiser-by-email
SELECT id, email, name, role, password_hash, disabled_at FROM organisers WHERE email = $1;

-- name: get-organiser
SELECT id, email, name, role, disabled_at, sessions_valid_after, created_at, updated_at,
       password_hash IS NOT NULL AS has_password
FROM organisers WHERE id = $1;

-- name: get-session-organiser
-- On every admin request: is the session's organiser still allowed in?
SELECT id, email, name, role FROM organisers
WHERE id = $1 AND disabled_at IS NULL AND sessions_valid_after <= $2;

-- name: list-organisers
SELECT id, email, name, role, disabled_at, created_at, password_hash IS NOT NULL AS has_password
FROM organisers ORDER BY disabled_at IS NOT NULL, lower(name), id;

-- name: count-active-admins
SELECT count(*)::int AS admins FROM organisers WHERE role = 'admin' AND disabled_at IS NULL;

-- name: update-organiser
-- Role and access. Disabling ends every session the organiser has.
UPDATE organisers SET
  name = $2,
  role = $3,
  disabled_at = CASE WHEN $4::boolean THEN coalesce(disabled_at, now()) ELSE NULL END,
  sessions_valid_after = CASE WHEN $4::boolean AND disabled_at IS NULL THEN now() ELSE sessions_valid_after END,
  updated_at = now()
WHERE id = $1
RETURNING id, email, name, role, disabled_at;

-- name: set-password
-- A new password ends every session that began before it, but for the one that set it.
UPDATE organisers SET password_hash = $2, sessions_valid_after = $3, updated_at = now()
WHERE id = $1
RETURNING id, email, name, role;

-- name: delete-sessions-of-organiser
-- Sessions are also checked against sessions_valid_after on every request;
-- deleting them too means they are gone from the store, not only refused.
DELETE FROM admin_sessions WHERE sess -> 'organiser' ->> 'id' = $1::text AND sid <> $2;

-- name: insert-organiser-token
INSERT INTO organiser_tokens (token_hash, organiser_id, purpose, expires_at)
VALUES ($1, $2, $3, now() + make_interval(mins => $4));

-- name: use-organiser-token
-- Single use: the first request to use a live token takes it; any other gets nothing.
UPDATE organiser_tokens SET used_at = now()
WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
RETURNING organiser_id;

-- name: inspect-organiser-token
SELECT t.organiser_id, t.used_at, t.expires_at, t.expires_at <= now() AS expired, o.name, o.email
FROM organiser_tokens t JOIN organisers o ON o.id = t.organiser_id
WHERE t.token_hash = $1 AND t.purpose = $2 AND o.disabled_at IS NULL;

-- name: invalidate-organiser-tokens
-- A new reset link makes the earlier ones useless; so does a password set.
UPDATE organiser_tokens SET used_at = now()
WHERE organiser_id = $1 AND purpose = $2 AND used_at IS NULL;

-- name: prune-organiser-tokens
DELETE FROM organiser_tokens WHERE expires_at < now() - interval '1 day';

-- name: prune-admin-sessions
DELETE FROM admin_sessions WHERE expire < now();
