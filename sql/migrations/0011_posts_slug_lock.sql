-- A post's slug is its public address: once the post has been public, links to
-- it are out in the world, and the slug may no longer change, even after the
-- post is unpublished or moved to a later time. A scheduled post goes public
-- when its time comes, with no write to mark the moment, so this flag is set by
-- every write that could take a post off the site (unpublish, reschedule) when
-- the post was public then; "has been public" is
-- `was_public OR (status = 'published' AND published_at <= now())`.
ALTER TABLE posts ADD COLUMN was_public boolean NOT NULL DEFAULT false;

UPDATE posts SET was_public = true WHERE status = 'published' AND published_at <= now();
