// SQL for posts, authors and tags (sql/posts.sql).
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('posts.sql', [
  'list-published-posts',
  'count-published-posts',
  'get-published-post-by-slug',
  'list-tags-of-post',
  'get-author-by-slug',
  'list-published-posts-by-author',
  'get-tag-by-slug',
  'list-published-posts-by-tag',
  'list-feed-posts',
  'list-open-actions-of-posts',
  'upsert-author',
  'insert-post',
  'upsert-tag',
  'tag-post',
  'list-post-ids-by-slugs',
]);

export type PostSummary = {
  id: number;
  slug: string;
  title: string;
  excerpt: string;
  published_at: Date;
  author_name: string;
  author_slug: string;
};
export type Post = PostSummary & { body_html: string; updated_at: Date };
export type Author = { id: number; slug: string; name: string; bio: string };
export type Tag = { id: number; slug: string; name: string; description: string };
export type FeedPost = Pick<Post, 'slug' | 'title' | 'excerpt' | 'body_html' | 'published_at' | 'updated_at' | 'author_name'>;

export async function listPublishedPosts(db: Queryable, limit: number, offset: number): Promise<PostSummary[]> {
  return (await db.query<PostSummary>({ ...sql['list-published-posts'], values: [limit, offset] })).rows;
}

export async function countPublishedPosts(db: Queryable): Promise<number> {
  return (await db.query<{ total: number }>(sql['count-published-posts'])).rows[0]?.total ?? 0;
}

export async function getPublishedPostBySlug(db: Queryable, slug: string): Promise<Post | undefined> {
  return (await db.query<Post>({ ...sql['get-published-post-by-slug'], values: [slug] })).rows[0];
}

export async function listTagsOfPost(db: Queryable, postId: number): Promise<Pick<Tag, 'slug' | 'name'>[]> {
  return (await db.query<Tag>({ ...sql['list-tags-of-post'], values: [postId] })).rows;
}

export async function getAuthorBySlug(db: Queryable, slug: string): Promise<Author | undefined> {
  return (await db.query<Author>({ ...sql['get-author-by-slug'], values: [slug] })).rows[0];
}

export async function listPublishedPostsByAuthor(db: Queryable, authorId: number, limit: number, offset: number) {
  return (await db.query<PostSummary & { total: number }>({ ...sql['list-published-posts-by-author'], values: [authorId, limit, offset] })).rows;
}

export async function getTagBySlug(db: Queryable, slug: string): Promise<Tag | undefined> {
  return (await db.query<Tag>({ ...sql['get-tag-by-slug'], values: [slug] })).rows[0];
}

export async function listPublishedPostsByTag(db: Queryable, tagId: number, limit: number, offset: number) {
  return (await db.query<PostSummary & { total: number }>({ ...sql['list-published-posts-by-tag'], values: [tagId, limit, offset] })).rows;
}

export async function listFeedPosts(db: Queryable, limit: number): Promise<FeedPost[]> {
  return (await db.query<FeedPost>({ ...sql['list-feed-posts'], values: [limit] })).rows;
}

export type OpenActionBadge = { post_id: number; kind: 'petition' | 'letter' | 'protest_call'; slug: string; signature_count: number };

/** The open actions of the given posts, with their counts (one query for a page of posts). */
export async function listOpenActionsOfPosts(db: Queryable, postIds: number[]): Promise<OpenActionBadge[]> {
  if (postIds.length === 0) return [];
  return (await db.query<OpenActionBadge>({ ...sql['list-open-actions-of-posts'], values: [postIds] })).rows;
}

export async function upsertAuthor(db: Queryable, author: { slug: string; name: string; bio: string }): Promise<number> {
  const row = (await db.query<{ id: number }>({ ...sql['upsert-author'], values: [author.slug, author.name, author.bio] })).rows[0];
  return row!.id;
}

export type NewPost = {
  slug: string;
  title: string;
  authorId: number;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  bodyMarkdown: string;
  bodyHtml: string;
  excerpt: string;
};

/** Returns the new post's id, or undefined when the slug is already taken. */
export async function insertPost(db: Queryable, post: NewPost): Promise<number | undefined> {
  const result = await db.query<{ id: number }>({ ...sql['insert-post'], values: [
    post.slug, post.title, post.authorId, post.status, post.publishedAt, post.bodyMarkdown, post.bodyHtml, post.excerpt,
  ] });
  return result.rows[0]?.id;
}

export async function upsertTag(db: Queryable, tag: { slug: string; name: string; description: string }): Promise<number> {
  return (await db.query<{ id: number }>({ ...sql['upsert-tag'], values: [tag.slug, tag.name, tag.description] })).rows[0]!.id;
}

export async function tagPost(db: Queryable, postId: number, tagId: number): Promise<void> {
  await db.query({ ...sql['tag-post'], values: [postId, tagId] });
}

export async function listPostIdsBySlugs(db: Queryable, slugs: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: number; slug: string }>({ ...sql['list-post-ids-by-slugs'], values: [slugs] });
  return new Map(rows.map((r) => [r.slug, r.id]));
}
