// The admin's content screens: posts (write, preview, publish, schedule,
// unpublish), authors and tags. Mounted by src/admin/admin.routes.ts behind the
// session, requireOrganiser and the body parser; every POST checks its CSRF
// token first. A handler parses, calls one service function, renders or redirects.
import { Router, type Request, type Response } from 'express';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import type { AppDeps } from '../app.ts';
import { Invalid } from '../errors.ts';
import { pageNumber } from '../http/params.ts';
import { translate, type MessageKey } from '../i18n/index.ts';
import { toLocalDateTimeInput } from '../i18n/local-time.ts';
import { listImagesForPicker } from '../images/images.service.ts';
import { paths, routes } from '../urls.ts';
import * as content from './posts.admin.service.ts';
import {
  formStrings,
  InvalidPost,
  parseAuthorForm,
  parseId,
  parsePostForm,
  parsePublishForm,
  parseTagForm,
  postFormValues,
  findImageProblems,
  type ImageProblem,
} from './posts.schema.ts';

const STYLES = ['/assets/admin-content.css'];
// The post form has the featured-image picker (views/partials/admin-image-picker.hbs).
const POST_FORM_STYLES = ['/assets/admin-content.css', '/assets/admin-images.css'];

/** The short notices after a change (`?done=<key>`); anything else in the query shows nothing. */
const NOTICES: Record<string, MessageKey> = {
  created: 'admin.content.done.created',
  saved: 'admin.content.done.saved',
  published: 'admin.content.done.published',
  scheduled: 'admin.content.done.scheduled',
  unpublished: 'admin.content.done.unpublished',
  authorCreated: 'admin.content.done.authorCreated',
  authorSaved: 'admin.content.done.authorSaved',
  tagCreated: 'admin.content.done.tagCreated',
  tagSaved: 'admin.content.done.tagSaved',
  authorDeleted: 'admin.content.done.authorDeleted',
  tagDeleted: 'admin.content.done.tagDeleted',
};

/** A form's button that deletes instead of saving (`intent=delete`). */
const wantsDelete = (req: Request) => (req.body as Record<string, unknown> | undefined)?.intent === 'delete';

function noticeOf(req: Request): MessageKey | undefined {
  const done = req.query.done;
  return typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined;
}

const POST_FIELD_ORDER = ['title', 'slug', 'author_id', 'featuredImageId', 'tags', 'excerpt', 'body'] as const;
const AUTHOR_FIELDS = ['name', 'slug', 'bio'] as const;
const TAG_FIELDS = ['name', 'slug', 'description'] as const;

type NamedFormState = { values?: Record<string, string>; errors?: Record<string, MessageKey>; deleteError?: MessageKey };

type PostFormState = {
  values: ReturnType<typeof postFormValues>;
  errors?: Record<string, MessageKey>;
  imageProblems?: ImageProblem[];
  publishErrors?: Record<string, MessageKey>;
  publishValues?: { when: string; at: string };
  /** Set when previewing: the body as the post page would show it ('' for an empty one). */
  previewHtml?: string;
};

