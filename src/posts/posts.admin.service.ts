// What organisers do with content: write, preview, publish, schedule and
// unpublish posts; keep authors and tags. Every change is one transaction with
// its audit entry, holding the changed fields before and after.
import { changedFields, recordAudit } from '../admin/audit.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid, NotFound, type FieldErrors } from '../errors.ts';
import { formatDateTime, translate, type MessageKey } from '../i18n/index.ts';
import { setFeaturedImage } from '../images/images.service.ts';
import { deriveExcerpt, renderMarkdown } from './markdown.ts';
import * as repo from './posts.admin.repo.ts';
import { slugify, type AuthorForm, type PostForm, type PublishForm, type TagForm } from './posts.schema.ts';

export const ADMIN_POSTS_PER_PAGE = 50;

/** Who makes a change: the signed-in organiser's id, for the audit log. */
export type Actor = { organiserId: number };

const summary = (key: MessageKey, vars: Record<string, unknown>) => translate('en', key, vars);

/** A unique violation on `constraint`, as PostgreSQL reports it (also when two organisers race). */
function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown };
  return e?.code === '23505' && e.constraint === constraint;
}

const invalid = (fields: FieldErrors) => new Invalid(fields, 'admin.content.errors.summary');

// ---------------------------------------------------------------- posts

export type AdminPostPage = {
  items: repo.AdminPostRow[];
  page: number;
  pages: number;
  total: number;
  newerPage?: number;
  olderPage?: number;
};

export async function listPosts(db: Pool, page: number): Promise<AdminPostPage> {
  const [items, total] = await Promise.all([
    repo.listPosts(db, ADMIN_POSTS_PER_PAGE, (page - 1) * ADMIN_POSTS_PER_PAGE),
    repo.countPosts(db),
  ]);
  const pages = Math.max(1, Math.ceil(total / ADMIN_POSTS_PER_PAGE));
  if (page > pages) throw new NotFound();
  return { items, page, pages, total, newerPage: page > 1 ? page - 1 : undefined, olderPage: page < pages ? page + 1 : undefined };
}

/** The authors and tags a post form offers. */
export async function postFormChoices(db: Pool) {
  const [authors, tags] = await Promise.all([repo.listAuthors(db), repo.listTags(db)]);
  return { authors, tags };
}

export type EditablePost = repo.AdminPost & {
  /** The excerpt as the organiser typed it: '' when it is the one derived from the body. */
  excerpt_typed: string;
};

export async function getPost(db: Pool, id: number): Promise<EditablePost> {
  const post = await repo.getPost(db, id);
  if (!post) throw new NotFound();
  return { ...post, excerpt_typed: post.excerpt === deriveExcerpt(post.body_markdown) ? '' : post.excerpt };
}

/**
 * The body as the public post page will show it: the same Markdown and the same
 * sanitising (which drops an image from another host whole, so not even the
 * preview tells that host who is writing what).
 */
export function previewBody(markdown: string): string {
  return renderMarkdown(markdown);
}

/** Checks what the form refers to: the author and the tags must exist. */
async function checkReferences(client: Queryable, form: PostForm): Promise<void> {
  const fields: FieldErrors = {};
  if (!(await repo.authorExists(client, form.authorId))) fields.author_id = 'admin.content.errors.author';
  if (form.tagIds.length && (await repo.countTags(client, form.tagIds)) !== form.tagIds.length) fields.tags = 'admin.content.errors.tags';
  if (Object.keys(fields).length) throw invalid(fields);
}

function postWrite(form: PostForm, slug: string): repo.PostWrite {
  return {
    slug,
    title: form.title,
    authorId: form.authorId,
    // An excerpt left empty is derived from the body again on every save.
    excerpt: form.excerpt || deriveExcerpt(form.bodyMarkdown),
    bodyMarkdown: form.bodyMarkdown,
    bodyHtml: renderMarkdown(form.bodyMarkdown),
  };
}

// The audit log shows each changed field whole; a post's body can be 200,000
// characters. Compared whole, kept in the entry up to this many.
const AUDITED_TEXT_LENGTH = 2000;

/** The values of an audit entry with long texts cut: "…" and the full length tell the cut. */
function clipped(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) =>
      typeof value === 'string' && value.length > AUDITED_TEXT_LENGTH
        ? [key, `${value.slice(0, AUDITED_TEXT_LENGTH)}… (${value.length} characters)`]
        : [key, value],
    ),
  );
}

/** The fields an audit entry of a post compares. */
function auditedPost(post: { title: string; slug: string; author_id: number; excerpt: string; body_markdown: string }, tagIds: string[]) {
  return {
    title: post.title,
    slug: post.slug,
    author_id: Number(post.author_id),
    tag_ids: [...tagIds].sort((a, b) => Number(a) - Number(b)),
    excerpt: post.excerpt,
    body_markdown: post.body_markdown,
  };
}

