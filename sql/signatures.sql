-- Signatures, the submissions of the signing form, and confirmation tokens.
-- A signature is one per action and normalised email. Every submission that
-- earns an email is kept with the link sent for it; pressing that link's
-- button applies that submission and confirms the signature.

-- name: insert-signature
-- A first signature with this email on this action, with its first submission,
-- in one round trip, and the supporter the address stands for (made on its
-- first pledge; it gets a name only once a pledge is confirmed). Returns
-- nothing when the email already signed: the caller then asks
-- count-another-notice. $9 is the keyed hash of the signer's IP
-- (src/signatures/ip-hash.ts), computed before the query: no extra round trip.
-- $10: a letter's signer lets the recipient reply to them (letter_reply_to).
-- The supporter upsert writes its row again when it exists (DO UPDATE is what
-- returns the id of a row another signing committed a moment ago).
-- Signing's common case sends it with its send-confirmation job where
-- {{its-job}} stands (src/signatures/signatures.repo.ts, signFirst): a CTE
-- that is the INSERT pg-boss runs for enqueue() (src/jobs/queue.ts,
-- JobInsert), with the job's name and data read from the submission, so that
-- with no submission the name is NULL, matches no pg-boss queue and no job is
-- written. One autocommitted round trip where BEGIN, the signature, the job and
-- COMMIT took four, and the job still exists exactly when the signature does.
-- Elsewhere the marker is a comment.
WITH supporter AS (
  INSERT INTO supporters (email) VALUES ($2)
  ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
  RETURNING id
), signature AS (
  INSERT INTO signatures (action_id, supporter_id, email, name, country, locality, comment, show_name, wants_updates, ip_hash, letter_reply_to)
  SELECT $1, supporter.id, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM supporter
  ON CONFLICT (action_id, email) DO NOTHING
  RETURNING id
), submission AS (
  INSERT INTO signature_submissions (signature_id, name, country, locality, comment, show_name, wants_updates, ip_hash, letter_reply_to)
  SELECT id, $3, $4, $5, $6, $7, $8, $9, $10 FROM signature
  RETURNING id, signature_id
)
-- {{its-job}}
SELECT id, signature_id FROM submission;

-- name: count-another-notice
-- Someone signed again with an email that already signed: allow one more
-- notice to the mailbox, up to $3 in all, and say which kind it should be.
-- A pending signature whose last link has expired ($4 days) gets a fresh one
-- even past the bound, so nobody is locked out for good.
UPDATE signatures s SET notices_sent = notices_sent + 1, last_notice_at = now()
WHERE s.action_id = $1 AND s.email = $2
  AND (s.notices_sent < $3
       OR (s.confirmed_at IS NULL AND s.last_notice_at < now() - make_interval(days => $4)))
RETURNING s.id, s.notices_sent, s.confirmed_at IS NOT NULL AS confirmed;

-- name: allow-new-link
-- "Send me a new link" from an expired or used link of a pending signature:
-- one more notice, within the same bound as signing again ($2 in all), or past
-- it once the last link has expired ($3 days), so nobody is locked out for good.
UPDATE signatures SET notices_sent = notices_sent + 1, last_notice_at = now()
WHERE id = $1 AND confirmed_at IS NULL
  AND (notices_sent < $2 OR last_notice_at < now() - make_interval(days => $3))
RETURNING notices_sent;

-- name: insert-submission
-- A later submission for a pending signature: it gets its own link, and only
-- that link applies it. It keeps the IP hash of whoever sent it ($8).
INSERT INTO signature_submissions (signature_id, name, country, locality, comment, show_name, wants_updates, ip_hash, letter_reply_to)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: get-submission-for-notice
-- What the confirmation email restates: the submission as typed, and where it goes.
SELECT sub.id AS submission_id, s.id AS signature_id, s.email, s.confirmed_at,
       sub.name, sub.country, sub.show_name, sub.wants_updates,
       a.slug AS action_slug, a.title AS action_title
FROM signature_submissions sub
JOIN signatures s ON s.id = sub.signature_id
JOIN actions a ON a.id = s.action_id
WHERE sub.id = $1;

