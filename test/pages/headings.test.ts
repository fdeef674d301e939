import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createPost } from '../../src/posts/posts.service.ts';
import { upsertAuthor } from '../../src/posts/posts.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

/** The levels of a page's headings, in document order. */
function headingLevels(html: string): number[] {
  return [...html.matchAll(/<h([1-6])[\s>]/g)].map((m) => Number(m[1]));
}

function h1s(html: string): string[] {
  return [...html.matchAll(/<h1[\s>][\s\S]*?<\/h1>/g)].map((m) => m[0]);
}

/** Starts at one <h1>, and never goes more than one level deeper than the heading before. */
function assertOutline(path: string, html: string): void {
  const levels = headingLevels(html);
  assert.equal(levels[0], 1, `${path} starts with its <h1>: ${levels.join(' ')}`);
  for (let i = 1; i < levels.length; i++) {
    assert.ok(levels[i]! <= levels[i - 1]! + 1, `${path} skips from h${levels[i - 1]} to h${levels[i]}: ${levels.join(' ')}`);
  }
}

describe('headings of the public pages', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
    const authorId = await upsertAuthor(t.db.pool, { slug: 'editor', name: 'Editor', bio: '' });
    await createPost(t.db.pool, {
      slug: 'with-headings', title: 'A post with headings', authorId, status: 'published', publishedAt: new Date('2010-01-01'),
      bodyMarkdown: [
        'Intro.', '# Heading', 'Text.', '## Sub', 'More.', '## Sub', '### Third', '#### Fourth', '##### Fifth', '###### Sixth',
        '# Back up', '<h1 id="main">Raw heading</h1>', '<h4 id="section_ok">Raw deep</h4>',
      ].join('\n\n'),
    });
    await createPost(t.db.pool, {
      slug: 'starts-deep', title: 'A post that starts at ###', authorId, status: 'published', publishedAt: new Date('2010-01-02'),
      bodyMarkdown: '### Deep first\n\nText.\n\n##### Deeper still\n\nText.',
    });
  });
  after(() => t.close());

  it('maps a post’s Markdown headings one level below the post’s <h1>, with ids', async () => {
    const res = await request(t.app).get('/posts/with-headings').expect(200);
    assert.deepEqual(h1s(res.text), ['<h1>A post with headings</h1>']);
    const body = res.text.slice(res.text.indexOf('<h1>'));
    assert.match(body, /<h2 id="section_heading">Heading<\/h2>[\s\S]*<h3 id="section_sub">Sub<\/h3>/);
    assert.match(body, /<h3 id="section_sub-2">Sub<\/h3>/, 'a repeated heading gets an id of its own');
    assert.match(body, /<h4 id="section_third">Third<\/h4>/);
    assert.match(body, /<h5 id="section_fourth">Fourth<\/h5>/);
    assert.match(body, /<h6 id="section_fifth">Fifth<\/h6>/);
    assert.match(body, /<h6 id="section_sixth">Sixth<\/h6>/, '`######` stays at <h6>');
    assert.match(body, /<h2 id="section_back-up">Back up<\/h2>/);
    // Raw HTML headings move too, and keep an id only if it is a heading's own.
    assert.match(body, /<h2>Raw heading<\/h2>/);
    assert.match(body, /<h3 id="section_ok">Raw deep<\/h3>/);
    assert.equal([...res.text.matchAll(/id="main"/g)].length, 1, 'a post cannot take the id of the page’s <main>');
  });

  it('never skips a level below the <h1> of a post page', async () => {
    for (const path of ['/posts/with-headings', '/posts/starts-deep', '/posts/roza-released-step-up-for-other-prisoners']) {
      const res = await request(t.app).get(path).expect(200);
      assertOutline(path, res.text);
    }
    const deep = await request(t.app).get('/posts/starts-deep').expect(200);
    assert.match(deep.text, /<h2 id="section_deep-first">Deep first<\/h2>[\s\S]*<h3 id="section_deeper-still">Deeper still<\/h3>/);
  });

  it('gives the action page the action’s title as its <h1>, and keeps the card an <h2> on a post page', async () => {
    const action = await request(t.app).get('/actions/free-the-zhanaozen-prisoners').expect(200);
    assert.deepEqual(h1s(action.text), ['<h1 id="action-free-the-zhanaozen-prisoners-title">Free the Zhanaozen strikers still in prison</h1>']);
    assert.match(action.text, /aria-labelledby="action-free-the-zhanaozen-prisoners-title"/);
    const post = await request(t.app).get('/posts/roza-released-step-up-for-other-prisoners').expect(200);
    assert.match(post.text, /<h2 id="action-free-the-zhanaozen-prisoners-title"><a href="\/actions\/free-the-zhanaozen-prisoners">/);
  });

  it('has exactly one <h1> on every public page, and no skipped level', async () => {
    const pages: [string, number][] = [
      ['/', 200],
      ['/actions', 200],
      ['/posts/roza-released-step-up-for-other-prisoners', 200],
      ['/posts/with-headings', 200],
      ['/authors/t', 200],
      ['/tags/political-prisoners', 200],
      ['/actions/free-the-zhanaozen-prisoners', 200],
      ['/actions/release-roza-tuletaeva', 200],
      ['/actions/free-the-zhanaozen-prisoners/check-email', 200],
      ['/actions/free-the-zhanaozen-prisoners/thanks', 200],
      ['/no/such/page', 404],
      ['/?page=abc', 400],
    ];
    for (const [path, status] of pages) {
      const res = await request(t.app).get(path);
      assert.equal(res.status, status, path);
      assert.equal(h1s(res.text).length, 1, `${path} has one <h1>: ${h1s(res.text).join(' ')}`);
      assertOutline(path, res.text);
    }
    const closed = await request(t.app).get('/actions/release-roza-tuletaeva').expect(200);
    assert.match(closed.text, /<h1 [^>]*>Release Roza Tuletaeva<\/h1>/);
    assert.match(closed.text, /class="action-result action-won"/);
  });
});
