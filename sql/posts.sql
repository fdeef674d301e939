-- Posts, authors and tags. Public queries only ever see published posts whose
-- publication date has come: a draft or a scheduled post is never public.

-- name: list-published-posts
SELECT p.id, p.slug, p.title, p.excerpt, p.published_at, a.name AS author_name, a.slug AS author_slug
FROM posts p JOIN authors a ON a.id = p.author_id
WHERE p.status = 'published' AND p.published_at <= now()
ORDER BY p.published_at DESC, p.id DESC
LIMIT $1 OFFSET $2;

-- name: count-published-posts
SELECT count(*) AS total FROM posts WHERE status = 'published' AND published_at <= now();

-- name: get-published-post-by-slug
SELECT p.id, p.slug, p.title, p.excerpt, p.body_html, p.published_at, p.updated_at,
       a.name AS author_name, a.slug AS author_slug
FROM posts p JOIN authors a ON a.id = p.author_id
WHERE p.slug = $1 AND p.status = 'published' AND p.published_at <= now();

-- name: list-tags-of-post
SELECT t.slug, t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id
WHERE pt.post_id = $1 ORDER BY t.name;

-- name: get-author-by-slug
SELECT id, slug, name, bio FROM authors WHERE slug = $1;

-- name: list-published-posts-by-author
SELECT p.id, p.slug, p.title, p.excerpt, p.published_at, a.name AS author_name, a.slug AS author_slug,
       count(*) OVER () AS total
FROM posts p JOIN authors a ON a.id = p.author_id
WHERE p.author_id = $1 AND p.status = 'published' AND p.published_at <= now()
ORDER BY p.published_at DESC, p.id DESC
LIMIT $2 OFFSET $3;

-- name: get-tag-by-slug
SELECT id, slug, name, description FROM tags WHERE slug = $1;

-- name: list-published-posts-by-tag
SELECT p.id, p.slug, p.title, p.excerpt, p.published_at, a.name AS author_name, a.slug AS author_slug,
       count(*) OVER () AS total
FROM posts p JOIN authors a ON a.id = p.author_id JOIN post_tags pt ON pt.post_id = p.id
WHERE pt.tag_id = $1 AND p.status = 'published' AND p.published_at <= now()
ORDER BY p.published_at DESC, p.id DESC
LIMIT $2 OFFSET $3;

-- name: list-feed-posts
SELECT p.slug, p.title, p.excerpt, p.body_html, p.published_at, p.updated_at, a.name AS author_name
FROM posts p JOIN authors a ON a.id = p.author_id
WHERE p.status = 'published' AND p.published_at <= now()
ORDER BY p.published_at DESC, p.id DESC
LIMIT $1;

-- name: list-open-actions-of-posts
-- The badges of a page of posts ("Petition open · 1,234 signed"): every open
-- action before its deadline of the posts listed ($1, their ids), with its
-- count, in one query for the page rather than one per post. The posts are
-- public already (they are listed), so their actions are too.
SELECT a.post_id, a.kind, a.slug, coalesce(c.signature_count, 0) AS signature_count
FROM actions a
LEFT JOIN action_counts c ON c.action_id = a.id
WHERE a.post_id = ANY($1::bigint[]) AND a.status = 'open' AND (a.deadline IS NULL OR a.deadline > now())
ORDER BY a.post_id, a.id;

-- name: upsert-author
INSERT INTO authors (slug, name, bio) VALUES ($1, $2, $3)
ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name
RETURNING id;

-- name: insert-post
-- Demo content and the admin create posts; a slug already taken is left alone.
INSERT INTO posts (slug, title, author_id, status, published_at, body_markdown, body_html, excerpt)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: upsert-tag
INSERT INTO tags (slug, name, description) VALUES ($1, $2, $3)
ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name
RETURNING id;

-- name: tag-post
INSERT INTO post_tags (post_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: list-post-ids-by-slugs
SELECT id, slug FROM posts WHERE slug = ANY($1);

-- ---------------------------------------------------------------- the admin
-- Organisers see every post: drafts, scheduled and published. A post's state
-- for people: a draft; scheduled (published, its time still to come); or
-- published. Its slug is fixed once it has been public or while it is
-- scheduled (slug_locked; sql/migrations/0011_posts_slug_lock.sql says why).

-- name: admin-list-posts
-- Newest first. The posts table holds a campaign's news (hundreds, not
-- millions of rows): an offset page is cheap here.
SELECT p.id, p.slug, p.title, p.status, p.published_at, p.updated_at, p.created_at,
       CASE WHEN p.status = 'draft' THEN 'draft' WHEN p.published_at > now() THEN 'scheduled' ELSE 'published' END AS state,
       a.name AS author_name
