// The Atom feed of published posts (RFC 4287), written here rather than with the
// `feed` package: that package writes every title, summary and content as
// `type="html"` in CDATA, whatever they hold, without splitting a `]]>` inside
// them and without dropping characters XML cannot carry. A post's title and
// excerpt are plain text, so they go out as `type="text"`; its body is the
// sanitised HTML, `type="html"`, escaped once. Every string is first stripped
// of the characters XML 1.0 does not allow, then escaped.
import { absolute, paths } from '../urls.ts';
import type { FeedPost } from './posts.repo.ts';

// C0 controls but tab, LF and CR; U+FFFE and U+FFFF; surrogates not in a pair
// (with the u flag a well-formed pair is one code point and does not match).
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

/** The string without the characters that XML 1.0 cannot carry. */
export function xmlChars(value: string): string {
  return value.replace(NOT_XML, '');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text or attribute value for XML: only allowed characters, and those that mark up escaped. */
export function xml(value: string): string {
  return xmlChars(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function isoDate(value: Date | string): string {
  return new Date(value).toISOString();
}

export function buildAtomFeed(options: { baseUrl: string; title: string; subtitle: string; posts: FeedPost[]; language?: string }): string {
  const { baseUrl, posts } = options;
  const home = absolute(baseUrl, paths.home());
  const updated = posts.reduce((latest, post) => Math.max(latest, new Date(post.updated_at).getTime()), 0);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom"${options.language ? ` xml:lang="${xml(options.language)}"` : ''}>`,
    `  <id>${xml(home)}</id>`,
    `  <title type="text">${xml(options.title)}</title>`,
    `  <subtitle type="text">${xml(options.subtitle)}</subtitle>`,
    `  <updated>${new Date(updated).toISOString()}</updated>`,
    `  <link rel="alternate" type="text/html" href="${xml(home)}"/>`,
    `  <link rel="self" type="application/atom+xml" href="${xml(absolute(baseUrl, paths.feed()))}"/>`,
  ];
  for (const post of posts) {
    const url = absolute(baseUrl, paths.post(post.slug));
    lines.push(
      '  <entry>',
      `    <id>${xml(url)}</id>`,
      `    <title type="text">${xml(post.title)}</title>`,
      `    <link rel="alternate" type="text/html" href="${xml(url)}"/>`,
      `    <published>${isoDate(post.published_at)}</published>`,
      `    <updated>${isoDate(post.updated_at)}</updated>`,
      `    <author><name>${xml(post.author_name)}</name></author>`,
      `    <summary type="text">${xml(post.excerpt)}</summary>`,
      `    <content type="html">${xml(post.body_html)}</content>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}
