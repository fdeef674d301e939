-- Tags (a campaign's themes), as the admin manages them (the public tag page
-- reads get-tag-by-slug in posts.sql).

-- name: admin-list-tags
SELECT t.id, t.slug, t.name, t.description,
       (SELECT count(*) FROM post_tags pt WHERE pt.tag_id = t.id) AS post_count
FROM tags t
ORDER BY lower(t.name), t.id;

-- name: admin-get-tag
SELECT id, slug, name, description FROM tags WHERE id = $1;

-- name: admin-lock-tag
SELECT id, slug, name, description FROM tags WHERE id = $1 FOR UPDATE;

-- name: admin-count-tags
-- How many of the ids $1 name a tag: fewer than asked means a stranger's id.
-- FOR KEY SHARE would need a row lock per tag; tags are not deleted by the admin.
SELECT count(*) AS found FROM tags WHERE id = ANY($1::bigint[]);

-- name: admin-insert-tag
INSERT INTO tags (slug, name, description) VALUES ($1, $2, $3)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: admin-update-tag
-- A slug taken meanwhile fails on tags_slug_key (23505): the service says so.
UPDATE tags SET slug = $2, name = $3, description = $4 WHERE id = $1;

-- name: admin-delete-tag
-- Only a tag on no post: deleting one in use would change published posts
-- without a word on them. (post_tags would cascade; this refuses first.)
DELETE FROM tags t WHERE t.id = $1 AND NOT EXISTS (SELECT 1 FROM post_tags pt WHERE pt.tag_id = t.id)
RETURNING id;
