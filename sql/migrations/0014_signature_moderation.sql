-- What organisers need to moderate signatures (issue 8): where a signature came
-- from (as a keyed hash, never the address), whether its name is hidden from
-- the public list, and invalidations: signatures that no longer count, each
-- taken by one recorded, reversible decision.

-- HMAC-SHA256 of the signer's IP (an IPv6 address reduced to its /64 first, so
-- one household's addresses group), keyed with a key derived from the app
-- secret (src/signatures/ip-hash.ts). Without the key it cannot be reversed by
-- trying every IPv4 address; with it, an organiser's typed IP finds its
-- signatures. NULL for signatures made before it was kept. The submission keeps
-- the IP of whoever sent it, and confirming applies it with the rest.
ALTER TABLE signatures ADD COLUMN ip_hash bytea;
ALTER TABLE signature_submissions ADD COLUMN ip_hash bytea;

-- An organiser hid this name from the public list (the signature still counts).
ALTER TABLE signatures ADD COLUMN hidden_at timestamptz;

-- One decision to stop counting some signatures, by criteria (a bulk one) or by
-- hand (one signature, criteria {"signature": id}). `matched` is how many it
-- took; reverting restores exactly those, whatever else was invalidated since.
CREATE TABLE invalidations (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action_id    bigint NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  criteria     jsonb NOT NULL CHECK (jsonb_typeof(criteria) = 'object' AND criteria <> '{}'),
  reason       text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
  matched      integer NOT NULL DEFAULT 0,
  created_by   bigint REFERENCES organisers (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  reverted_at  timestamptz,
  reverted_by  bigint REFERENCES organisers (id) ON DELETE SET NULL
);
CREATE INDEX invalidations_action_idx ON invalidations (action_id, id DESC);

-- Set together: an invalidated signature no longer counts, and says which
-- decision took it. Nullable columns without a default rewrite nothing; the
-- constraints are NOT VALID, so adding them scans no existing row (every one is
-- NULL here) while every new or changed row is checked.
ALTER TABLE signatures ADD COLUMN invalidated_at timestamptz;
ALTER TABLE signatures ADD COLUMN invalidation_id bigint;
ALTER TABLE signatures ADD CONSTRAINT signatures_invalidation_fkey
  FOREIGN KEY (invalidation_id) REFERENCES invalidations (id) NOT VALID;
ALTER TABLE signatures ADD CONSTRAINT signatures_invalidation_together
  CHECK ((invalidated_at IS NULL) = (invalidation_id IS NULL)) NOT VALID;
