// Review of issue 9: every POST route refuses a request without a CSRF token,
// for a stranger and for a signed-in organiser alike; the only exception is
// RFC 8058's one-click unsubscribe, and its same-origin exemption is that path
// and that method only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { routesOf, signIn } from '../helpers/admin.ts';

const fill = (path: string) => path.replace(/:token/g, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').replace(/:slug/g, 'free-the-zhanaozen-prisoners').replace(/:[a-z]+/gi, '1');

describe('review 9: CSRF on every POST', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('refuses each POST without a token (but the one-click unsubscribe)', async () => {
    const posts = routesOf(t.app).filter((r) => r.method === 'post');
    assert.ok(posts.length > 20);
    const { agent } = await signIn(t, { role: 'admin' });
    const wrong: string[] = [];
    for (const { path } of posts) {
      const url = fill(path);
      const client = path.startsWith('/admin') && !/sign-in|password-reset/.test(path) ? agent : request(t.app);
      const res = await client.post(url).type('form').send({ email: 'x@example.org', confirm: 'yes' });
      const expected = path === '/unsubscribe/:token' ? 404 : 403;
      if (res.status !== expected) wrong.push(`${path}: ${res.status}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('exempts only POST /unsubscribe/<token> from the same-origin check', async () => {
    const cross = { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' };
    const token = '1.AAAAAAAAAAAAAAAAAAAAAA';
    assert.equal((await request(t.app).post(`/unsubscribe/${token}`).set(cross).type('form').send('List-Unsubscribe=One-Click')).status, 404);
    for (const path of [`/unsubscribe/${token}/`, `/unsubscribe/${token}/x`, '/unsubscribe', `/UNSUBSCRIBE/${token}`, `/privacy/data/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/unsubscribe`]) {
      assert.equal((await request(t.app).post(path).set(cross).type('form').send('List-Unsubscribe=One-Click')).status, 403, path);
    }
    for (const method of ['put', 'delete', 'patch'] as const) {
      assert.equal((await request(t.app)[method](`/unsubscribe/${token}`).set(cross)).status, 403, method);
    }
  });
});
