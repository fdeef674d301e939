// The public pages rendered once per interval (src/http/page-cache.ts): first
// on a small app of its own with the test's clock, then on Placard's pages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createPageCache } from '../../src/http/page-cache.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION } from '../helpers/forms.ts';
import { csrfToken, signIn } from '../helpers/admin.ts';

function smallApp(options: { ttlMs?: number; maxEntries?: number } = {}) {
  let clock = 1_000_000;
  const renders: string[] = [];
  const cache = createPageCache({ ttlMs: options.ttlMs ?? 5000, staleMs: 30_000, maxEntries: options.maxEntries, now: () => clock });
  const app = express();
  let version = 1;
  const page = (name: string) => (req: express.Request, res: express.Response) => {
    renders.push(name);
    res.send(`<p>${name} v${version} ${req.get('accept-language') ?? ''}</p>`);
  };
  app.get('/page', cache.keep(), page('page'));
  app.get('/other', cache.keep(), page('other'));
  app.get('/cookie', cache.keep(), (req, res) => {
    renders.push('cookie');
    res.cookie('who', 'me').send('for one visitor');
  });
  app.get('/missing', cache.keep(), (_req, res) => {
    renders.push('missing');
    res.status(404).send('not here');
  });
  app.get('/varies', cache.keep({ variant: (req) => req.get('accept-language') ?? '' }), (req, res) => {
    res.locals.pageVariant = req.get('accept-language') ?? '';
    res.vary('Accept-Language');
    page('varies')(req, res);
  });
  // A render that waits until the test lets it finish.
  const waiting: (() => void)[] = [];
  app.get('/slow', cache.keep(), async (req, res) => {
    renders.push('slow');
    const v = version;
    if (renders.length > 1) await new Promise<void>((resolve) => waiting.push(resolve));
    res.send(`<p>slow v${v}</p>`);
  });
  return {
    app,
    cache,
    renders,
    tick: (ms: number) => (clock += ms),
    bump: () => (version += 1),
    /** Lets the oldest waiting render finish. */
    release: () => waiting.shift()?.(),
  };
}

