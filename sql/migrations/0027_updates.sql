-- Campaign updates (issue 9): an email that organisers write once and send to
-- the supporters who consented, of the whole campaign or of some actions.
-- Who gets it is snapshotted into update_recipients at fan-out (one row per
-- supporter, however many chosen actions they signed), and each row is claimed
-- with a lease before its message is sent, so a send survives restarts and
-- kills without skipping or repeating anyone.

CREATE TABLE updates (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject          text NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 200),
  -- What the organiser wrote, and what it renders to (src/posts/markdown.ts,
  -- then html-to-text): rendered once on save, so every recipient gets the same.
  body_markdown    text NOT NULL CHECK (length(body_markdown) BETWEEN 1 AND 50000),
  body_html        text NOT NULL,
  body_text        text NOT NULL,
  -- 'campaign': every consenting supporter; 'actions': those who also signed
  -- (confirmed, not invalidated) one of action_ids.
  audience         text NOT NULL CHECK (audience IN ('campaign', 'actions')),
  action_ids       bigint[] NOT NULL DEFAULT '{}',
  -- draft → scheduled (send_at) → sending → sent; draft, scheduled or sending → cancelled.
  state            text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled')),
  send_at          timestamptz,
  -- Fan-out's keyset cursor: the last supporter id looked at. Resuming after a
  -- crash starts after it; fanned_out_at is set once every supporter was.
  fan_out_cursor   bigint NOT NULL DEFAULT 0,
  fanned_out_at    timestamptz,
  created_by       bigint REFERENCES organisers (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  CHECK (audience = 'campaign' OR cardinality(action_ids) > 0),
  CHECK (state <> 'scheduled' OR send_at IS NOT NULL)
);
-- The periodic start of scheduled updates reads only these.
CREATE INDEX updates_due_idx ON updates (send_at) WHERE state = 'scheduled';

-- One row per update and supporter: the snapshot of the audience, and each
-- message's progress. queued → sent | failed | suppressed | unsubscribed (the
-- consent was withdrawn between fan-out and send).
CREATE TABLE update_recipients (
  update_id      bigint NOT NULL REFERENCES updates (id) ON DELETE CASCADE,
  -- An erased supporter's row goes with them (their hash stays suppressed).
  supporter_id   bigint NOT NULL REFERENCES supporters (id) ON DELETE CASCADE,
  state          text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'suppressed', 'unsubscribed')),
  -- A sender's lease: while it lasts no other worker takes the row; when its
  -- worker dies, the row is taken again once it runs out.
  claimed_until  timestamptz,
  -- Temporary failures so far (SMTP down): the next try waits longer.
  attempts       integer NOT NULL DEFAULT 0,
  finished_at    timestamptz,
  PRIMARY KEY (update_id, supporter_id)
);
-- What delivery claims next: the queued rows of an update in supporter order.
CREATE INDEX update_recipients_queued_idx ON update_recipients (update_id, supporter_id) WHERE state = 'queued';
-- A supporter's own rows: their export and erasure.
CREATE INDEX update_recipients_supporter_idx ON update_recipients (supporter_id);

-- The shared pace of delivery: how many messages have been started in the
-- current one-second slot of the database's clock, by all workers together
-- (src/updates/pacing.ts). One row, locked for the instant of a take.
CREATE TABLE update_pacing (
  id     smallint PRIMARY KEY CHECK (id = 1),
  slot   bigint NOT NULL,
  taken  integer NOT NULL
);
INSERT INTO update_pacing (id, slot, taken) VALUES (1, 0, 0);
