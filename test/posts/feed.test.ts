import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import request from 'supertest';
import { buildAtomFeed, xmlChars } from '../../src/posts/feed.ts';
import { createPost } from '../../src/posts/posts.service.ts';
import { upsertAuthor, type FeedPost } from '../../src/posts/posts.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

// fast-xml-parser's validator does not check two of XML 1.0's rules: which
// characters a document may hold (its Char production), and that `]]>` never
// appears in text. The feed writes no CDATA, so it must hold no `]]>` at all.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function assertWellFormed(xml: string): void {
  assert.equal(XMLValidator.validate(xml), true, 'fast-xml-parser validates the feed');
  const bad = NOT_XML_CHAR.exec(xml);
  assert.equal(bad, null, `a character XML 1.0 does not allow: U+${bad?.[0].codePointAt(0)?.toString(16).padStart(4, '0')}`);
  assert.doesNotMatch(xml, /]]>/, 'no `]]>` in the text of the feed');
}

type TextElement = { '#text'?: string; '@_type'?: string };
type Entry = { id: string; title: TextElement; summary: TextElement; content: TextElement };

function parseFeed(xml: string) {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    isArray: (name) => name === 'entry' || name === 'link',
  });
  return parser.parse(xml) as { feed: { title: TextElement; subtitle: TextElement; entry?: Entry[] } };
}

const hostileTitle = 'Break ]]> out ]]> twice <script>alert("title")</script> & \'quotes\'';
const hostileBody = [
  'Inline `<img src=x onerror=alert(1)>` and &amp;lt;b&amp;gt; here.',
  'A pasted \u0001 control and a \u000B vertical tab.',
  '# A heading',
].join('\n\n');

describe('the Atom feed', () => {
  let t: TestApp;
  let stored: { title: string; excerpt: string; body_html: string };

  before(async () => {
    t = await createTestApp();
    const authorId = await upsertAuthor(t.db.pool, { slug: 'editor', name: 'Editor <&> "E"', bio: '' });
    await createPost(t.db.pool, {
      slug: 'hostile', title: hostileTitle, authorId, status: 'published', publishedAt: new Date('2020-01-01'), bodyMarkdown: hostileBody,
    });
    await createPost(t.db.pool, {
      slug: 'plain', title: 'A plain post', authorId, status: 'published', publishedAt: new Date('2019-01-01'), bodyMarkdown: 'Nothing to see.',
    });
    stored = (await t.db.pool.query('SELECT title, excerpt, body_html FROM posts WHERE slug = $1', ['hostile'])).rows[0];
  });
  after(() => t.close());

  it('stores the excerpt as the text a reader sees, its entities decoded once', () => {
    assert.equal(stored.excerpt, 'Inline <img src=x onerror=alert(1)> and &lt;b&gt; here. A pasted \u0001 control and a vertical tab. A heading');
    assert.ok(stored.body_html.includes('\u0001'), 'the body holds control characters for the feed to drop');
    assert.ok(stored.body_html.includes('\u000B'));
  });

  it('is well-formed XML whose titles and summaries are text and whose content is the sanitised HTML', async () => {
    const res = await request(t.app).get('/feed.xml').expect(200).expect('Content-Type', /application\/atom\+xml; charset=utf-8/);
    assertWellFormed(res.text);
    assert.doesNotMatch(res.text, /<img|<script|<b>|<!\[CDATA\[/, 'no markup of a post is live in the XML');

    const { feed } = parseFeed(res.text);
    assert.equal(feed.title['@_type'], 'text');
    assert.equal(feed.subtitle['@_type'], 'text');
    const entry = feed.entry?.find((e) => e.id === 'http://placard.test/posts/hostile');
    assert.ok(entry, 'the hostile post is in the feed');
    // Exactly a text element each: no child element, nothing decoded twice.
    assert.deepEqual(entry.title, { '#text': hostileTitle, '@_type': 'text' });
    assert.deepEqual(entry.summary, { '#text': xmlChars(stored.excerpt), '@_type': 'text' });
    assert.equal(entry.summary['#text'], 'Inline <img src=x onerror=alert(1)> and &lt;b&gt; here. A pasted  control and a vertical tab. A heading');
    assert.deepEqual(entry.content, { '#text': xmlChars(stored.body_html), '@_type': 'html' });
    assert.match(entry.content['#text']!, /<code>&lt;img src=x onerror=alert\(1\)&gt;<\/code>/);
    assert.match(entry.content['#text']!, /<h2 id="section_a-heading">A heading<\/h2>/);
    assert.equal(feed.entry?.length, 2);
  });

  it('drops every character XML 1.0 cannot carry and keeps the rest', () => {
    const post: FeedPost = {
      slug: 'chars',
      title: 'a\u0000b\u0008c\u000Cd\u001Fe\uFFFEf\uFFFFg\uD800h\uDFFFi 😀\tj\nk',
      excerpt: 'x\u0007y',
      body_html: '<p>\u0002z\uDBFF</p>',
      published_at: new Date('2020-01-01'),
      updated_at: new Date('2020-01-02'),
      author_name: 'A\u0001',
    };
    const xml = buildAtomFeed({ baseUrl: 'http://placard.test', title: 'Feed\u0003', subtitle: 'Sub\uFFFF', posts: [post] });
    assertWellFormed(xml);
    const entry = parseFeed(xml).feed.entry![0]!;
    assert.equal(entry.title['#text'], 'abcdefghi 😀\tj\nk');
    assert.equal(entry.summary['#text'], 'xy');
    assert.equal(entry.content['#text'], '<p>z</p>');
  });
});
