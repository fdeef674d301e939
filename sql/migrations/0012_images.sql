-- Images for posts: a featured image and inline images. They live in
-- PostgreSQL, like everything durable, so every instance serves the same ones
-- and a backup of the database is a backup of the site.

CREATE TABLE images (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Required: a reader who cannot see the picture is told what it shows.
  alt           text NOT NULL CHECK (length(btrim(alt)) BETWEEN 1 AND 300),
  -- The uploaded file's name, for organisers finding their picture again; never public.
  original_name text NOT NULL DEFAULT '' CHECK (length(original_name) <= 255),
  -- The format the file was in (jpeg, png, webp, gif, heif), as recognised from its content.
  source_format text NOT NULL,
  -- Of the original, after its EXIF orientation was applied.
  width         integer NOT NULL CHECK (width > 0),
  height        integer NOT NULL CHECK (height > 0),
  uploaded_by   bigint REFERENCES organisers (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX images_created_idx ON images (created_at DESC, id DESC);

-- The re-encoded sizes that are served. A variant never changes once written:
-- its file name carries a hash of its bytes, so it can be cached for a year.
CREATE TABLE image_variants (
  image_id   bigint NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  width      integer NOT NULL CHECK (width > 0),
  height     integer NOT NULL CHECK (height > 0),
  format     text NOT NULL CHECK (format IN ('webp')),
  -- The first 16 hex digits of the SHA-256 of `bytes`.
  hash       text NOT NULL CHECK (hash ~ '^[0-9a-f]{16}$'),
  bytes      bytea NOT NULL,
  PRIMARY KEY (image_id, width, format)
);
-- WebP is compressed already: TOAST need not try again on every write.
ALTER TABLE image_variants ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- A post's featured image: shown above it and given to Open Graph. Deleting an
-- image leaves the post without one rather than failing.
ALTER TABLE posts ADD COLUMN featured_image_id bigint REFERENCES images (id) ON DELETE SET NULL;
CREATE INDEX posts_featured_image_idx ON posts (featured_image_id) WHERE featured_image_id IS NOT NULL;