/** Saves a new draft; its id. */
export async function createPost(db: Pool, actor: Actor, form: PostForm): Promise<number> {
  const slug = form.slug || slugify(form.title);
  if (!slug) throw invalid({ slug: 'admin.content.errors.slugFromTitle' });
  try {
    return await withTransaction(db, async (client) => {
      await checkReferences(client, form);
      const write = postWrite(form, slug);
      const id = await repo.insertPost(client, write);
      if (id === undefined) throw invalid({ slug: 'admin.content.errors.slugTaken' });
      await repo.setPostTags(client, id, form.tagIds);
      // Its own audit entry (post.featured_image), in this transaction.
      if (form.featuredImageId !== null) await setFeaturedImage(client, id, form.featuredImageId, actor.organiserId);
      const after = auditedPost({ ...write, author_id: write.authorId, body_markdown: write.bodyMarkdown }, form.tagIds.map(String));
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'post.create',
        subject: { type: 'post', id },
        summary: summary('admin.content.audit.postCreate', { title: form.title }),
        after: clipped(after),
      });
      return id;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'posts_slug_key')) throw invalid({ slug: 'admin.content.errors.slugTaken' });
    throw error;
  }
}

export async function updatePost(db: Pool, actor: Actor, id: number, form: PostForm): Promise<void> {
  try {
    await withTransaction(db, async (client) => {
      const post = await repo.lockPost(client, id);
      if (!post) throw new NotFound();
      // Someone saved (or published) the post since this form was opened: saving would silently undo their change.
      if (form.editedFrom && form.editedFrom !== new Date(post.updated_at).toISOString()) {
        throw invalid({ edited_from: 'admin.content.errors.editedMeanwhile' });
      }
      let slug = form.slug;
      if (post.slug_locked) {
        // The field is read-only then; a stranger's different slug is refused, an empty one keeps it.
        if (slug && slug !== post.slug) throw invalid({ slug: 'admin.content.errors.slugLocked' });
        slug = post.slug;
      }
      slug ||= slugify(form.title);
      if (!slug) throw invalid({ slug: 'admin.content.errors.slugFromTitle' });
      await checkReferences(client, form);
      const write = postWrite(form, slug);
      await repo.updatePost(client, id, write);
      await repo.setPostTags(client, id, form.tagIds);
      await setFeaturedImage(client, id, form.featuredImageId, actor.organiserId);
      const change = changedFields(
        auditedPost(post, post.tag_ids),
        auditedPost({ ...write, author_id: write.authorId, body_markdown: write.bodyMarkdown }, form.tagIds.map(String)),
      );
      if (Object.keys(change.after).length === 0) return;
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'post.update',
        subject: { type: 'post', id },
        summary: summary('admin.content.audit.postUpdate', { title: form.title }),
        before: clipped(change.before),
        after: clipped(change.after),
      });
    });
  } catch (error) {
    if (isUniqueViolation(error, 'posts_slug_key')) throw invalid({ slug: 'admin.content.errors.slugTaken' });
    throw error;
  }
}

/**
 * Publishes a post now, or at a time: a time to come makes it scheduled (off
 * every public page until then), a time past publishes it with that date.
 * Publishing now a post that is already public changes nothing.
 */
export async function publishPost(db: Pool, actor: Actor, id: number, form: PublishForm, timeZone: string): Promise<repo.PostState> {
  return withTransaction(db, async (client) => {
    const post = await repo.lockPost(client, id);
    if (!post) throw new NotFound();
    if (form.when === 'now' && post.state === 'published') return 'published';
    const at = form.when === 'later' ? form.at : null;
    await repo.publishPost(client, id, at);
    const after = (await repo.getPost(client, id))!;
    const scheduled = after.state === 'scheduled';
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: scheduled ? 'post.schedule' : 'post.publish',
      subject: { type: 'post', id },
      summary: scheduled
        ? summary('admin.content.audit.postSchedule', { title: post.title, at: formatDateTime('en', after.published_at, timeZone) })
        : summary('admin.content.audit.postPublish', { title: post.title }),
      before: { status: post.status, published_at: post.published_at },
      after: { status: after.status, published_at: after.published_at },
    });
    return after.state;
  });
}

/** Back to draft: the post and its actions leave the site; the slug is kept. */
export async function unpublishPost(db: Pool, actor: Actor, id: number): Promise<void> {
  await withTransaction(db, async (client) => {
    const post = await repo.lockPost(client, id);
    if (!post) throw new NotFound();
    if (post.status === 'draft') return;
    await repo.unpublishPost(client, id);
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: 'post.unpublish',
      subject: { type: 'post', id },
      summary: summary('admin.content.audit.postUnpublish', { title: post.title }),
      before: { status: post.status, published_at: post.published_at },
      after: { status: 'draft', published_at: null },
    });
  });
}

// ---------------------------------------------------------------- authors

export const listAuthors = (db: Pool) => repo.listAuthors(db);

