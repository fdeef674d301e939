// The admin's forms for posts, authors and tags, validated and normalised apart
// from storage. Each failure names its field and a message key. A form body is
// what a stranger sends: any field may be missing, repeated (an array) or huge.
import { Marked, type Token, type Tokens } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { z } from 'zod';
import { Invalid, NotFound, type FieldErrors } from '../errors.ts';
import { requireId } from '../http/params.ts';
import type { MessageKey } from '../i18n/index.ts';
import { parseLocalDateTime } from '../i18n/local-time.ts';
import { parseFeaturedImageId } from '../images/images.schema.ts';

export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAX_SLUG = 200;
/** A slug made from a title is kept short; a typed one may be up to MAX_SLUG. */
const PROPOSED_SLUG_LENGTH = 80;

// No control or format characters in one-line fields (as in the signing form):
// zero-width joiners are the exception, for scripts and emoji that need them.
const NO_CONTROL = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
// Multi-line fields may also have line breaks and tabs (PostgreSQL refuses NUL).
const NO_CONTROL_BUT_WHITESPACE = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|[\t\n\r]|\u200C|\u200D)*$/u;

// Russian and Kazakh letters, so that a title in Cyrillic still gives an address.
const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'i', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch',
  ъ: '', ы: 'y', ь: '', э: 'e', ю: 'iu', я: 'ia', ә: 'a', ғ: 'g', қ: 'q', ң: 'n', ө: 'o', ұ: 'u', ү: 'u', һ: 'h', і: 'i',
};

/** A slug proposed from a title or a name: "Zhanaozen, three years on" → "zhanaozen-three-years-on"; '' if nothing is left. */
export function slugify(text: string): string {
  const latin = text
    .toLowerCase()
    .replace(/[\u0400-\u04ff]/g, (c) => CYRILLIC[c] ?? c)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (latin.length <= PROPOSED_SLUG_LENGTH) return latin;
  const cut = latin.slice(0, PROPOSED_SLUG_LENGTH + 1);
  const lastHyphen = cut.lastIndexOf('-');
  return (lastHyphen > 0 ? cut.slice(0, lastHyphen) : cut.slice(0, PROPOSED_SLUG_LENGTH)).replace(/-+$/, '');
}

/**
 * An id from an admin address or a form, as a number (pg reads our bigint ids
 * as numbers): requireId's 404 for what is not a bigint, and for one beyond
 * what a JS number holds exactly (no row has such an id).
 */
export function parseId(value: unknown): number {
  const id = Number(requireId(value));
  if (!Number.isSafeInteger(id)) throw new NotFound();
  return id;
}

// ---------------------------------------------------------------- images

export type ImageProblem = { src: string; problem: 'alt' | 'host' };

/** Only images uploaded here: /images/<file>, one path segment, nothing that could leave the site. */
const OWN_IMAGE = /^\/images\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isOwnImage(src: string): boolean {
  return OWN_IMAGE.test(src) && !src.includes('..');
}

const lexer = new Marked({ gfm: true, async: false });

/** The <img> tags of a piece of raw HTML, as sanitize-html parses it (so as the page would show it). */
function imagesInHtml(html: string): { src: string; alt: string }[] {
  const found: { src: string; alt: string }[] = [];
  sanitizeHtml(html, {
    allowedTags: ['img'],
    allowedAttributes: { img: ['src', 'alt'] },
    allowedSchemes: ['http', 'https', 'data', 'mailto'],
    exclusiveFilter: (frame) => {
      if (frame.tag === 'img') found.push({ src: frame.attribs.src ?? '', alt: frame.attribs.alt ?? '' });
      return false;
    },
  });
  return found;
}

/**
 * Every image in the Markdown that cannot be used: one without a description
 * (alt text), or one not uploaded here. Read from marked's tokens, not the raw
 * text, so `![](x)` inside a code block or code span is text, not an image;
 * images written as raw HTML are checked too (the sanitiser lets <img> through).
 */
