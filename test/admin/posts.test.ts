import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import * as content from '../../src/posts/posts.admin.service.ts';
import { findImageProblems, parsePostForm, slugify, InvalidPost } from '../../src/posts/posts.schema.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('post form rules', () => {
  it('proposes a slug from the title, Cyrillic and accents included', () => {
    assert.equal(slugify('Zhanaozen, three years on'), 'zhanaozen-three-years-on');
    assert.equal(slugify('Свободу Розе Тулетаевой!'), 'svobodu-roze-tuletaevoi');
    assert.equal(slugify('Қазақстан — Café'), 'qazaqstan-cafe');
    assert.equal(slugify('!!!'), '');
    assert.ok(slugify('word '.repeat(100)).length <= 80);
    assert.doesNotMatch(slugify('word '.repeat(100)), /-$/);
  });

  it('refuses images without alt text and images from other hosts, naming each', () => {
    const problems = findImageProblems([
      '![](/images/a.jpg)',
      '![A crowd](https://tracker.example/pixel.gif)',
      '![Fine](/images/fine.webp)',
      '<img src="https://evil.example/x.png" alt="raw html">',
      '![Sneaky](/images/../admin)',
      '![Protocol-relative](//evil.example/x.png)',
    ].join('\n\n'));
    assert.deepEqual(problems, [
      { src: '/images/a.jpg', problem: 'alt' },
      { src: 'https://tracker.example/pixel.gif', problem: 'host' },
      { src: 'https://evil.example/x.png', problem: 'host' },
      { src: '/images/../admin', problem: 'host' },
      { src: '//evil.example/x.png', problem: 'host' },
    ]);
  });

  it('does not mistake image syntax in code for an image', () => {
    assert.deepEqual(findImageProblems('Write `![](https://x.example/a.png)` like this:\n\n```\n![](https://x.example/b.png)\n```\n\n    ![](indented.png)'), []);
  });

  it('takes a repeated field as a mistake in that field, not a crash', () => {
    assert.throws(
      () => parsePostForm({ title: ['a', 'b'], author_id: '1', body: 'x' }),
      (error: unknown) => error instanceof InvalidPost && error.fields.title === 'admin.content.errors.invalid',
    );
    assert.throws(
      () => parsePostForm({ title: 'T', author_id: 'abc', tags: ['1', 'x'], body: { a: 1 } }),
      (error: unknown) =>
        error instanceof InvalidPost &&
        error.fields.author_id === 'admin.content.errors.author' &&
        error.fields.tags === 'admin.content.errors.tags' &&
        error.fields.body === 'admin.content.errors.invalid',
    );
    assert.deepEqual(parsePostForm({ title: ' T ', author_id: '3', tags: '2', body: 'x' }).tagIds, [2]);
  });
});

describe('scheduled posts on the public site', () => {
  let t: TestApp;
  const actor = { organiserId: '' };
  let postId: number;

  before(async () => {
    t = await createTestApp();
    const db = t.db.pool;
    const organiser = await db.query<{ id: string }>(`INSERT INTO organisers (email, name, role) VALUES ('o@example.org', 'Olga', 'organiser') RETURNING id::text`);
    actor.organiserId = organiser.rows[0]!.id;
    const author = await db.query<{ id: number }>(`INSERT INTO authors (slug, name) VALUES ('aigerim', 'Aigerim') RETURNING id`);
    const tag = await db.query<{ id: number }>(`INSERT INTO tags (slug, name) VALUES ('prisoners', 'Prisoners') RETURNING id`);
    postId = await content.createPost(db, actor, {
      title: 'Embargoed news', slug: '', authorId: author.rows[0]!.id, tagIds: [tag.rows[0]!.id], excerpt: '', bodyMarkdown: 'Out **tomorrow**.',
    });
    await db.query(`INSERT INTO actions (post_id, kind, slug, title, status) VALUES ($1, 'petition', 'embargoed-petition', 'Embargoed petition', 'open')`, [postId]);
    await content.publishPost(db, actor, postId, { when: 'later', at: new Date(Date.now() + 3_600_000) }, 'UTC');
  });
  after(() => t.close());

  const publicPages = ['/', '/tags/prisoners', '/authors/aigerim', '/feed.xml'];

  it('shows a scheduled post and its action nowhere until its time', async () => {
    for (const page of publicPages) {
      const res = await request(t.app).get(page).expect(200);
      assert.doesNotMatch(res.text, /Embargoed/, page);
    }
    await request(t.app).get('/posts/embargoed-news').expect(404);
    await request(t.app).get('/actions/embargoed-petition').expect(404);
    await request(t.app).get('/actions/embargoed-petition/count.json').expect(404);
    await request(t.app).get('/actions/embargoed-petition/thanks').expect(404);
    await request(t.app).get('/actions/embargoed-petition/check-email').expect(404);
  });

  it('shows it everywhere once its time has come', async () => {
    // Time passes: the scheduled time is now in the past.
    await t.db.pool.query(`UPDATE posts SET published_at = now() - interval '1 second' WHERE id = $1`, [postId]);
    for (const page of publicPages) {
      const res = await request(t.app).get(page).expect(200);
      assert.match(res.text, /Embargoed news/, page);
    }
    const post = await request(t.app).get('/posts/embargoed-news').expect(200);
    assert.match(post.text, /Out <strong>tomorrow<\/strong>/);
    assert.match(post.text, /Embargoed petition/);
    await request(t.app).get('/actions/embargoed-petition').expect(200);
    await request(t.app).get('/actions/embargoed-petition/count.json').expect(200);
  });

  it('takes an unpublished post and its action off the site at once, keeping the slug', async () => {
    await content.unpublishPost(t.db.pool, actor, postId);
    for (const page of publicPages) {
      const res = await request(t.app).get(page).expect(200);
      assert.doesNotMatch(res.text, /Embargoed/, page);
    }
    await request(t.app).get('/posts/embargoed-news').expect(404);
    await request(t.app).get('/actions/embargoed-petition').expect(404);
    const post = await content.getPost(t.db.pool, postId);
    assert.equal(post.state, 'draft');
    assert.equal(post.slug, 'embargoed-news');
    assert.equal(post.slug_locked, true, 'it has been public: its slug stays fixed');
  });
});