export async function getAuthor(db: Pool, id: number): Promise<repo.AdminAuthor> {
  const author = await repo.getAuthor(db, id);
  if (!author) throw new NotFound();
  return author;
}

export async function createAuthor(db: Pool, actor: Actor, form: AuthorForm): Promise<number> {
  if (!form.slug) throw invalid({ slug: 'admin.content.errors.slugFromName' });
  try {
    return await withTransaction(db, async (client) => {
      const id = await repo.insertAuthor(client, form);
      if (id === undefined) throw invalid({ slug: 'admin.content.errors.authorSlugTaken' });
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'author.create',
        subject: { type: 'author', id },
        summary: summary('admin.content.audit.authorCreate', { name: form.name }),
        after: { ...form },
      });
      return id;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'authors_slug_key')) throw invalid({ slug: 'admin.content.errors.authorSlugTaken' });
    throw error;
  }
}

export async function updateAuthor(db: Pool, actor: Actor, id: number, form: AuthorForm): Promise<void> {
  if (!form.slug) throw invalid({ slug: 'admin.content.errors.slugFromName' });
  try {
    await withTransaction(db, async (client) => {
      const author = await repo.lockAuthor(client, id);
      if (!author) throw new NotFound();
      const change = changedFields({ name: author.name, slug: author.slug, bio: author.bio }, form);
      if (Object.keys(change.after).length === 0) return;
      await repo.updateAuthor(client, { id, ...form });
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'author.update',
        subject: { type: 'author', id },
        summary: summary('admin.content.audit.authorUpdate', { name: form.name }),
        ...change,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error, 'authors_slug_key')) throw invalid({ slug: 'admin.content.errors.authorSlugTaken' });
    throw error;
  }
}

/** Deletes an author who has written no post (drafts included); one with posts is refused. */
export async function deleteAuthor(db: Pool, actor: Actor, id: number): Promise<void> {
  try {
    await withTransaction(db, async (client) => {
      const author = await repo.lockAuthor(client, id);
      if (!author) throw new NotFound();
      if (!(await repo.deleteAuthor(client, id))) throw invalid({ delete: 'admin.content.errors.authorHasPosts' });
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'author.delete',
        subject: { type: 'author', id },
        summary: summary('admin.content.audit.authorDelete', { name: author.name }),
        before: { name: author.name, slug: author.slug, bio: author.bio },
      });
    });
  } catch (error) {
    // A post written for this author while it was being deleted.
    if ((error as { code?: unknown })?.code === '23503') throw invalid({ delete: 'admin.content.errors.authorHasPosts' });
    throw error;
  }
}

// ---------------------------------------------------------------- tags

export const listTags = (db: Pool) => repo.listTags(db);

export async function getTag(db: Pool, id: number): Promise<repo.AdminTag> {
  const tag = await repo.getTag(db, id);
  if (!tag) throw new NotFound();
  return tag;
}

export async function createTag(db: Pool, actor: Actor, form: TagForm): Promise<number> {
  if (!form.slug) throw invalid({ slug: 'admin.content.errors.slugFromName' });
  try {
    return await withTransaction(db, async (client) => {
      const id = await repo.insertTag(client, form);
      if (id === undefined) throw invalid({ slug: 'admin.content.errors.tagSlugTaken' });
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'tag.create',
        subject: { type: 'tag', id },
        summary: summary('admin.content.audit.tagCreate', { name: form.name }),
        after: { ...form },
      });
      return id;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'tags_slug_key')) throw invalid({ slug: 'admin.content.errors.tagSlugTaken' });
    throw error;
  }
}

export async function updateTag(db: Pool, actor: Actor, id: number, form: TagForm): Promise<void> {
  if (!form.slug) throw invalid({ slug: 'admin.content.errors.slugFromName' });
  try {
    await withTransaction(db, async (client) => {
      const tag = await repo.lockTag(client, id);
      if (!tag) throw new NotFound();
      const change = changedFields({ name: tag.name, slug: tag.slug, description: tag.description }, form);
      if (Object.keys(change.after).length === 0) return;
      await repo.updateTag(client, { id, ...form });
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'tag.update',
        subject: { type: 'tag', id },
        summary: summary('admin.content.audit.tagUpdate', { name: form.name }),
        ...change,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error, 'tags_slug_key')) throw invalid({ slug: 'admin.content.errors.tagSlugTaken' });
    throw error;
  }
}

/** Deletes a tag that no post has; one in use is refused. */
export async function deleteTag(db: Pool, actor: Actor, id: number): Promise<void> {
  await withTransaction(db, async (client) => {
    const tag = await repo.lockTag(client, id);
    if (!tag) throw new NotFound();
    if (!(await repo.deleteTag(client, id))) throw invalid({ delete: 'admin.content.errors.tagHasPosts' });
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: 'tag.delete',
      subject: { type: 'tag', id },
      summary: summary('admin.content.audit.tagDelete', { name: tag.name }),
      before: { name: tag.name, slug: tag.slug, description: tag.description },
    });
  });
}
