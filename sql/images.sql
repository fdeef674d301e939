-- Images and their encoded variants (migration 0012). The bytes are read by
-- one statement only, the one that serves a file; every list reads the sizes.

-- name: insert-image
INSERT INTO images (alt, original_name, source_format, width, height, uploaded_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: insert-image-variant
INSERT INTO image_variants (image_id, width, height, format, hash, bytes)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: get-image
-- One image for its admin page, with its variants (without their bytes).
SELECT i.id, i.alt, i.original_name, i.source_format, i.width, i.height, i.created_at, i.updated_at,
       i.uploaded_by, coalesce(o.name, '') AS uploaded_by_name,
       (SELECT json_agg(json_build_object('width', v.width, 'height', v.height, 'format', v.format, 'hash', v.hash, 'size', octet_length(v.bytes))
                        ORDER BY v.width)
        FROM image_variants v WHERE v.image_id = i.id) AS variants
FROM images i LEFT JOIN organisers o ON o.id = i.uploaded_by
WHERE i.id = $1;

-- name: lock-image
-- Taken before a post points at an image, so that it is not deleted meanwhile.
SELECT id, alt FROM images WHERE id = $1 FOR KEY SHARE;

-- name: list-images
-- The library, newest first, by pages; and the featured-image picker, which
-- wants every image (a campaign's library is hundreds, not millions).
SELECT i.id, i.alt, i.width, i.height, i.created_at,
       (SELECT json_agg(json_build_object('width', v.width, 'height', v.height, 'format', v.format, 'hash', v.hash) ORDER BY v.width)
        FROM image_variants v WHERE v.image_id = i.id) AS variants
FROM images i
ORDER BY i.created_at DESC, i.id DESC
LIMIT $1 OFFSET $2;

-- name: count-images
SELECT count(*) AS total FROM images;

-- name: get-variant-bytes
-- Serving /images/<id>-<width>-<hash>.webp: the hash must match too, so an
-- address names one exact file and a guessed id and width find nothing.
SELECT bytes FROM image_variants WHERE image_id = $1 AND width = $2 AND format = $3 AND hash = $4;

-- name: update-image-alt
-- The old alt text comes back for the audit log.
UPDATE images i SET alt = $2, updated_at = now()
FROM (SELECT id, alt FROM images WHERE id = $1 FOR UPDATE) old
WHERE i.id = old.id
RETURNING old.alt AS before, i.alt AS after;

-- name: list-posts-using-image
-- Posts that show the image: as their featured image, or pasted into their
-- Markdown (`/images/12-` matches 12's files and no other id's). Posts are few,
-- so the text search scans them.
SELECT p.id, p.title, p.slug, p.status,
       (p.featured_image_id IS NOT DISTINCT FROM $1) AS featured,
       (strpos(p.body_markdown, '/images/' || $1::bigint || '-') > 0) AS inline
FROM posts p
WHERE p.featured_image_id = $1 OR strpos(p.body_markdown, '/images/' || $1::bigint || '-') > 0
ORDER BY p.id;

-- name: delete-image
-- Its variants go with it (ON DELETE CASCADE).
DELETE FROM images WHERE id = $1 RETURNING id, alt, original_name;

-- name: set-post-featured-image
-- The previous value comes back for the audit log; no row: no such post.
UPDATE posts p SET featured_image_id = $2, updated_at = now()
FROM (SELECT id, featured_image_id FROM posts WHERE id = $1 FOR UPDATE) old
WHERE p.id = old.id
RETURNING p.title, old.featured_image_id AS before;

-- name: get-featured-image-of-post
SELECT i.id, i.alt, i.width, i.height,
       (SELECT json_agg(json_build_object('width', v.width, 'height', v.height, 'format', v.format, 'hash', v.hash) ORDER BY v.width)
        FROM image_variants v WHERE v.image_id = i.id) AS variants
FROM posts p JOIN images i ON i.id = p.featured_image_id
WHERE p.id = $1;