export function findImageProblems(markdown: string): ImageProblem[] {
  const problems: ImageProblem[] = [];
  const seen = new Set<string>();
  const note = (src: string, alt: string) => {
    const check = (problem: ImageProblem['problem']) => {
      const key = `${problem}|${src}`;
      if (!seen.has(key)) problems.push({ src, problem });
      seen.add(key);
    };
    if (!isOwnImage(src.trim())) check('host');
    if (alt.trim() === '') check('alt');
  };
  const tokens = lexer.lexer(markdown);
  void lexer.walkTokens(tokens, (token: Token) => {
    if (token.type === 'image') {
      const image = token as Tokens.Image;
      note(image.href, image.text);
    } else if (token.type === 'html') {
      for (const image of imagesInHtml((token as Tokens.HTML).text)) note(image.src, image.alt);
    }
  });
  return problems;
}

// ---------------------------------------------------------------- forms

/** An Invalid that also says which images of the body were refused and why. */
export class InvalidPost extends Invalid {
  constructor(
    fields: FieldErrors,
    readonly imageProblems: ImageProblem[] = [],
  ) {
    super(fields, 'admin.content.errors.summary');
  }
}

const text = (max: number) => z.string().trim().max(max, 'tooLong');
const line = (max: number) => text(max).regex(NO_CONTROL, 'invalidCharacters');
const required = (max: number) => line(max).min(1, 'required');
const multiline = (max: number) => z.string().max(max, 'tooLong').regex(NO_CONTROL_BUT_WHITESPACE, 'invalidCharacters');
const slugField = z
  .string()
  .trim()
  .toLowerCase()
  .max(MAX_SLUG, 'tooLong')
  .refine((slug) => slug === '' || SLUG.test(slug), 'slugFormat');
const idField = (message: string) => z.string().regex(/^[1-9][0-9]{0,14}$/, message).transform(Number);

const postForm = z.object({
  title: required(300),
  slug: slugField.optional().default(''),
  author_id: idField('author'),
  tags: z.array(idField('tags')).max(200, 'tags').optional().default([]),
  excerpt: multiline(1000).optional().default(''),
  body: multiline(200_000).optional().default(''),
});

const authorForm = z.object({
  name: required(200),
  slug: slugField.optional().default(''),
  bio: multiline(5000).optional().default(''),
});

const tagForm = z.object({
  name: required(100),
  slug: slugField.optional().default(''),
  description: multiline(2000).optional().default(''),
});

function messageKey(message: string): MessageKey {
  switch (message) {
    case 'required': return 'admin.content.errors.required';
    case 'tooLong': return 'admin.content.errors.tooLong';
    case 'invalidCharacters': return 'admin.content.errors.invalidCharacters';
    case 'slugFormat': return 'admin.content.errors.slugFormat';
    case 'author': return 'admin.content.errors.author';
    case 'tags': return 'admin.content.errors.tags';
    default: return 'admin.content.errors.invalid';
  }
}

function asFields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

/**
 * Runs a schema over a form body whose `single` fields must each be one string:
 * a repeated one (an array) is a mistake in that field, not a crash.
 */
function parseForm<S extends z.ZodType>(schema: S, body: unknown, single: readonly string[], lists: readonly string[] = []) {
  const raw = asFields(body);
  const fields: FieldErrors = {};
  const input: Record<string, unknown> = {};
  for (const name of single) {
    const value = raw[name];
    if (value !== undefined && typeof value !== 'string') fields[name] = 'admin.content.errors.invalid';
    else input[name] = value;
  }
  for (const name of lists) {
    const value = raw[name];
    input[name] = value === undefined ? [] : Array.isArray(value) ? value : [value];
  }
  const parsed = schema.safeParse(input);
  for (const issue of parsed.error?.issues ?? []) {
    const field = String(issue.path[0] ?? 'form');
    fields[field] ??= messageKey(issue.message);
  }
  return { data: parsed.success ? (parsed.data as z.infer<S>) : undefined, fields };
}

export type PostForm = {
  title: string;
  /** '' when left empty: the service proposes one from the title. */
  slug: string;
  authorId: number;
  tagIds: number[];
  excerpt: string;
  bodyMarkdown: string;
  /** The featured image's id (images.schema.ts parses it), or null for none. */
  featuredImageId: string | null;
  /**
   * The edit form's `edited_from`: the post's updated_at (ISO 8601) when the
   * form was opened, so a save over someone else's newer one is refused; null
   * when the form carries none (a new post).
   */
  editedFrom?: string | null;
};