-- name: get-signature-for-notice
-- For "you have already signed" (and confirmation jobs queued before
-- submissions were kept): the signature as it stands.
SELECT NULL::bigint AS submission_id, s.id AS signature_id, s.email, s.confirmed_at,
       s.name, s.country, s.show_name, s.wants_updates,
       a.slug AS action_slug, a.title AS action_title
FROM signatures s JOIN actions a ON a.id = s.action_id
WHERE s.id = $1;

-- name: insert-confirmation-token
INSERT INTO confirmation_tokens (token_hash, signature_id, submission_id, expires_at)
VALUES ($1, $2, $3, now() + make_interval(days => $4));

-- name: find-token
-- What the confirmation page needs to know about a token, used or not, and the
-- submission it would confirm. action_open: whether the action takes this
-- confirmation. Not once it is closed or won by hand. After its deadline, yes,
-- if what the link confirms was sent before it (the submission, or for a link
-- from before submissions were kept, the signature): the deadline is for
-- signing, and a last-minute signature must not be lost to mail latency or
-- retries; the link's own lifetime bounds the wait. Signing after the deadline
-- is refused, so no later submission has a link. Not while its post is
-- unpublished (a draft again, or scheduled): the action is not public then
-- (sql/actions.sql, get-action-by-slug), and the signature made while it was
-- waits.
SELECT t.signature_id, t.submission_id, t.used_at, t.expires_at < now() AS expired, s.confirmed_at,
       a.slug AS action_slug, a.title AS action_title,
       a.status = 'open' AND (a.deadline IS NULL OR a.deadline > coalesce(sub.created_at, s.created_at))
         AND (a.post_id IS NULL OR p.id IS NOT NULL) AS action_open,
       coalesce(sub.name, s.name) AS name, coalesce(sub.show_name, s.show_name) AS show_name,
       coalesce(sub.wants_updates, s.wants_updates) AS wants_updates
FROM confirmation_tokens t
JOIN signatures s ON s.id = t.signature_id
JOIN actions a ON a.id = s.action_id
LEFT JOIN posts p ON p.id = a.post_id AND p.status = 'published' AND p.published_at <= now()
LEFT JOIN signature_submissions sub ON sub.id = t.submission_id
WHERE t.token_hash = $1;

-- name: lock-supporter-of-token
-- First in the transaction that confirms a link: the supporter of its
-- signature, locked to the end of it. Erasure, withdrawal and signing all lock
-- the supporter before their signatures; confirming, which ends by updating
-- the supporter, must take the same order, or an erasure pressed at the same
-- moment deadlocks with it (one of the two a 500).
SELECT p.id
FROM confirmation_tokens t
JOIN signatures s ON s.id = t.signature_id
JOIN supporters p ON p.id = s.supporter_id
WHERE t.token_hash = $1
FOR UPDATE OF p;

-- name: use-token-of-locked-supporter
-- lock-supporter-of-token, then use-token (sql/confirmations.sql), in one
-- statement: the first of the transaction that confirms a signature's link,
-- one round trip where they took two. The supporter's lock is the UPDATE's
-- one-time filter (an InitPlan), taken before any token row is, so the order
-- stays supporter, then token. A token used meanwhile by a confirmation that
-- held the lock first is seen used once it is granted: PostgreSQL checks the
-- WHERE again against a row updated since the statement began.
WITH supporter AS (
  SELECT p.id
  FROM confirmation_tokens t
  JOIN signatures s ON s.id = t.signature_id
  JOIN supporters p ON p.id = s.supporter_id
  WHERE t.token_hash = $1
  FOR UPDATE OF p
)
UPDATE confirmation_tokens SET used_at = now()
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
  AND (SELECT count(*) FROM supporter) >= 0
RETURNING signature_id, submission_id, rsvp_id;

