-- A supporter's data in their hands (src/supporters/privacy.*): the links the
-- privacy page emails, what such a link shows and exports, withdrawal and
-- erasure; and the anonymisation of long-closed actions' signatures
-- (src/supporters/anonymise.task.ts).

-- name: insert-privacy-link
-- Only the token's hash ($1); it works for $3 minutes, as often as needed.
INSERT INTO privacy_links (token_hash, supporter_id, expires_at)
VALUES ($1, $2, now() + make_interval(mins => $3));

-- name: find-privacy-link
-- The supporter a live link is for; nothing for an unknown or expired link,
-- or one whose supporter was erased (the link went with them).
SELECT supporter_id FROM privacy_links WHERE token_hash = $1 AND expires_at > now();

-- name: lock-supporter-of-link
-- The same, for a change: the supporter's row stays locked to the end of the
-- transaction, so a withdrawal and an erasure pressed at once (two tabs) run
-- one after the other, and the second sees what the first left.
SELECT p.id, p.email
FROM privacy_links l JOIN supporters p ON p.id = l.supporter_id
WHERE l.token_hash = $1 AND l.expires_at > now()
FOR UPDATE OF p;

-- name: list-supporter-signatures
-- Every signature made with the supporter's address, oldest first, with its
-- action (signatures_supporter_idx). For the page and the export: all of it.
SELECT s.id, a.title AS action_title, a.slug AS action_slug, s.name, s.country, s.locality, s.comment,
       s.show_name, s.wants_updates, s.created_at, s.confirmed_at, s.invalidated_at, s.hidden_at
FROM signatures s JOIN actions a ON a.id = s.action_id
WHERE s.supporter_id = $1
ORDER BY s.created_at, s.id;

-- name: list-supporter-emails
-- The record of emails sent about the supporter's signatures: which template
-- and when, nothing else (sent_emails_signature_idx per signature).
SELECT e.template, e.created_at
FROM sent_emails e JOIN signatures s ON s.id = e.signature_id
WHERE s.supporter_id = $1
ORDER BY e.created_at, e.idempotency_key;

-- name: delete-supporter-signature
-- Withdraws one signature, only if it is this supporter's ($2): someone else's
-- id deletes nothing. Its submissions, tokens and mail records go with it (ON
-- DELETE CASCADE). Returns its action and whether it counted until now, so the
-- caller recounts that action in the same transaction. Its letters not sent
-- yet (held for an organiser to read, or queued) are cancelled: a held one
-- would otherwise wait for ever, listed with no signer.
WITH gone AS (
  DELETE FROM signatures
  WHERE id = $1 AND supporter_id = $2
  RETURNING id, action_id, (confirmed_at IS NOT NULL AND invalidated_at IS NULL) AS counted
),
letters AS (
  UPDATE letter_deliveries d
  SET state = 'cancelled', last_error = 'the signature was withdrawn', finished_at = now(), claimed_until = NULL
  FROM gone WHERE d.signature_id = gone.id AND d.kind = 'signature' AND d.state IN ('held', 'queued')
)
SELECT action_id, counted FROM gone;

-- name: delete-supporter-signatures
-- Erasure: every signature of the supporter, with what cascades from each.
-- Returns their actions, to recount those where one counted. Their letters
-- not sent yet are cancelled, as for one withdrawn.
WITH gone AS (
  DELETE FROM signatures
  WHERE supporter_id = $1
  RETURNING id, action_id, (confirmed_at IS NOT NULL AND invalidated_at IS NULL) AS counted
),
letters AS (
  UPDATE letter_deliveries d
  SET state = 'cancelled', last_error = 'the signature was erased', finished_at = now(), claimed_until = NULL
  FROM gone WHERE d.signature_id = gone.id AND d.kind = 'signature' AND d.state IN ('held', 'queued')
)
SELECT action_id, counted FROM gone;

-- name: delete-supporter
-- After their signatures: their consent ledger and privacy links go with them
-- (ON DELETE CASCADE). What is kept is the suppression list's hash only.
DELETE FROM supporters WHERE id = $1;

