// /actions lists what a visitor can do now: open, public actions before their
// deadline, and nothing that is a draft, closed, won, past its deadline or on
// a post that is not public.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('the list of open actions', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
    const post = (await t.db.pool.query<{ id: number }>('SELECT id FROM posts ORDER BY id LIMIT 1')).rows[0]!.id;
    const draftPost = (await t.db.pool.query<{ id: number }>(
      `INSERT INTO posts (slug, title, author_id, status) SELECT 'a-draft', 'A draft', id, 'draft' FROM authors LIMIT 1 RETURNING id`,
    )).rows[0]!.id;
    await t.db.pool.query(
      `INSERT INTO actions (kind, slug, title, status, post_id, deadline) VALUES
         ('petition', 'still-a-draft', 'Still a draft', 'draft', $1, NULL),
         ('petition', 'past-its-deadline', 'Past its deadline', 'open', $1, now() - interval '1 minute'),
         ('petition', 'on-a-draft-post', 'On a draft post', 'open', $2, NULL),
         ('petition', 'soon-closing', 'Soon closing', 'open', NULL, now() + interval '1 day')`,
      [post, draftPost],
    );
  });
  after(() => t.close());

  it('shows the open, public actions, the closest deadline first, and links to each', async () => {
    const res = await request(t.app).get('/actions').expect(200);
    const listed = [...res.text.matchAll(/<h2><a href="\/actions\/([a-z0-9-]+)">/g)].map((m) => m[1]);
    assert.equal(listed[0], 'soon-closing');
    assert.ok(listed.includes('free-the-zhanaozen-prisoners'), listed.join(', '));
    for (const hidden of ['still-a-draft', 'past-its-deadline', 'on-a-draft-post', 'release-roza-tuletaeva']) {
      assert.ok(!listed.includes(hidden), `${hidden} is not listed`);
    }
    assert.doesNotMatch(res.headers['set-cookie']?.toString() ?? '', /csrf/, 'no form, so no token cookie');
    const home = await request(t.app).get('/').expect(200);
    assert.match(home.text, /<a href="\/actions">Act now<\/a>/);
  });
});
