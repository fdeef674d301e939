// Every admin route, found by walking the app's router (so a route added later
// cannot be forgotten): without a session it shows nothing, and with one, a
// POST without the session's CSRF token is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn, routesOf, type AppRoute } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';


/** Pages that lead to a session: reachable without one (and protected by the sessionless CSRF token). */
const BEFORE_SESSION = new Set(['/admin/sign-in', '/admin/sign-in/:token', '/admin/password-reset', '/admin/password-reset/:token']);

function concrete(path: string): string {
  return path.replace(/:id\b/g, '1').replace(/:token\b/g, 'A'.repeat(43)).replace(/:(\w+)/g, 'x');
}

describe('every admin route', () => {
  let t: TestApp;
  let admin: Agent;
  let routes: AppRoute[];

  before(async () => {
    t = await createTestApp();
    admin = (await signIn(t, { role: 'admin' })).agent;
    routes = routesOf(t.app).filter((r) => r.path.startsWith('/admin') && !BEFORE_SESSION.has(r.path));
  });
  after(() => t.close());

  it('finds the admin routes (the walk itself works)', () => {
    assert.ok(routes.length >= 6, `found ${routes.length}`);
    for (const expected of ['get /admin/account', 'post /admin/sign-out', 'get /admin/organisers', 'get /admin/audit']) {
      assert.ok(routes.some((r) => `${r.method} ${r.path}` === expected), `found ${expected}`);
    }
  });

  it('refuses every admin route without a session: pages go to sign-in, other requests get 401', async () => {
    for (const { method, path } of routes) {
      const url = concrete(path);
      const res = await (request(t.app) as unknown as Record<string, (url: string) => request.Test>)[method]!(url).type('form').send(method === 'get' ? undefined : { anything: 'x' });
      if (method === 'get') {
        assert.equal(res.status, 303, `GET ${url}`);
        assert.match(res.headers.location ?? '', /^\/admin\/sign-in\?next=/, `GET ${url} goes to sign-in`);
      } else {
        assert.equal(res.status, 401, `${method.toUpperCase()} ${url}`);
      }
      assert.doesNotMatch(res.text ?? '', /admin-nav/, `${method} ${url} shows no admin page`);
    }
  });

  it('refuses with a session cookie that is not a session (forged or expired)', async () => {
    const res = await request(t.app).get('/admin/account').set('Cookie', 'placard.admin=s%3Aforged.signature');
    assert.equal(res.status, 303);
  });

  it('refuses every admin POST without the CSRF token, even with a session', async () => {
    const posts = routes.filter((r) => r.method === 'post');
    assert.ok(posts.length >= 3);
    for (const { path } of posts) {
      const res = await admin.post(concrete(path)).type('form').send({ anything: 'x' });
      assert.equal(res.status, 403, `POST ${concrete(path)} without a token`);
    }
  });

  it('refuses a POST carrying a token from another session', async () => {
    const other = (await signIn(t, { role: 'admin' })).agent;
    const page = await other.get('/admin/account').expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await admin.post('/admin/account').type('form').send({ _csrf: token, current: 'x', password: 'y', confirmation: 'y' });
    assert.equal(res.status, 403);
  });

  it('reads no big body from a stranger: the session comes first, and the sign-in form is small', async () => {
    const big = `x=${'a'.repeat(900_000)}`;
    assert.equal((await request(t.app).post('/admin/account').type('form').send(big)).status, 401);
    assert.equal((await request(t.app).post('/admin/sign-in').type('form').send(`x=${'a'.repeat(100_000)}`)).status, 413);
  });

  it('marks every admin page no-store', async () => {
    const res = await admin.get('/admin/account').expect(200);
    assert.equal(res.headers['cache-control'], 'no-store');
  });
});
