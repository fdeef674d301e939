-- Protest calls (issue 11): an action of kind 'protest_call' is a day of action
-- with local protests (at embassies, in cities) that supporters RSVP to. An
-- RSVP is a pledge confirmed by email like a signature (src/pledges), and who
-- RSVPed is never public: pages show counts only.

CREATE TABLE protest_calls (
  action_id          bigint PRIMARY KEY REFERENCES actions (id) ON DELETE CASCADE,
  -- The day of action, in the call's zone (e.g. 16 December, the anniversary).
  day                date NOT NULL,
  time_zone          text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
  -- What it commemorates (the action's demand says what it demands).
  commemorates       text NOT NULL DEFAULT '' CHECK (length(commemorates) <= 2000),
  -- Supporters may tell us about a protest in their city (it waits for approval).
  proposals_open     boolean NOT NULL DEFAULT true,
  -- After the day: a thank-you to those who RSVPed, with a link for photos or a report (optional).
  thank_you_message  text NOT NULL DEFAULT '' CHECK (length(thank_you_message) <= 5000),
  thank_you_link     text NOT NULL DEFAULT '' CHECK (thank_you_link = '' OR thank_you_link ~ '^https?://'),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- proposed (by a supporter, waiting) → listed (public) → cancelled; proposed → rejected.
CREATE TABLE protests (
  id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action_id                 bigint NOT NULL REFERENCES protest_calls (action_id) ON DELETE CASCADE,
  status                    text NOT NULL DEFAULT 'listed' CHECK (status IN ('proposed', 'listed', 'cancelled', 'rejected')),
  country                   char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  city                      text NOT NULL CHECK (length(btrim(city)) BETWEEN 1 AND 100),
  -- "Embassy of the Republic of Kazakhstan", "Trafalgar Square".
  place                     text NOT NULL CHECK (length(btrim(place)) BETWEEN 1 AND 200),
  address                   text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
  meeting_point             text NOT NULL DEFAULT '' CHECK (length(meeting_point) <= 500),
  -- For the map link (OpenStreetMap, opened only when clicked); unset: a search for the address.
  latitude                  numeric(9, 6) CHECK (latitude BETWEEN -90 AND 90),
  longitude                 numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
  starts_at                 timestamptz NOT NULL,
  ends_at                   timestamptz NOT NULL,
  -- The protest's own zone: its times are shown, and its reminders sent, in it.
  time_zone                 text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
  -- Confirmed RSVPs never exceed it (null: no limit).
  capacity                  integer CHECK (capacity > 0),
  accessibility             text NOT NULL DEFAULT '' CHECK (length(accessibility) <= 1000),
  -- The local organiser; their contact is shown only if they agreed.
  organiser_name            text NOT NULL DEFAULT '' CHECK (length(organiser_name) <= 100),
  organiser_contact         text NOT NULL DEFAULT '' CHECK (length(organiser_contact) <= 200),
  organiser_contact_public  boolean NOT NULL DEFAULT false,
  -- The embassy there, for the call's letter (routed by the protest's country).
  recipient_id              bigint REFERENCES recipients (id) ON DELETE SET NULL,
  -- A supporter's proposal: who told us (for the organisers only; cleared once decided).
  proposed_by_name          text CHECK (length(proposed_by_name) <= 100),
  proposed_by_email         text CHECK (proposed_by_email = lower(btrim(proposed_by_email)) AND length(proposed_by_email) <= 254),
  -- Bumped when the protest is moved (place or time): notices and reminders are per version.
  version                   integer NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  cancelled_at              timestamptz,
  CHECK (ends_at > starts_at),
  CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL)
);
CREATE INDEX protests_call_idx ON protests (action_id, country, city, starts_at);
-- The reminder task reads only protests to come.
CREATE INDEX protests_listed_start_idx ON protests (starts_at) WHERE status = 'listed';

-- An RSVP: a supporter's notice that they will attend, counted once confirmed
-- by email and not cancelled. Only a name to be called by (a first name is
-- enough) and the email; the local organiser sees first names and the count,
-- and more only of those who agreed (share_with_organiser).
CREATE TABLE rsvps (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  protest_id            bigint NOT NULL REFERENCES protests (id) ON DELETE CASCADE,
  supporter_id          bigint NOT NULL REFERENCES supporters (id) ON DELETE CASCADE,
  name                  text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  share_with_organiser  boolean NOT NULL DEFAULT false,
  wants_updates         boolean NOT NULL DEFAULT false,
  -- The call's letter to the embassy, signed alongside (confirmed with the RSVP).
  signature_id          bigint REFERENCES signatures (id) ON DELETE SET NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  confirmed_at          timestamptz,
  cancelled_at          timestamptz,
  -- Emails sent about it so far: RSVPing again re-sends, a bounded number of times.
  notices_sent          integer NOT NULL DEFAULT 1,
  last_notice_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (protest_id, supporter_id)
);
CREATE INDEX rsvps_supporter_idx ON rsvps (supporter_id);
-- Counting and capacity: the confirmed, live RSVPs of a protest.
CREATE INDEX rsvps_counted_idx ON rsvps (protest_id) WHERE confirmed_at IS NOT NULL AND cancelled_at IS NULL;

-- A confirmation link is a signature's or an RSVP's (src/pledges/confirmation.service.ts kindOf).
ALTER TABLE confirmation_tokens ADD COLUMN rsvp_id bigint REFERENCES rsvps (id) ON DELETE CASCADE;
ALTER TABLE confirmation_tokens ADD CONSTRAINT confirmation_tokens_one_pledge CHECK (num_nonnulls(signature_id, rsvp_id) <= 1);
CREATE INDEX confirmation_tokens_rsvp_idx ON confirmation_tokens (rsvp_id) WHERE rsvp_id IS NOT NULL;

-- Notices to a protest's RSVPs: the reminders (the day before at 11:00, on
-- the day at 08:00, in the protest's zone), "moved" and "cancelled" at once,
-- and the thank-you after the day. One row per protest, kind and version,
-- made once (when due, or in the transaction that moved or cancelled the
-- protest); the sender then emails every confirmed, live RSVP through sendOnce
-- under rsvp-notice:<rsvp>:<kind>:<version>, so each goes once across
-- restarts and workers. sent_at: every RSVP had it.
CREATE TABLE protest_notices (
  protest_id  bigint NOT NULL REFERENCES protests (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('day_before', 'day_of', 'moved', 'cancelled', 'thanks')),
  version     integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sent_at     timestamptz,
  PRIMARY KEY (protest_id, kind, version)
);
CREATE INDEX protest_notices_unsent_idx ON protest_notices (created_at) WHERE sent_at IS NULL;
