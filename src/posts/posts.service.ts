// Publishing: what the public pages of posts, authors and tags show.
import type { Pool, Queryable } from '../db/pool.ts';
import { NotFound } from '../errors.ts';
import { deriveExcerpt, renderMarkdown } from './markdown.ts';
import * as repo from './posts.repo.ts';

export const POSTS_PER_PAGE = 10;

/** A post in a list, with a badge for each open action it carries. */
export type ListedPost = repo.PostSummary & { openActions: repo.OpenActionBadge[] };

/** The badges of a page of posts, from one query for the whole page. */
async function withBadges<T extends repo.PostSummary>(db: Queryable, items: T[]): Promise<(T & { openActions: repo.OpenActionBadge[] })[]> {
  const badges = await repo.listOpenActionsOfPosts(db, items.map((p) => p.id));
  return items.map((post) => ({ ...post, openActions: badges.filter((b) => b.post_id === post.id) }));
}

export type Page<T> = { items: T[]; page: number; pages: number; total: number; newerPage?: number; olderPage?: number };

function paginate<T>(items: T[], page: number, total: number): Page<T> {
  const pages = Math.max(1, Math.ceil(total / POSTS_PER_PAGE));
  // Page 1 of an empty site is a page; any other page past the end is not.
  if (page > pages) throw new NotFound();
  return { items, page, pages, total, newerPage: page > 1 ? page - 1 : undefined, olderPage: page < pages ? page + 1 : undefined };
}

export async function listPublished(db: Pool, page: number): Promise<Page<ListedPost>> {
  const [items, total] = await Promise.all([
    repo.listPublishedPosts(db, POSTS_PER_PAGE, (page - 1) * POSTS_PER_PAGE),
    repo.countPublishedPosts(db),
  ]);
  return paginate(await withBadges(db, items), page, total);
}

export async function getPublishedPost(db: Pool, slug: string) {
  const post = await repo.getPublishedPostBySlug(db, slug);
  if (!post) throw new NotFound();
  const tags = await repo.listTagsOfPost(db, post.id);
  return { post, tags };
}

export async function listByAuthor(db: Pool, slug: string, page: number) {
  const author = await repo.getAuthorBySlug(db, slug);
  if (!author) throw new NotFound();
  const items = await repo.listPublishedPostsByAuthor(db, author.id, POSTS_PER_PAGE, (page - 1) * POSTS_PER_PAGE);
  return { author, page: paginate(await withBadges(db, items), page, items[0]?.total ?? 0) };
}

export async function listByTag(db: Pool, slug: string, page: number) {
  const tag = await repo.getTagBySlug(db, slug);
  if (!tag) throw new NotFound();
  const items = await repo.listPublishedPostsByTag(db, tag.id, POSTS_PER_PAGE, (page - 1) * POSTS_PER_PAGE);
  return { tag, page: paginate(await withBadges(db, items), page, items[0]?.total ?? 0) };
}

export type PostInput = {
  slug: string;
  title: string;
  authorId: number;
  status: 'draft' | 'published';
  publishedAt?: Date | null;
  bodyMarkdown: string;
  excerpt?: string;
};

/** Stores a post with its body rendered and sanitised; undefined if the slug is taken. */
export async function createPost(db: Queryable, input: PostInput): Promise<number | undefined> {
  return repo.insertPost(db, {
    slug: input.slug,
    title: input.title,
    authorId: input.authorId,
    status: input.status,
    publishedAt: input.status === 'published' ? (input.publishedAt ?? new Date()) : (input.publishedAt ?? null),
    bodyMarkdown: input.bodyMarkdown,
    bodyHtml: renderMarkdown(input.bodyMarkdown),
    excerpt: input.excerpt?.trim() || deriveExcerpt(input.bodyMarkdown),
  });
}
