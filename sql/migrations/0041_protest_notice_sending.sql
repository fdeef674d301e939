-- Sending the notices to RSVPs (issue 11, src/protests/send-notices.task.ts).
--
-- A notice is claimed by one sender at a time with a lease (claimed_until, SKIP
-- LOCKED), as letters are; a temporary SMTP failure waits until not_before
-- (null: at once), doubling with attempts. sent_at (0037) is when the notice was
-- finished, and outcome says how:
--   sent     every confirmed, live RSVP had it (each email's own fate, sent,
--            refused for good or suppressed, is on sent_emails by its key)
--   skipped  nothing was sent, and outcome_reason says why: the protest was
--            cancelled, a later version replaced this one, it came too late
--   failed   gave up after many temporary failures (last_error)
ALTER TABLE protest_notices
  ADD COLUMN claimed_until   timestamptz,
  ADD COLUMN not_before      timestamptz,
  ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
  ADD COLUMN last_error      text NOT NULL DEFAULT '',
  ADD COLUMN outcome         text CHECK (outcome IN ('sent', 'skipped', 'failed')),
  ADD COLUMN outcome_reason  text NOT NULL DEFAULT '',
  ADD CONSTRAINT protest_notices_finished CHECK (outcome IS NULL OR sent_at IS NOT NULL);

-- What a protest looked like before each move, so that the "moved" notice can
-- say what changed (old → new): the protests row keeps only its current
-- version, and a move (the admin's, or any other writer's) bumps `version`.
-- A trigger rather than a call in the admin's code, so that no writer can move
-- a protest and lose what RSVPs were told. Places and times only: nobody's
-- personal details.
CREATE TABLE protest_versions (
  protest_id     bigint NOT NULL REFERENCES protests (id) ON DELETE CASCADE,
  version        integer NOT NULL,
  city           text NOT NULL,
  place          text NOT NULL,
  address        text NOT NULL,
  meeting_point  text NOT NULL,
  latitude       numeric(9, 6),
  longitude      numeric(9, 6),
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz NOT NULL,
  time_zone      text NOT NULL,
  replaced_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (protest_id, version)
);

CREATE FUNCTION protests_keep_old_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO protest_versions (protest_id, version, city, place, address, meeting_point, latitude, longitude, starts_at, ends_at, time_zone)
  VALUES (OLD.id, OLD.version, OLD.city, OLD.place, OLD.address, OLD.meeting_point, OLD.latitude, OLD.longitude, OLD.starts_at, OLD.ends_at, OLD.time_zone)
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$;
-- The WHEN clause is checked without calling the function: other edits pay nothing.
CREATE TRIGGER protests_keep_old_version AFTER UPDATE OF version ON protests
  FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version)
  EXECUTE FUNCTION protests_keep_old_version();