-- name: confirm-submission
-- Applies the submission behind the pressed link to its pending signature and
-- confirms it. Nothing happens to a signature that is already confirmed. The
-- IP that counts is the one the confirmed submission came from (when known).
UPDATE signatures s
SET confirmed_at = now(), confirmed_xid = pg_current_xact_id(), name = sub.name, country = sub.country, locality = sub.locality,
    comment = sub.comment, show_name = sub.show_name, wants_updates = sub.wants_updates,
    letter_reply_to = sub.letter_reply_to, ip_hash = coalesce(sub.ip_hash, s.ip_hash)
FROM signature_submissions sub, actions a
WHERE sub.id = $2 AND s.id = sub.signature_id AND s.id = $1 AND s.confirmed_at IS NULL AND a.id = s.action_id
RETURNING s.id, s.supporter_id, s.action_id, a.slug AS action_slug, s.name, s.wants_updates, s.country,
          -- Whether the action's letter goes one per signature: only then is one queued (a petition's confirmation pays no second statement).
          EXISTS (SELECT 1 FROM letters l WHERE l.action_id = s.action_id AND l.delivery = 'each') AS letter_each;

-- name: confirm-signature-as-is
-- A link sent before submissions were kept confirms the signature as it stands.
UPDATE signatures s SET confirmed_at = now(), confirmed_xid = pg_current_xact_id()
FROM actions a
WHERE s.id = $1 AND s.confirmed_at IS NULL AND a.id = s.action_id
RETURNING s.id, s.supporter_id, s.action_id, a.slug AS action_slug, s.name, s.wants_updates, s.country,
          -- Whether the action's letter goes one per signature: only then is one queued (a petition's confirmation pays no second statement).
          EXISTS (SELECT 1 FROM letters l WHERE l.action_id = s.action_id AND l.delivery = 'each') AS letter_each;

-- name: forget-submissions
-- Once a signature is confirmed, its other submissions (what anyone else typed
-- with this address) are no longer needed. A statement of its own, after the
-- confirmation and in its transaction: it sees a submission committed by a
-- signing that the confirmation waited for, which one statement's snapshot
-- would miss. A signing after it finds the signature confirmed and adds none.
DELETE FROM signature_submissions WHERE signature_id = $1;

-- name: delete-pending-signature
-- "It wasn't me": the pending signature goes, with its submissions and tokens
-- (ON DELETE CASCADE).
DELETE FROM signatures WHERE id = $1 AND confirmed_at IS NULL RETURNING id;

-- name: purge-stale-pending-signatures
-- A pending signature is kept $1 days after its last link expired, then
-- deleted with its submissions and tokens: personal data, possibly typed in by
-- someone else, is not kept for nothing. Its last link was sent at about
-- last_notice_at and lived $2 days; the token check covers a link that went
-- out late (the mail queue retries for about a day). signatures_pending_idx.
DELETE FROM signatures s
WHERE s.confirmed_at IS NULL
  AND s.last_notice_at < now() - make_interval(days => $1::int + $2::int)
  AND NOT EXISTS (SELECT 1 FROM confirmation_tokens t
                  WHERE t.signature_id = s.id AND t.expires_at > now() - make_interval(days => $1));

-- name: purge-dead-tokens
-- Used or expired tokens serve only the "already confirmed" and "expired"
-- pages; $1 days after they expired they go too. confirmation_tokens_expires_idx.
DELETE FROM confirmation_tokens WHERE expires_at < now() - make_interval(days => $1);

-- Organisers' view of signatures (src/signatures/signatures.admin.service.ts).
-- Email addresses are personal data: these serve /admin pages only.

-- name: admin-get-action
-- The action whose signatures an organiser looks at, whatever its status.
SELECT a.id, a.slug, a.title, a.kind, a.status, coalesce(c.signature_count, 0) AS signature_count
FROM actions a LEFT JOIN action_counts c ON c.action_id = a.id
WHERE a.id = $1;

