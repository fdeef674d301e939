-- Small facts that every instance must agree on (the generated app secret,
-- whether demo content was loaded once).

-- name: get-setting
SELECT value FROM settings WHERE key = $1;

-- name: insert-setting-if-absent
-- Two instances starting together both try; the first one's value wins.
WITH inserted AS (
  INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING value
)
SELECT value FROM inserted
UNION ALL
SELECT value FROM settings WHERE key = $1
LIMIT 1;

-- name: claim-setting
-- Sets a one-time flag; returns a row only to the caller that set it.
INSERT INTO settings (key, value) VALUES ($1, now()::text) ON CONFLICT (key) DO NOTHING RETURNING key;

-- name: list-settings-with-prefix
-- The campaign's settings (campaign.*), read together for the cache in
-- src/settings/campaign.ts. $1 is the prefix, e.g. 'campaign.'.
SELECT key, value FROM settings WHERE starts_with(key, $1);

-- name: lock-settings-with-prefix
-- Before a change: the rows stay locked to the end of the transaction, so the
-- audit entry's "before" is what the previous save left.
SELECT key, value FROM settings WHERE starts_with(key, $1) FOR UPDATE;

-- name: upsert-setting
INSERT INTO settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
