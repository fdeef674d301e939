-- The local organiser's view of a protest's RSVPs (issue 11): an organiser
-- makes a link and hands it to the person organising on the spot. Only the
-- token's hash is kept; the page shows first names and the count, and name and
-- email only of those who agreed to share them. Making a new link replaces the
-- old one (one live link per protest), so a link handed to the wrong person is
-- undone by making another.
CREATE TABLE protest_organiser_links (
  protest_id  bigint PRIMARY KEY REFERENCES protests (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  created_by  bigint REFERENCES organisers (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