describe('the page cache', () => {
  it('sends a page again as it was rendered, for everyone, until it is older than the interval', async () => {
    const s = smallApp();
    const first = await request(s.app).get('/page').expect(200);
    assert.equal(first.text, '<p>page v1 </p>');
    assert.equal(first.headers['cache-control'], 'public, max-age=5, stale-while-revalidate=30');
    assert.match(first.headers.etag ?? '', /^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
    s.bump();
    s.tick(4000);
    const again = await request(s.app).get('/page').expect(200);
    assert.equal(again.text, '<p>page v1 </p>', 'within the interval: the page as it was');
    assert.equal(again.headers.etag, first.headers.etag);
    assert.equal(again.headers.age, '4');
    assert.match(again.headers['content-type'] ?? '', /^text\/html/);
    assert.deepEqual(s.renders, ['page']);
    s.tick(1000);
    assert.equal((await request(s.app).get('/page').expect(200)).text, '<p>page v2 </p>', 'then rendered again');
    assert.deepEqual(s.renders, ['page', 'page']);
  });

  it('answers If-None-Match with a 304 and a HEAD without a body', async () => {
    const s = smallApp();
    const { headers } = await request(s.app).get('/page').expect(200);
    const notModified = await request(s.app).get('/page').set('If-None-Match', headers.etag!).expect(304);
    assert.equal(notModified.text, '');
    await request(s.app).get('/page').set('If-None-Match', 'W/"other"').expect(200);
    const head = await request(s.app).head('/page').expect(200);
    assert.equal(head.text, undefined);
    assert.deepEqual(s.renders, ['page']);
  });

  it('lets one request render an expired page while the others get the old one', async () => {
    const s = smallApp();
    await request(s.app).get('/slow').expect(200);
    s.bump();
    s.tick(6000);
    // The first request after expiry renders (and waits); meanwhile others are sent the old page.
    const renderer = request(s.app).get('/slow').then((res) => res);
    while (s.renders.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 3; i++) assert.equal((await request(s.app).get('/slow').expect(200)).text, '<p>slow v1</p>');
    s.release();
    assert.equal((await renderer).text, '<p>slow v2</p>');
    assert.equal((await request(s.app).get('/slow')).text, '<p>slow v2</p>');
    assert.deepEqual(s.renders, ['slow', 'slow']);
    // Past the grace too, a page is not sent however old: the next request renders it.
    s.tick(40_000);
    const late = request(s.app).get('/slow').then((res) => res);
    while (s.renders.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    s.tick(40_000);
    const another = request(s.app).get('/slow').then((res) => res);
    while (s.renders.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    s.release();
    s.release();
    await Promise.all([late, another]);
  });

  it('never keeps a page that sets a cookie, an error page, or a POST', async () => {
    const s = smallApp();
    for (let i = 0; i < 2; i++) {
      await request(s.app).get('/cookie').expect(200);
      await request(s.app).get('/missing').expect(404);
    }
    assert.deepEqual(s.renders, ['cookie', 'missing', 'cookie', 'missing']);
    const cookie = await request(s.app).get('/cookie');
    assert.doesNotMatch(cookie.headers['cache-control'] ?? '', /public/);
    assert.equal(s.cache.size, 0);
  });

  it('keeps a page once per variant when the page says it varies', async () => {
    const s = smallApp();
    const de = await request(s.app).get('/varies').set('Accept-Language', 'de-DE').expect(200);
    const gb = await request(s.app).get('/varies').set('Accept-Language', 'en-GB').expect(200);
    assert.equal(de.text, '<p>varies v1 de-DE</p>');
    assert.equal(gb.text, '<p>varies v1 en-GB</p>');
    assert.equal((await request(s.app).get('/varies').set('Accept-Language', 'de-DE')).text, '<p>varies v1 de-DE</p>');
    assert.equal((await request(s.app).get('/varies').set('Accept-Language', 'en-GB')).headers.vary, 'Accept-Language');
    assert.deepEqual(s.renders, ['varies', 'varies']);
    assert.equal(s.cache.size, 2);
  });

  it('keeps at most maxEntries pages, forgetting the oldest; clear() forgets them all', async () => {
    const s = smallApp({ maxEntries: 2 });
    await request(s.app).get('/page?a').expect(200);
    await request(s.app).get('/page?b').expect(200);
    await request(s.app).get('/page?c').expect(200);
    assert.equal(s.cache.size, 2);
    await request(s.app).get('/page?c').expect(200);
    await request(s.app).get('/page?a').expect(200);
    assert.deepEqual(s.renders, ['page', 'page', 'page', 'page'], '?a was forgotten, ?c kept');
    s.cache.clear();
    assert.equal(s.cache.size, 0);
  });

  it('keeps nothing with an interval of 0', async () => {
    const s = smallApp({ ttlMs: 0 });
    await request(s.app).get('/page').expect(200);
    await request(s.app).get('/page').expect(200);
    assert.deepEqual(s.renders, ['page', 'page']);
  });
});

describe("Placard's public pages, kept", () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { PAGE_CACHE_MS: '60000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  const retitle = (title: string) => t.db.pool.query('UPDATE actions SET title = $1 WHERE slug = $2', [title, ACTION]);

  it('serves the home page, a post with a form and an action page for shared caches, the same to everyone', async () => {
    for (const path of ['/', '/posts/roza-released-step-up-for-other-prisoners', `/actions/${ACTION}`, `/actions/${ACTION}/count.json`]) {
      const res = await request(t.app).get(path).set('Cookie', 'placard.csrf=abc; other=1').expect(200);
      assert.equal(res.headers['set-cookie'], undefined, path);
      assert.match(res.headers['cache-control'] ?? '', /^public, max-age=60, stale-while-revalidate=30$/, path);
      assert.ok(res.headers.etag, path);
      await request(t.app).get(path).set('If-None-Match', res.headers.etag!).expect(304);
    }
  });

  it('shows a change made behind its back only after the interval, and an organiser\'s change at once', async () => {
    const { agent } = await signIn(t);
    const before = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    await retitle('A title nobody has seen yet');
    const kept = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    assert.equal(kept.text, before.text, 'the page as rendered');
    // A refused admin POST changes nothing, and forgets nothing.
    await agent.post('/admin/sign-out').type('form').send({ _csrf: 'wrong' }).expect(403);
    assert.equal((await request(t.app).get(`/actions/${ACTION}`).expect(200)).text, before.text);
    // Any admin POST that went through forgets the pages of this instance.
    const token = await csrfToken(agent, '/admin');
    await agent.post('/admin/sign-out').type('form').send({ _csrf: token }).expect(303);
    const fresh = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    assert.match(fresh.text, /A title nobody has seen yet/);
  });

  it('keeps a protest call\'s page once per country the browser names, and says it varies', async () => {
    const call = '/actions/zhanaozen-anniversary-protests';
    const firstCountry = (html: string) => /<section class="protest-country protest-country-chosen" aria-labelledby="protests-([A-Z]{2})">/.exec(html)?.[1];
    const de = await request(t.app).get(call).set('Accept-Language', 'de-DE,de;q=0.9').expect(200);
    const gb = await request(t.app).get(call).set('Accept-Language', 'en-GB').expect(200);
    assert.equal(firstCountry(de.text), 'DE');
    assert.equal(firstCountry(gb.text), 'GB', 'not the page kept for a German browser');
    assert.match(gb.headers.vary ?? '', /Accept-Language/);
    assert.equal(firstCountry((await request(t.app).get(call).set('Accept-Language', 'de-DE').expect(200)).text), 'DE');
  });

  it('keeps a form sent back with its mistakes out of it', async () => {
    await retitle('Free the Zhanaozen strikers still in prison');
    const wrong = await request(t.app).post(`/actions/${ACTION}/signatures`).type('form').send({ name: '', email: 'x', country: 'KZ' }).expect(422);
    assert.match(wrong.text, /value="x"/);
    const page = await request(t.app).get(`/actions/${ACTION}`).expect(200);
    assert.doesNotMatch(page.text, /value="x"/);
    assert.doesNotMatch(page.text, /field-error/);
  });
});
