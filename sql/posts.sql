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
