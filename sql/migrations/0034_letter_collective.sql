-- Collective letters (issue 10, part C): digests, scheduled letters and the
-- printed letter all name "the signatories of this letter routed to this
-- recipient". One definition here, so that the digest that counts them, the
-- email that lists them and the PDF that prints them never disagree.

-- Confirmed signatures that count (not invalidated; a withdrawn one is
-- deleted) routed to recipient p_recipient by the letter's routing: fixed,
-- every one, if the recipient is among the letter's; by_country, those of the
-- recipient's country if it is among the letter's, and, for the fallback
-- recipient, those of every country that has no recipient among the letter's.
-- A plain SQL function, so the planner inlines it into each query (the
-- subqueries on letters and recipients run once, not once per signature).
CREATE FUNCTION letter_signatures(p_action bigint, p_recipient bigint) RETURNS SETOF signatures
LANGUAGE sql STABLE AS $$
  SELECT s.*
  FROM signatures s
  WHERE s.action_id = p_action AND s.confirmed_at IS NOT NULL AND s.invalidated_at IS NULL
    AND CASE (SELECT l.routing FROM letters l WHERE l.action_id = p_action)
      WHEN 'fixed' THEN p_recipient IN (SELECT lr.recipient_id FROM letter_recipients lr WHERE lr.action_id = p_action)
      WHEN 'by_country' THEN
        (s.country = (SELECT r.country FROM recipients r JOIN letter_recipients lr ON lr.recipient_id = r.id
                      WHERE lr.action_id = p_action AND r.id = p_recipient))
        OR (p_recipient = (SELECT l.fallback_recipient_id FROM letters l WHERE l.action_id = p_action)
            AND s.country NOT IN (SELECT r.country FROM recipients r JOIN letter_recipients lr ON lr.recipient_id = r.id
                                  WHERE lr.action_id = p_action AND r.country IS NOT NULL))
      ELSE false
    END
$$;

-- A scheduled letter goes once per recipient for each scheduled time: the run
-- is recorded in the transaction that queues its deliveries, so a restart or a
-- second worker finds it done. Another time set later is another letter.
CREATE TABLE letter_scheduled_runs (
  action_id        bigint NOT NULL REFERENCES letters (action_id) ON DELETE CASCADE,
  recipient_id     bigint NOT NULL REFERENCES recipients (id) ON DELETE CASCADE,
  scheduled_local  timestamp NOT NULL,
  ran_at           timestamptz NOT NULL,
  -- How many deliveries it queued (0: nobody had signed by then).
  deliveries       integer NOT NULL,
  PRIMARY KEY (action_id, recipient_id, scheduled_local)
);
