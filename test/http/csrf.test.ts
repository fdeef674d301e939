import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import cookieParser from 'cookie-parser';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createCsrf, CSRF_PERIOD_MS, type CsrfOptions } from '../../src/http/csrf.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, csrfTokenIn } from '../helpers/forms.ts';

const SECRET = 'test-secret-test-secret-test-secret-0123';

/** A bare app around createCsrf: GET /form hands out a token, POST /form checks it. */
function formApp(options: Partial<CsrfOptions> = {}) {
  const csrf = createCsrf({ secret: SECRET, secureCookies: false, ...options });
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(cookieParser());
  app.get('/form', csrf.provideToken, (_req, res) => {
    res.send(String(res.locals.csrfToken));
  });
  app.post('/form', csrf.protect, (_req, res) => {
    res.send('accepted');
  });
  const onError: ErrorRequestHandler = (error: { status?: number }, _req, res, _next) => {
    res.status(error.status ?? 500).send('refused');
  };
  app.use(onError);
  return app;
}

describe('CSRF tokens', () => {
  const period = CSRF_PERIOD_MS;
  const start = 20_000 * period; // the start of some period
  let clock = start;
  const app = formApp({ now: () => clock });

  async function tokenAt(at: number, agent = request.agent(app)) {
    clock = at;
    const res = await agent.get('/form').expect(200);
    return { agent, token: res.text };
  }
  async function postAt(at: number, agent: ReturnType<typeof request.agent>, token: string) {
    clock = at;
    return (await agent.post('/form').type('form').send({ _csrf: token })).status;
  }

  it('accepts a token until the end of the period after the one it was handed out in, then refuses it', async () => {
    const { agent, token } = await tokenAt(start + period / 2);
    assert.equal(await postAt(start + period / 2 + 1000, agent, token), 200);
    assert.equal(await postAt(start + 2 * period - 1, agent, token), 200, 'still good at the end of the next period');
    assert.equal(await postAt(start + 2 * period, agent, token), 403, 'expired after two periods');
    assert.equal(await postAt(start + 400 * period, agent, token), 403);
  });

  it('gives a page opened late a fresh token that lasts at least one more period', async () => {
    const { agent, token: early } = await tokenAt(start + period - 1);
    // The same visitor opens the form again just after the period turned.
    const { token: late } = await tokenAt(start + period, agent);
    assert.notEqual(late, early, 'a token of the previous period is not handed out again');
    assert.equal(await postAt(start + 3 * period - 1, agent, late), 200, 'the fresh one works a full period on');
  });

  it('hands the same token to every tab within a period, so each can be sent', async () => {
    const { agent, token: first } = await tokenAt(start + 10);
    const { token: second } = await tokenAt(start + 20, agent);
    assert.equal(second, first);
    assert.equal(await postAt(start + 30, agent, first), 200);
  });

  it('binds a token to a session when given one', async () => {
    const bound = formApp({ now: () => start, sessionIdentifier: (req) => req.get('x-session') ?? '' });
    const agent = request.agent(bound);
    const token = (await agent.get('/form').set('x-session', 'alice').expect(200)).text;
    await agent.post('/form').set('x-session', 'mallory').type('form').send({ _csrf: token }).expect(403);
    await agent.post('/form').type('form').send({ _csrf: token }).expect(403);
    await agent.post('/form').set('x-session', 'alice').type('form').send({ _csrf: token }).expect(200);
  });
});

describe('a CSRF cookie of any shape', () => {
  let t: TestApp;
  // cookie-parser turns `j:` values into objects, numbers, arrays, booleans, null or strings.
  const shapes = ['j:{}', 'j:1', 'j:[1]', 'j:true', 'j:null', 'j:"abc.def"', 'j:{"split":1}', 'not-a-token', '', '%E0%A4%A'];

  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('is ignored and replaced on every page that hands out a token, and ignored on the public pages', async () => {
    for (const shape of shapes) {
      const res = await request(t.app).get('/privacy').set('Cookie', `placard.csrf=${shape}`);
      assert.equal(res.status, 200, `${shape} on /privacy → ${res.status}`);
      const cookie = /placard\.csrf=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
      assert.equal(cookie, csrfTokenIn(res.text), `${shape}: replaced by the token on the page`);
      // The pages a viral campaign is read on carry no token: the cookie is not even looked at.
      for (const page of [`/actions/${ACTION}`, '/posts/roza-released-step-up-for-other-prisoners']) {
        const shared = await request(t.app).get(page).set('Cookie', `placard.csrf=${shape}`);
        assert.equal(shared.status, 200, `${shape} on ${page} → ${shared.status}`);
        assert.equal(shared.headers['set-cookie'], undefined, `${shape} on ${page}`);
      }
      // A page behind a link from an email hands out a token before it looks up the link.
      const confirm = await request(t.app).get(`/confirm/${'A'.repeat(43)}`).set('Cookie', `placard.csrf=${shape}`);
      assert.equal(confirm.status, 404, `${shape} on /confirm → ${confirm.status}`);
    }
  });

  it('lets the visitor send a form with the cookie and token that replaced it', async () => {
    const page = await request(t.app).get('/privacy').set('Cookie', 'placard.csrf=j:{}').expect(200);
    const token = csrfTokenIn(page.text);
    const res = await request(t.app)
      .post('/privacy')
      .set('Cookie', `placard.csrf=${token}`)
      .type('form')
      .send({ _csrf: token, email: 'replaced@example.org' });
    assert.equal(res.status, 303);
  });

  it('makes a POST a 403, never a 500, and a signature with such a cookie is taken', async () => {
    for (const shape of shapes) {
      for (const path of ['/privacy', `/confirm/${'A'.repeat(43)}`, `/cancel/${'A'.repeat(43)}`]) {
        const res = await request(t.app)
          .post(path)
          .set('Cookie', `placard.csrf=${shape}`)
          .type('form')
          .send({ _csrf: shape.replace(/^j:/, ''), email: 'shape@example.org' });
        assert.equal(res.status, 403, `${shape} on POST ${path} → ${res.status}`);
        assert.match(res.text, /This form has expired/);
      }
    }
    const { rows: none } = await t.db.pool.query("SELECT count(*) AS n FROM signatures WHERE email = 'shape@example.org'");
    assert.equal(none[0].n, 0);
    for (const [i, shape] of shapes.entries()) {
      const res = await request(t.app)
        .post(`/actions/${ACTION}/signatures`)
        .set('Cookie', `placard.csrf=${shape}`)
        .type('form')
        .send({ _csrf: shape.replace(/^j:/, ''), name: 'A', email: `shape${i}@example.org`, country: 'KZ' });
      assert.equal(res.status, 303, `${shape} on the sign form → ${res.status}`);
    }
    const { rows } = await t.db.pool.query("SELECT count(*) AS n FROM signatures WHERE email LIKE 'shape%@example.org'");
    assert.equal(rows[0].n, shapes.length);
  });
});