-- name: search-signatures
-- One page of an action's signatures, newest first, after the last id seen
-- ($7, keyset pagination): signatures_admin_idx is read backwards from there,
-- filters are checked on the way, and it stops at $8 rows, so a later page
-- costs what the first does, on a million rows too (never an OFFSET). Each
-- filter is off when its parameter is NULL. $2, name or email contains
-- (lower-cased by the caller); $3 country; $4, $5 signed from / before;
-- $6 the state: confirmed (and counted), pending, invalidated, hidden.
SELECT id, name, email, country, locality, created_at, confirmed_at, show_name, hidden_at, invalidated_at, invalidation_id
FROM signatures
WHERE action_id = $1
  AND id < coalesce($7::bigint, 9223372036854775807)
  AND ($2::text IS NULL OR strpos(lower(name), $2) > 0 OR strpos(email, $2) > 0)
  AND ($3::text IS NULL OR country = $3)
  AND ($4::timestamptz IS NULL OR created_at >= $4)
  AND ($5::timestamptz IS NULL OR created_at < $5)
  AND (CASE $6::text
         WHEN 'confirmed' THEN confirmed_at IS NOT NULL AND invalidated_at IS NULL
         WHEN 'pending' THEN confirmed_at IS NULL AND invalidated_at IS NULL
         WHEN 'invalidated' THEN invalidated_at IS NOT NULL
         WHEN 'hidden' THEN hidden_at IS NOT NULL
         ELSE true
       END)
ORDER BY id DESC
LIMIT $8;

-- name: admin-get-signature
-- Read to change it (hide, show, invalidate, restore): the row is locked until
-- the change commits, so a second press (another tab, another organiser) waits
-- and then sees the change made, instead of making it again (an empty
-- invalidation, a second audit entry).
SELECT s.id, s.action_id, s.name, s.email, s.hidden_at, s.invalidated_at, s.invalidation_id, s.confirmed_at, a.title AS action_title
FROM signatures s JOIN actions a ON a.id = s.action_id
WHERE s.id = $1
FOR UPDATE OF s;

-- name: set-signature-hidden
-- Hides the name from the public list ($2 true) or shows it again. The
-- signature counts either way. Hiding twice keeps the first time.
UPDATE signatures
SET hidden_at = CASE WHEN $2::boolean THEN coalesce(hidden_at, now()) END
WHERE id = $1
RETURNING id, hidden_at;

-- name: restore-signature
-- Counts one invalidated signature again, whichever invalidation took it. The
-- invalidation is marked reverted once nothing it took is left invalidated
-- (a one-signature invalidation, or the last of a bulk one); a bulk one whose
-- other signatures remain is reverted later for those only.
WITH restored AS (
  UPDATE signatures s SET invalidated_at = NULL, invalidation_id = NULL
  FROM (SELECT id, invalidation_id FROM signatures WHERE id = $1 AND invalidated_at IS NOT NULL FOR UPDATE) was
  WHERE s.id = was.id
  RETURNING s.id, s.action_id, was.invalidation_id
)
UPDATE invalidations i SET reverted_at = now(), reverted_by = $2
FROM restored r
WHERE i.id = r.invalidation_id AND i.reverted_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM signatures s
                  WHERE s.action_id = r.action_id AND s.invalidation_id = i.id AND s.id <> r.id)
RETURNING i.id;

-- name: export-signatures
-- Every field of every signature of an action, for the export, read through a
-- cursor (pg-query-stream) in id order along signatures_admin_idx: rows leave
-- as they are read, so a million never sit in memory.
SELECT id, email, name, country, locality, comment, show_name, wants_updates,
       created_at, confirmed_at, hidden_at, invalidated_at, invalidation_id,
       encode(ip_hash, 'hex') AS ip_hash
FROM signatures
WHERE action_id = $1
ORDER BY id;

-- name: export-signatories
-- The list to hand to a recipient: confirmed signatures that count, in the
-- order they were made; no email, no comment.
SELECT name, locality, country, created_at
FROM signatures
WHERE action_id = $1 AND confirmed_at IS NOT NULL AND invalidated_at IS NULL
ORDER BY id;

-- name: count-signatories
-- How many the list holds, for its title: an index-only scan of signatures_counted_idx.
SELECT count(*)::int AS n FROM signatures
WHERE action_id = $1 AND confirmed_at IS NOT NULL AND invalidated_at IS NULL;
