-- RSVPs of past protests are anonymised (src/supporters/anonymise.task.ts):
-- RSVPS_ANONYMISE_AFTER_DAYS after a protest ends, who went (the name they
-- were called by, the link to their address, what they shared) is no longer
-- kept; the row stays, so that the protest's count does. For people who may
-- face reprisals at home, that list is the most dangerous thing the site holds.
ALTER TABLE rsvps ADD COLUMN anonymised_at timestamptz;
ALTER TABLE rsvps ALTER COLUMN supporter_id DROP NOT NULL;
ALTER TABLE rsvps DROP CONSTRAINT rsvps_name_check;
ALTER TABLE rsvps ADD CONSTRAINT rsvps_name_check CHECK (anonymised_at IS NOT NULL OR length(btrim(name)) BETWEEN 1 AND 100);
ALTER TABLE rsvps ADD CONSTRAINT rsvps_anonymised_check CHECK (anonymised_at IS NULL OR (supporter_id IS NULL AND name = ''));
