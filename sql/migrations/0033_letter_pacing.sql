-- The pace of letters per recipient address (src/letters/pacing.ts), shared by
-- every worker: the local hour being counted, how many letters were started in
-- it, and when the last one was. A sender locks the row for the instant of a
-- take, as update_pacing is, so two workers never both take the last letter of
-- an hour. A row per address rather than a count over letter_deliveries: a
-- letter claimed but not yet sent counts at once, and the take is one row.
CREATE TABLE letter_pacing (
  address_id  bigint PRIMARY KEY REFERENCES recipient_addresses (id) ON DELETE CASCADE,
  -- The start of the recipient's local hour counted (an instant: zones with
  -- half-hour offsets have local hours that are not UTC hours).
  hour_start  timestamptz NOT NULL DEFAULT '-infinity',
  taken       integer NOT NULL DEFAULT 0,
  last_at     timestamptz NOT NULL DEFAULT '-infinity'
);

-- A letter whose slot is later waits for it (not_before = the slot) with this
-- set: when its time comes it goes without taking another slot. One sent much
-- later than its slot (the workers were down) takes a new one, so that a
-- backlog never goes out at night or all at once.
ALTER TABLE letter_deliveries ADD COLUMN slotted boolean NOT NULL DEFAULT false;
