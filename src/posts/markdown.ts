// Post bodies are Markdown, rendered once on write to HTML and sanitised with
// an allow-list: no script, no event handler, no javascript: URL survives.
//
// A post page's own <h1> is the post's title, so the body's headings sit below
// it: `#` becomes <h2>, `##` <h3>, … capped at <h6>, and a heading is never more
// than one level below the one before it (the first one at most <h2>), so the
// outline of the page never skips a level. Headings written as raw HTML are
// moved the same way. Each Markdown heading gets an id to link to, prefixed
// with `section_` so it can never take an id of the page's own (`main`, the
// action cards' and the sign forms' ids are all [a-z0-9-]).
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const HEADING_ID_PREFIX = 'section_';
const HEADING_ID = /^section_[\p{L}\p{N}]+(-[\p{L}\p{N}]+)*$/u;
const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'] as const;

// An <img> loads when the page is read: one from another host tells that host
// who reads which post (the CSP's img-src refuses it too; this keeps old
// content from trying). Only a path on this site passes: one slash, then no
// second slash or backslash (`//host` and `/\host` go elsewhere), and no
// whitespace or control character anywhere (browsers drop tabs and line breaks
// inside a URL, so `/<tab>/host` is `//host`).
const SITE_PATH = /^\/(?![/\\])[^\s\\\p{Cc}]*$/u;

/** Whether an <img>'s src stays on this site. */
export function isSitePath(src: string | undefined): boolean {
  return typeof src === 'string' && SITE_PATH.test(src);
}

function sanitizeOptions(): sanitizeHtml.IOptions {
  // The level of the heading before, for the whole of one body: the page's title is 1.
  let previousLevel = 1;
  const moveHeading: sanitizeHtml.Transformer = (tagName, attribs) => {
    const level = Math.min(Number(tagName.slice(1)) + 1, 6, previousLevel + 1);
    previousLevel = level;
    const id = attribs.id;
    const kept: sanitizeHtml.Attributes = id && HEADING_ID.test(id) ? { id } : {};
    return { tagName: `h${level}`, attribs: kept };
  };
  return {
    allowedTags: [
      'p', 'br', 'hr', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'strong', 'em', 'b', 'i',
      'a', 'code', 'pre', 'img', 'figure', 'figcaption', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'del',
    ],
    allowedAttributes: {
      a: ['href', 'title', 'rel'],
      img: ['src', 'alt', 'title'],
      th: ['align'],
      td: ['align'],
      h2: ['id'], h3: ['id'], h4: ['id'], h5: ['id'], h6: ['id'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    transformTags: {
      // Links in posts go to other sites; do not hand them our page as referrer or opener.
      a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }),
      ...Object.fromEntries(HEADINGS.map((tag) => [tag, moveHeading])),
    },
    // An image whose src is not a path on this site is dropped whole (its alt with it).
    exclusiveFilter: (frame) => frame.tag === 'img' && !isSitePath(frame.attribs.src),
  };
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Text of sanitize-html's output: each entity it writes is decoded once, in one pass. */
function decodeText(html: string): string {
  return html.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
}

function plainText(html: string): string {
  return decodeText(sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }));
}

function headingId(text: string, taken: Set<string>): string {
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const base = `${HEADING_ID_PREFIX}${words.join('-').slice(0, 80).replace(/-+$/, '') || 'section'}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

/**
 * Which rules rendered a stored body_html. Raise it when the rendering or the
 * sanitising changes: at the next start, every post is rendered again with the
 * new rules (src/posts/rerender.ts), so older posts cannot keep what they now forbid.
 * 2: images only from this site.
 */
export const RENDERING_VERSION = '2';

export function renderMarkdown(markdown: string): string {
  const ids = new Set<string>();
  const marked = new Marked({
    async: false,
    gfm: true,
    renderer: {
      heading({ tokens, depth }) {
        const inner = this.parser.parseInline(tokens);
        return `<h${depth} id="${headingId(plainText(inner), ids)}">${inner}</h${depth}>\n`;
      },
    },
  });
  return sanitizeHtml(marked.parse(markdown, { async: false }), sanitizeOptions());
}

/** Plain text of the first paragraphs, cut at a word boundary. */
export function deriveExcerpt(markdown: string, maxLength = 280): string {
  const text = plainText(renderMarkdown(markdown)).replace(/\s+/g, ' ').trim();
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 0 ? cut.lastIndexOf(' ') : maxLength)}…`;
}