const POST_FIELDS = ['title', 'slug', 'author_id', 'excerpt', 'body'] as const;

/** The post form, with its images checked; throws InvalidPost naming every bad field. */
export function parsePostForm(body: unknown): PostForm {
  const { data, fields } = parseForm(postForm, body, POST_FIELDS, ['tags']);
  const markdown = typeof asFields(body).body === 'string' ? (asFields(body).body as string) : '';
  const imageProblems = fields.body ? [] : findImageProblems(markdown);
  if (imageProblems.length) fields.body = 'admin.content.errors.images';
  let featuredImageId: string | null = null;
  try {
    featuredImageId = parseFeaturedImageId(asFields(body).featuredImageId);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    Object.assign(fields, error.fields);
  }
  if (!data || Object.keys(fields).length) throw new InvalidPost(fields, imageProblems);
  return {
    title: data.title,
    slug: data.slug,
    authorId: data.author_id,
    tagIds: [...new Set(data.tags)],
    excerpt: data.excerpt.trim(),
    // Line endings as a textarea sends them (CRLF) are kept as typed, trailing space trimmed.
    bodyMarkdown: data.body.trimEnd(),
    featuredImageId,
    editedFrom: typeof asFields(body).edited_from === 'string' && asFields(body).edited_from !== '' ? (asFields(body).edited_from as string) : null,
  };
}

/** What a post form shows again after a mistake or a preview: the values as typed (strings only). */
export function postFormValues(body: unknown): { title: string; slug: string; authorId: string; tagIds: string[]; excerpt: string; body: string; featuredImageId: string; editedFrom: string } {
  const raw = asFields(body);
  const str = (name: string) => (typeof raw[name] === 'string' ? (raw[name] as string) : '');
  const tags = raw.tags === undefined ? [] : Array.isArray(raw.tags) ? raw.tags : [raw.tags];
  return {
    title: str('title'),
    slug: str('slug'),
    authorId: str('author_id'),
    tagIds: tags.filter((t): t is string => typeof t === 'string'),
    excerpt: str('excerpt'),
    body: str('body'),
    featuredImageId: str('featuredImageId'),
    editedFrom: str('edited_from'),
  };
}

export type AuthorForm = { name: string; slug: string; bio: string };
export type TagForm = { name: string; slug: string; description: string };

export function parseAuthorForm(body: unknown): AuthorForm {
  const { data, fields } = parseForm(authorForm, body, ['name', 'slug', 'bio']);
  if (!data || Object.keys(fields).length) throw new Invalid(fields, 'admin.content.errors.summary');
  return { name: data.name, slug: data.slug || slugify(data.name), bio: data.bio.trim() };
}

export function parseTagForm(body: unknown): TagForm {
  const { data, fields } = parseForm(tagForm, body, ['name', 'slug', 'description']);
  if (!data || Object.keys(fields).length) throw new Invalid(fields, 'admin.content.errors.summary');
  return { name: data.name, slug: data.slug || slugify(data.name), description: data.description.trim() };
}

/** The values of a one-line-per-field form as typed, strings only, for showing it again. */
export function formStrings(body: unknown, names: readonly string[]): Record<string, string> {
  const raw = asFields(body);
  return Object.fromEntries(names.map((name) => [name, typeof raw[name] === 'string' ? (raw[name] as string) : '']));
}

export type PublishForm = { when: 'now' } | { when: 'later'; at: Date };

/** "Publish now" or "at" a datetime-local value in the campaign's time zone. */
export function parsePublishForm(body: unknown, timeZone: string): PublishForm {
  const raw = asFields(body);
  if (raw.when === 'now') return { when: 'now' };
  if (raw.when !== 'later') throw new Invalid({ when: 'admin.content.errors.publishWhen' }, 'admin.content.errors.summary');
  const at = typeof raw.at === 'string' && raw.at.length <= 40 ? parseLocalDateTime(raw.at.trim(), timeZone) : undefined;
  // A year PostgreSQL and people both read the same way.
  if (!at || at.getUTCFullYear() < 1970 || at.getUTCFullYear() > 9999) {
    throw new Invalid({ at: 'admin.content.errors.publishAt' }, 'admin.content.errors.summary');
  }
  return { when: 'later', at };
}