FROM posts p JOIN authors a ON a.id = p.author_id
ORDER BY p.created_at DESC, p.id DESC
LIMIT $1 OFFSET $2;

-- name: admin-count-posts
SELECT count(*) AS total FROM posts;

-- name: admin-get-post
SELECT p.id, p.slug, p.title, p.author_id, p.status, p.published_at, p.body_markdown, p.excerpt,
       p.created_at, p.updated_at,
       CASE WHEN p.status = 'draft' THEN 'draft' WHEN p.published_at > now() THEN 'scheduled' ELSE 'published' END AS state,
       (p.was_public OR p.status = 'published') AS slug_locked, p.featured_image_id::text AS featured_image_id,
       array(SELECT pt.tag_id::text FROM post_tags pt WHERE pt.post_id = p.id ORDER BY pt.tag_id) AS tag_ids
FROM posts p WHERE p.id = $1;

-- name: admin-lock-post
-- The same, holding the row until the transaction ends: two organisers saving
-- one post at once take turns, and each audit entry's "before" is what it
-- really replaced.
SELECT p.id, p.slug, p.title, p.author_id, p.status, p.published_at, p.body_markdown, p.excerpt,
       p.created_at, p.updated_at,
       CASE WHEN p.status = 'draft' THEN 'draft' WHEN p.published_at > now() THEN 'scheduled' ELSE 'published' END AS state,
       (p.was_public OR p.status = 'published') AS slug_locked, p.featured_image_id::text AS featured_image_id,
       array(SELECT pt.tag_id::text FROM post_tags pt WHERE pt.post_id = p.id ORDER BY pt.tag_id) AS tag_ids
FROM posts p WHERE p.id = $1
FOR UPDATE OF p;

-- name: admin-insert-post
-- A new post is a draft. A slug already taken gives no row (also when another
-- organiser took it a moment before): the form says so beside the field.
INSERT INTO posts (slug, title, author_id, status, body_markdown, body_html, excerpt)
VALUES ($1, $2, $3, 'draft', $4, $5, $6)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: admin-update-post
-- A slug taken since the form was opened fails on posts_slug_key (23505),
-- which the service turns into the same message as on creation.
UPDATE posts
SET title = $2, slug = $3, author_id = $4, excerpt = $5, body_markdown = $6, body_html = $7, updated_at = now()
WHERE id = $1;

-- name: admin-set-post-tags
-- The post's tags become exactly $2 (ids of existing tags; others are ignored,
-- the service has refused them already).
WITH wanted AS (SELECT id FROM tags WHERE id = ANY($2::bigint[])),
removed AS (DELETE FROM post_tags WHERE post_id = $1 AND tag_id NOT IN (SELECT id FROM wanted))
INSERT INTO post_tags (post_id, tag_id) SELECT $1, id FROM wanted
ON CONFLICT DO NOTHING;

-- name: admin-publish-post
-- At a time ($2), or now (NULL): the database's now(), the clock every public
-- query compares with, so a post published now is never briefly "scheduled"
-- by an app server whose clock is behind. A post that was public until this write remembers it
-- (was_public), so moving it to a later time does not free its slug.
UPDATE posts
SET status = 'published', published_at = coalesce($2::timestamptz, now()),
    was_public = was_public OR (status = 'published' AND published_at <= now()),
    updated_at = now()
WHERE id = $1;

-- name: admin-unpublish-post
-- Back to draft: off every public page, the feed and its actions at once (they
-- all ask for status = 'published' AND published_at <= now()). The slug stays.
UPDATE posts
SET status = 'draft', published_at = NULL,
    was_public = was_public OR (status = 'published' AND published_at <= now()),
    updated_at = now()
WHERE id = $1;

-- name: list-posts-to-render
-- Every post, a batch at a time by id, for rendering again with new rules.
SELECT id, body_markdown, body_html FROM posts WHERE id > $1 ORDER BY id LIMIT $2;

-- name: set-post-html
-- Only the rendering changes: updated_at stays, since nothing the author wrote did.
UPDATE posts SET body_html = $2 WHERE id = $1 AND body_html IS DISTINCT FROM $2;
