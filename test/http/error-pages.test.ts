// Error pages for people: a "Page not found" with ways on, an expired form and
// a limit reached that lead back to the action the person was on (taken from
// the address's shape only, nothing else of it shown), and never a stack trace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm } from '../helpers/forms.ts';

describe('error pages', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('says "Page not found" with a way home and to the open actions', async () => {
    for (const path of ['/no-such-page', '/posts/no-such-post', '/actions/no-such-action']) {
      const res = await request(t.app).get(path).expect(404);
      assert.match(res.text, /<title>Page not found · Placard<\/title>/, path);
      assert.match(res.text, /<h1>Page not found<\/h1>/, path);
      assert.match(res.text, /<a href="\/actions">See the actions open now<\/a>/, path);
      assert.match(res.text, /<a href="\/">Go to the news page<\/a>/, path);
    }
  });

  it('leads from a refused form back to the action it was on', async () => {
    // What a browser says of a post from another site (or a stale tab of the private pages' forms).
    const res = await request(t.app).post(`/actions/${ACTION}/signatures`).set('Sec-Fetch-Site', 'cross-site').type('form').send({ name: 'A', email: 'a@example.org', country: 'KZ' });
    assert.equal(res.status, 403);
    assert.match(res.text, /<h1>This form has expired<\/h1>/);
    assert.match(res.text, /<a href="\/actions\/free-the-zhanaozen-prisoners">Go back to the action<\/a>/);
  });

  it('shows nothing of an address that is no action\'s', async () => {
    for (const path of ['/actions/%3Cscript%3Ealert(1)%3C%2Fscript%3E/signatures', '/actions/Evil"onmouseover=x/signatures', '/actions/-bad-/signatures', `/actions/${'a'.repeat(300)}/signatures`]) {
      const res = await request(t.app).post(path).set('Sec-Fetch-Site', 'cross-site').type('form').send({ name: 'A' });
      assert.equal(res.status, 403, path);
      assert.doesNotMatch(res.text, /Go back to the action/, path);
      assert.doesNotMatch(res.text, /<script>|onmouseover|aaaaaaaaaa/, path);
    }
  });

  it('leads from a form too large back to the action', async () => {
    const agent = request.agent(t.app);
    const token = await openForm(agent, `/actions/${ACTION}`);
    const res = await agent.post(`/actions/${ACTION}/signatures`).type('form').send({ _csrf: token, comment: 'z'.repeat(40_000) });
    assert.equal(res.status, 413);
    assert.match(res.text, /<a href="\/actions\/free-the-zhanaozen-prisoners">Go back to the action<\/a>/);
  });

  it('never shows a stack trace or what failed inside', async () => {
    const original = t.db.pool.query.bind(t.db.pool);
    t.db.pool.query = (() => Promise.reject(new Error('relation "secret_table" does not exist'))) as unknown as typeof original;
    try {
      const res = await request(t.app).get('/actions').expect(500);
      assert.match(res.text, /<h1>Sorry, something went wrong<\/h1>/);
      assert.doesNotMatch(res.text, /secret_table|\bat \S+ \(|\.ts:\d+/);
    } finally {
      t.db.pool.query = original;
    }
    const bad = await request(t.app).get('/posts/%E0%A4%A').expect(400);
    assert.doesNotMatch(bad.text, /URIError|\.ts:\d+|\bat \S+ \(/);
  });
});
