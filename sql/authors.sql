-- Authors, as the admin manages them (the public author page reads
-- get-author-by-slug in posts.sql).

-- name: admin-list-authors
-- Every author, by name, with how many posts each has written (drafts too).
SELECT a.id, a.slug, a.name, a.bio,
       (SELECT count(*) FROM posts p WHERE p.author_id = a.id) AS post_count
FROM authors a
ORDER BY lower(a.name), a.id;

-- name: admin-get-author
SELECT id, slug, name, bio FROM authors WHERE id = $1;

-- name: admin-lock-author
SELECT id, slug, name, bio FROM authors WHERE id = $1 FOR UPDATE;

-- name: admin-author-exists
-- A post's author must exist; FOR KEY SHARE keeps it so until the post is written.
SELECT 1 FROM authors WHERE id = $1 FOR KEY SHARE;

-- name: admin-insert-author
-- A slug already taken gives no row: the form says so beside the field.
INSERT INTO authors (slug, name, bio) VALUES ($1, $2, $3)
ON CONFLICT (slug) DO NOTHING
RETURNING id;

-- name: admin-update-author
-- A slug taken meanwhile fails on authors_slug_key (23505): the service says so.
UPDATE authors SET slug = $2, name = $3, bio = $4 WHERE id = $1;

-- name: admin-delete-author
-- Only an author without posts (drafts included): a post must keep its author.
-- A post written meanwhile makes the foreign key refuse (23503); the service
-- says the same then.
DELETE FROM authors a WHERE a.id = $1 AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.author_id = a.id)
RETURNING id;
