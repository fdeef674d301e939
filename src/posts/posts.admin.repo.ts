// SQL of the admin's content screens: posts (sql/posts.sql, the admin part),
// authors (sql/authors.sql) and tags (sql/tags.sql).
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const postSql = loadQueries('posts.sql', [
  'admin-list-posts',
  'admin-count-posts',
  'admin-get-post',
  'admin-lock-post',
  'admin-insert-post',
  'admin-update-post',
  'admin-set-post-tags',
  'admin-publish-post',
  'admin-unpublish-post',
]);
const authorSql = loadQueries('authors.sql', [
  'admin-list-authors',
  'admin-get-author',
  'admin-lock-author',
  'admin-author-exists',
  'admin-insert-author',
  'admin-update-author',
  'admin-delete-author',
]);
const tagSql = loadQueries('tags.sql', [
  'admin-list-tags',
  'admin-get-tag',
  'admin-lock-tag',
  'admin-count-tags',
  'admin-insert-tag',
  'admin-update-tag',
  'admin-delete-tag',
]);

export type PostState = 'draft' | 'scheduled' | 'published';

export type AdminPostRow = {
  id: number;
  slug: string;
  title: string;
  status: 'draft' | 'published';
  state: PostState;
  published_at: Date | null;
  updated_at: Date;
  created_at: Date;
  author_name: string;
};

export type AdminPost = {
  id: number;
  slug: string;
  title: string;
  author_id: number;
  status: 'draft' | 'published';
  state: PostState;
  published_at: Date | null;
  body_markdown: string;
  excerpt: string;
  created_at: Date;
  updated_at: Date;
  slug_locked: boolean;
  /** As a string, as the picker's radios carry it; null for none. */
  featured_image_id: string | null;
  /** As strings, as the form's checkboxes carry them. */
  tag_ids: string[];
};

export type PostWrite = {
  slug: string;
  title: string;
  authorId: number;
  excerpt: string;
  bodyMarkdown: string;
  bodyHtml: string;
};

export type AdminAuthor = { id: number; slug: string; name: string; bio: string };
export type AdminAuthorRow = AdminAuthor & { post_count: number };
export type AdminTag = { id: number; slug: string; name: string; description: string };
export type AdminTagRow = AdminTag & { post_count: number };

export async function listPosts(db: Queryable, limit: number, offset: number): Promise<AdminPostRow[]> {
  return (await db.query<AdminPostRow>({ ...postSql['admin-list-posts'], values: [limit, offset] })).rows;
}

export async function countPosts(db: Queryable): Promise<number> {
  return (await db.query<{ total: number }>(postSql['admin-count-posts'])).rows[0]?.total ?? 0;
}

export async function getPost(db: Queryable, id: number): Promise<AdminPost | undefined> {
  return (await db.query<AdminPost>({ ...postSql['admin-get-post'], values: [id] })).rows[0];
}

/** The post, its row locked until the transaction ends. */
export async function lockPost(db: Queryable, id: number): Promise<AdminPost | undefined> {
  return (await db.query<AdminPost>({ ...postSql['admin-lock-post'], values: [id] })).rows[0];
}

/** The new draft's id, or undefined when the slug is taken. */
export async function insertPost(db: Queryable, post: PostWrite): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>({
    ...postSql['admin-insert-post'],
    values: [post.slug, post.title, post.authorId, post.bodyMarkdown, post.bodyHtml, post.excerpt],
  });
  return rows[0]?.id;
}

export async function updatePost(db: Queryable, id: number, post: PostWrite): Promise<void> {
  await db.query({
    ...postSql['admin-update-post'],
    values: [id, post.title, post.slug, post.authorId, post.excerpt, post.bodyMarkdown, post.bodyHtml],
  });
}

export async function setPostTags(db: Queryable, postId: number, tagIds: number[]): Promise<void> {
  await db.query({ ...postSql['admin-set-post-tags'], values: [postId, tagIds] });
}

/** Published at `at`, or now (the database's clock) when null. */
export async function publishPost(db: Queryable, id: number, at: Date | null): Promise<void> {
  await db.query({ ...postSql['admin-publish-post'], values: [id, at] });
}

export async function unpublishPost(db: Queryable, id: number): Promise<void> {
  await db.query({ ...postSql['admin-unpublish-post'], values: [id] });
}

export async function listAuthors(db: Queryable): Promise<AdminAuthorRow[]> {
  return (await db.query<AdminAuthorRow>(authorSql['admin-list-authors'])).rows;
}

export async function getAuthor(db: Queryable, id: number): Promise<AdminAuthor | undefined> {
  return (await db.query<AdminAuthor>({ ...authorSql['admin-get-author'], values: [id] })).rows[0];
}

export async function lockAuthor(db: Queryable, id: number): Promise<AdminAuthor | undefined> {
  return (await db.query<AdminAuthor>({ ...authorSql['admin-lock-author'], values: [id] })).rows[0];
}

/** True when the author exists, kept so (FOR KEY SHARE) until the transaction ends. */
export async function authorExists(db: Queryable, id: number): Promise<boolean> {
  return ((await db.query({ ...authorSql['admin-author-exists'], values: [id] })).rowCount ?? 0) > 0;
}

export async function insertAuthor(db: Queryable, author: Omit<AdminAuthor, 'id'>): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>({ ...authorSql['admin-insert-author'], values: [author.slug, author.name, author.bio] });
  return rows[0]?.id;
}

export async function updateAuthor(db: Queryable, author: AdminAuthor): Promise<void> {
  await db.query({ ...authorSql['admin-update-author'], values: [author.id, author.slug, author.name, author.bio] });
}

export async function listTags(db: Queryable): Promise<AdminTagRow[]> {
  return (await db.query<AdminTagRow>(tagSql['admin-list-tags'])).rows;
}

export async function getTag(db: Queryable, id: number): Promise<AdminTag | undefined> {
  return (await db.query<AdminTag>({ ...tagSql['admin-get-tag'], values: [id] })).rows[0];
}

export async function lockTag(db: Queryable, id: number): Promise<AdminTag | undefined> {
  return (await db.query<AdminTag>({ ...tagSql['admin-lock-tag'], values: [id] })).rows[0];
}

export async function countTags(db: Queryable, ids: number[]): Promise<number> {
  return (await db.query<{ found: number }>({ ...tagSql['admin-count-tags'], values: [ids] })).rows[0]?.found ?? 0;
}

export async function insertTag(db: Queryable, tag: Omit<AdminTag, 'id'>): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>({ ...tagSql['admin-insert-tag'], values: [tag.slug, tag.name, tag.description] });
  return rows[0]?.id;
}

export async function updateTag(db: Queryable, tag: AdminTag): Promise<void> {
  await db.query({ ...tagSql['admin-update-tag'], values: [tag.id, tag.slug, tag.name, tag.description] });
}

/** True when the author was deleted; false when it has posts. */
export async function deleteAuthor(db: Queryable, id: number): Promise<boolean> {
  return ((await db.query({ ...authorSql['admin-delete-author'], values: [id] })).rowCount ?? 0) > 0;
}

/** True when the tag was deleted; false when a post has it. */
export async function deleteTag(db: Queryable, id: number): Promise<boolean> {
  return ((await db.query({ ...tagSql['admin-delete-tag'], values: [id] })).rowCount ?? 0) > 0;
}