-- name: forget-privacy-link-requests
-- The job queue keeps the address typed into the privacy page in each
-- send-privacy-link job (pg-boss's job and archive tables, for up to a week):
-- erasure takes those of this address ($1) too. Jobs running at this moment
-- are left to finish; they find no supporter and send nothing.
WITH queued AS (
  DELETE FROM pgboss.job WHERE name = 'send-privacy-link' AND data ->> 'email' = $1 AND state <> 'active'
  RETURNING id
)
DELETE FROM pgboss.archive WHERE name = 'send-privacy-link' AND data ->> 'email' = $1;

-- name: forget-protest-proposals
-- A protest proposed with this address ($1) keeps who proposed it (name,
-- address, their note) for the organisers until one decides: erasure takes
-- those too. The proposal itself (a place and a time) stays for the organisers.
UPDATE protests SET proposed_by_name = NULL, proposed_by_email = NULL, proposal_note = NULL, updated_at = now()
WHERE proposed_by_email = $1;

-- name: purge-expired-privacy-links
-- An expired link serves nothing: its hash goes (privacy_links_expires_idx).
DELETE FROM privacy_links WHERE expires_at <= now();

-- name: list-actions-to-anonymise
-- Actions that stopped taking signatures more than $1 days ago and whose
-- signatures have not been walked for that closing yet. An action stopped when
-- its deadline passed, or when an organiser closed it or marked it won
-- (closed_at; updated_at for a row that somehow lacks it), whichever came
-- first. `closes` goes back to mark-action-anonymised as text, so the moment
-- compared is exact to the microsecond (a JavaScript Date keeps milliseconds).
SELECT id, closes::text AS closes
FROM (SELECT a.id, a.signatures_anonymised_for,
             CASE WHEN a.status IN ('closed', 'won') THEN least(coalesce(a.closed_at, a.updated_at), a.deadline)
                  WHEN a.status = 'open' THEN a.deadline
             END AS closes
      FROM actions a) c
WHERE c.closes < now() - make_interval(days => $1)
  AND c.signatures_anonymised_for IS DISTINCT FROM c.closes
ORDER BY id;

-- name: anonymise-signatures
-- One batch of an action's signatures ($1), the $3 after id $2 along
-- signatures_admin_idx, in one short statement: confirmed ones keep what the
-- count and its breakdown need (country, confirmed_at, invalidated_at) and
-- lose everything that names or reaches a person; their leftover submissions
-- (what someone else typed with the address) go; pending ones, which will
-- never count now, are deleted with their submissions, tokens and mail
-- records (ON DELETE CASCADE). Returns the last id walked (NULL: the action is
-- done) and how many rows each part took. Each batch first checks that the
-- action still closes at the moment listed ($4, as list-actions-to-anonymise
-- gave it): an action opened again (or its deadline moved) while a long walk is
-- under way takes signatures again, and none of them may be touched; the walk
-- ends there, and a later closing is walked in its own round.
WITH batch AS (
  SELECT s.id FROM signatures s
  WHERE s.action_id = $1 AND s.id > $2
    AND EXISTS (
      SELECT 1 FROM actions a
      WHERE a.id = $1
        AND CASE WHEN a.status IN ('closed', 'won') THEN least(coalesce(a.closed_at, a.updated_at), a.deadline)
                 WHEN a.status = 'open' THEN a.deadline
            END = $4::timestamptz)
  ORDER BY s.id LIMIT $3
),
anonymised AS (
  UPDATE signatures s
  SET email = NULL, name = NULL, locality = '', comment = '', ip_hash = NULL, show_name = false,
      supporter_id = NULL, anonymised_at = now()
  FROM batch
  WHERE s.id = batch.id AND s.confirmed_at IS NOT NULL AND s.anonymised_at IS NULL
  RETURNING s.id
),
leftovers AS (
  DELETE FROM signature_submissions sub
  USING anonymised
  WHERE sub.signature_id = anonymised.id
  RETURNING sub.id
),
pending AS (
  DELETE FROM signatures s
  USING batch
  WHERE s.id = batch.id AND s.confirmed_at IS NULL
  RETURNING s.id
)
SELECT (SELECT max(id) FROM batch) AS last_id,
       (SELECT count(*) FROM anonymised)::int AS anonymised,
       (SELECT count(*) FROM pending)::int AS deleted,
       (SELECT count(*) FROM leftovers)::int AS submissions;

-- name: mark-action-anonymised
-- Every signature of the action was walked for this closing moment ($2, as
-- list-actions-to-anonymise gave it): later rounds skip the action.
UPDATE actions SET signatures_anonymised_for = $2::timestamptz WHERE id = $1;