export function postsAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db, config } = deps;
  const timeZone = config.campaignTimeZone;
  const actor = (res: Response): content.Actor => ({ organiserId: organiserOf(res).id });
  const t = (res: Response, key: MessageKey, vars?: Record<string, unknown>) => translate(res.locals.locale, key, vars);

  /** Authors, tags and images for the form, each marked as chosen or not. */
  async function choices(values: PostFormState['values']) {
    const [{ authors, tags }, featuredImagePicker] = await Promise.all([
      content.postFormChoices(db),
      listImagesForPicker(db, values.featuredImageId),
    ]);
    return {
      authors: authors.map((a) => ({ ...a, selected: String(a.id) === values.authorId })),
      tags: tags.map((tag) => ({ ...tag, checked: values.tagIds.includes(String(tag.id)) })),
      featuredImagePicker,
    };
  }

  async function renderNew(req: Request, res: Response, state: PostFormState) {
    res.render('admin/posts/new', {
      layout: 'admin',
      title: t(res, 'admin.content.posts.new'),
      styles: POST_FORM_STYLES,
      ...state,
      previewing: state.previewHtml !== undefined,
      ...(await choices(state.values)),
      focus: POST_FIELD_ORDER.find((field) => state.errors?.[field]),
    });
  }

  async function renderEdit(req: Request, res: Response, post: content.EditablePost, state: PostFormState) {
    res.render('admin/posts/edit', {
      layout: 'admin',
      title: t(res, 'admin.content.posts.edit', { title: post.title }),
      styles: POST_FORM_STYLES,
      post,
      currentVersion: new Date(post.updated_at).toISOString(),
      notice: noticeOf(req),
      timeZone,
      ...state,
      // A draft is most often published now; a scheduled or published post's time is what one comes to change.
      publishValues: state.publishValues ?? {
        when: post.state === 'draft' ? 'now' : 'later',
        at: toLocalDateTimeInput(post.published_at, timeZone),
      },
      previewing: state.previewHtml !== undefined,
      ...(await choices(state.values)),
      focus: POST_FIELD_ORDER.find((field) => state.errors?.[field]),
    });
  }

  /** The stored post as its form shows it. */
  function valuesOf(post: content.EditablePost): PostFormState['values'] {
    return {
      title: post.title,
      slug: post.slug,
      authorId: String(post.author_id),
      tagIds: post.tag_ids,
      excerpt: post.excerpt_typed,
      body: post.body_markdown,
      featuredImageId: post.featured_image_id ?? '',
      editedFrom: new Date(post.updated_at).toISOString(),
    };
  }

  /** Runs a post write; a form with mistakes comes back (422) with each message beside its field. */
  async function withPostForm(req: Request, res: Response, write: () => Promise<void>, showAgain: (state: PostFormState) => Promise<void>) {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      res.status(422);
      kit.csrf.issueToken(req, res);
      await showAgain({
        values: postFormValues(req.body),
        errors: error.fields,
        imageProblems: error instanceof InvalidPost ? error.imageProblems : [],
      });
    }
  }

  // ---------------------------------------------------------------- posts

  async function listPosts(req: Request, res: Response) {
    const page = await content.listPosts(db, pageNumber(req));
    res.render('admin/posts/index', {
      layout: 'admin',
      title: t(res, 'admin.content.posts.title'),
      styles: STYLES,
      page,
      notice: noticeOf(req),
      pageUrl: paths.adminPosts(),
      timeZone,
    });
  }

  async function newPost(req: Request, res: Response) {
    await renderNew(req, res, { values: postFormValues({}) });
  }

  async function createPost(req: Request, res: Response) {
    await withPostForm(
      req,
      res,
      async () => {
        const id = await content.createPost(db, actor(res), parsePostForm(req.body));
        res.redirect(303, `${paths.adminPost(id)}?done=created`);
      },
      (state) => renderNew(req, res, state),
    );
  }

  async function editPost(req: Request, res: Response) {
    const post = await content.getPost(db, parseId(req.params.id));
    await renderEdit(req, res, post, { values: valuesOf(post) });
  }

  async function updatePost(req: Request, res: Response) {
    const id = parseId(req.params.id);
    const post = await content.getPost(db, id);
    await withPostForm(
      req,
      res,
      async () => {
        await content.updatePost(db, actor(res), id, parsePostForm(req.body));
        res.redirect(303, `${paths.adminPost(id)}?done=saved`);
      },
      (state) => renderEdit(req, res, post, state),
    );
  }

  // The form as typed, with its body rendered as the post page would show it.
  // Nothing is stored; the images that saving would refuse are pointed out.
  async function previewPost(req: Request, res: Response) {
    // The form comes back, so it needs a token (a POST is not given one otherwise).
    kit.csrf.issueToken(req, res);
    const values = postFormValues(req.body);
    const imageProblems = findImageProblems(values.body);
    const state: PostFormState = {
      values,
      previewHtml: content.previewBody(values.body),
      imageProblems,
      errors: imageProblems.length ? { body: 'admin.content.errors.images' } : undefined,
    };
    const postId = (req.body as Record<string, unknown> | undefined)?.post_id;
    if (postId === undefined || postId === '') return renderNew(req, res, state);
    const post = await content.getPost(db, parseId(postId));
    await renderEdit(req, res, post, state);
  }

  async function publishPost(req: Request, res: Response) {
    const id = parseId(req.params.id);
    try {
      const state = await content.publishPost(db, actor(res), id, parsePublishForm(req.body, timeZone), timeZone);
      res.redirect(303, `${paths.adminPost(id)}?done=${state === 'scheduled' ? 'scheduled' : 'published'}`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      const post = await content.getPost(db, id);
      res.status(422);
      kit.csrf.issueToken(req, res);
      const raw = formStrings(req.body, ['when', 'at']);
      await renderEdit(req, res, post, { values: valuesOf(post), publishErrors: error.fields, publishValues: { when: raw.when!, at: raw.at! } });
    }
  }

  async function unpublishPost(req: Request, res: Response) {
    const id = parseId(req.params.id);
    await content.unpublishPost(db, actor(res), id);
    res.redirect(303, `${paths.adminPost(id)}?done=unpublished`);
  }

  // ---------------------------------------------------------------- authors and tags

  async function renderAuthors(req: Request, res: Response, state: { values?: Record<string, string>; errors?: Record<string, MessageKey> } = {}) {
    res.render('admin/authors/index', {
      layout: 'admin',
      title: t(res, 'admin.content.authors.title'),
      styles: STYLES,
      authors: await content.listAuthors(db),
      notice: noticeOf(req),
      values: state.values ?? {},
      errors: state.errors,
      focus: AUTHOR_FIELDS.find((field) => state.errors?.[field]),
    });
  }

  async function renderAuthor(req: Request, res: Response, id: number, state: NamedFormState = {}) {
    const author = await content.getAuthor(db, id);
    res.render('admin/authors/edit', {
      layout: 'admin',
      title: t(res, 'admin.content.authors.edit', { name: author.name }),
      styles: STYLES,
      author,
      notice: noticeOf(req),
      values: state.values ?? { name: author.name, slug: author.slug, bio: author.bio },
      errors: state.errors,
      deleteError: state.deleteError,
      focus: AUTHOR_FIELDS.find((field) => state.errors?.[field]),
    });
  }

  async function renderTags(req: Request, res: Response, state: { values?: Record<string, string>; errors?: Record<string, MessageKey> } = {}) {
    res.render('admin/tags/index', {
      layout: 'admin',
      title: t(res, 'admin.content.tags.title'),
      styles: STYLES,
      tags: await content.listTags(db),
      notice: noticeOf(req),
      values: state.values ?? {},
      errors: state.errors,
      focus: TAG_FIELDS.find((field) => state.errors?.[field]),
    });
  }

  async function renderTag(req: Request, res: Response, id: number, state: NamedFormState = {}) {
    const tag = await content.getTag(db, id);
    res.render('admin/tags/edit', {
      layout: 'admin',
      title: t(res, 'admin.content.tags.edit', { name: tag.name }),
      styles: STYLES,
      tag,
      notice: noticeOf(req),
      values: state.values ?? { name: tag.name, slug: tag.slug, description: tag.description },
      errors: state.errors,
      deleteError: state.deleteError,
      focus: TAG_FIELDS.find((field) => state.errors?.[field]),
    });
  }

  /** Runs a write; a form with mistakes comes back (422) through `showAgain`. */
  async function withForm(req: Request, res: Response, names: readonly string[], write: () => Promise<void>, showAgain: (state: { values: Record<string, string>; errors: Record<string, MessageKey> }) => Promise<void>) {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      res.status(422);
      kit.csrf.issueToken(req, res);
      await showAgain({ values: formStrings(req.body, names), errors: error.fields });
    }
  }

  const listAuthors = (req: Request, res: Response) => renderAuthors(req, res);

  async function createAuthor(req: Request, res: Response) {
    await withForm(req, res, AUTHOR_FIELDS, async () => {
      await content.createAuthor(db, actor(res), parseAuthorForm(req.body));
      res.redirect(303, `${paths.adminAuthors()}?done=authorCreated`);
    }, (state) => renderAuthors(req, res, state));
  }

  const editAuthor = (req: Request, res: Response) => renderAuthor(req, res, parseId(req.params.id));

  async function updateAuthor(req: Request, res: Response) {
    const id = parseId(req.params.id);
    if (wantsDelete(req)) return deleteAuthor(req, res, id);
    await withForm(req, res, AUTHOR_FIELDS, async () => {
      await content.updateAuthor(db, actor(res), id, parseAuthorForm(req.body));
      res.redirect(303, `${paths.adminAuthor(id)}?done=authorSaved`);
    }, (state) => renderAuthor(req, res, id, state));
  }

  /** Deletes, or shows the page again (422) with why not beside the delete button. */
  async function deleteThen(req: Request, res: Response, remove: () => Promise<void>, done: string, showAgain: (deleteError: MessageKey) => Promise<void>) {
    try {
      await remove();
      res.redirect(303, done);
    } catch (error) {
      if (!(error instanceof Invalid) || !error.fields.delete) throw error;
      res.status(422);
      kit.csrf.issueToken(req, res);
      await showAgain(error.fields.delete);
    }
  }

  const deleteAuthor = (req: Request, res: Response, id: number) =>
    deleteThen(req, res, () => content.deleteAuthor(db, actor(res), id), `${paths.adminAuthors()}?done=authorDeleted`, (deleteError) => renderAuthor(req, res, id, { deleteError }));

  const deleteTag = (req: Request, res: Response, id: number) =>
    deleteThen(req, res, () => content.deleteTag(db, actor(res), id), `${paths.adminTags()}?done=tagDeleted`, (deleteError) => renderTag(req, res, id, { deleteError }));

  const listTags = (req: Request, res: Response) => renderTags(req, res);

  async function createTag(req: Request, res: Response) {
    await withForm(req, res, TAG_FIELDS, async () => {
      await content.createTag(db, actor(res), parseTagForm(req.body));
      res.redirect(303, `${paths.adminTags()}?done=tagCreated`);
    }, (state) => renderTags(req, res, state));
  }

  const editTag = (req: Request, res: Response) => renderTag(req, res, parseId(req.params.id));

  async function updateTag(req: Request, res: Response) {
    const id = parseId(req.params.id);
    if (wantsDelete(req)) return deleteTag(req, res, id);
    await withForm(req, res, TAG_FIELDS, async () => {
      await content.updateTag(db, actor(res), id, parseTagForm(req.body));
      res.redirect(303, `${paths.adminTag(id)}?done=tagSaved`);
    }, (state) => renderTag(req, res, id, state));
  }

  const { csrf } = kit;
  // The fixed addresses (new, preview) before /admin/posts/:id, which would take them for ids.
  router.get(routes.adminPosts, csrf.provideToken, listPosts);
  router.post(routes.adminPosts, csrf.protect, createPost);
  router.get(routes.adminNewPost, csrf.provideToken, newPost);
  router.post(routes.adminPostPreview, csrf.protect, previewPost);
  router.get(routes.adminPost, csrf.provideToken, editPost);
  router.post(routes.adminPost, csrf.protect, updatePost);
  router.post(routes.adminPostPublish, csrf.protect, publishPost);
  router.post(routes.adminPostUnpublish, csrf.protect, unpublishPost);
  router.get(routes.adminAuthors, csrf.provideToken, listAuthors);
  router.post(routes.adminAuthors, csrf.protect, createAuthor);
  router.get(routes.adminAuthor, csrf.provideToken, editAuthor);
  router.post(routes.adminAuthor, csrf.protect, updateAuthor);
  router.get(routes.adminTags, csrf.provideToken, listTags);
  router.post(routes.adminTags, csrf.protect, createTag);
  router.get(routes.adminTag, csrf.provideToken, editTag);
  router.post(routes.adminTag, csrf.protect, updateTag);
  return router;
}
