import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { privateCacheForCookies, privateWhenSettingCookies } from '../../src/http/private-cookies.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, signPetition } from '../helpers/forms.ts';

describe('security headers', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('forbid framing in both headers that say so', async () => {
    const res = await request(t.app).get('/').expect(200);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  });

  it('send no HSTS when BASE_URL is plain HTTP', async () => {
    const res = await request(t.app).get('/').expect(200);
    assert.equal(res.headers['strict-transport-security'], undefined);
  });

  it('send HSTS when BASE_URL is HTTPS', async () => {
    const https = await createTestApp({ env: { BASE_URL: 'https://placard.test' } });
    try {
      const res = await request(https.app).get('/').expect(200);
      assert.match(res.headers['strict-transport-security'] ?? '', /max-age=\d{7,}/);
    } finally {
      await https.close();
    }
  });
});

describe('a response that sets a cookie', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('is private on every page that hands out a CSRF token', async () => {
    const res = await request(t.app).get('/privacy').expect(200);
    assert.ok(res.headers['set-cookie'], '/privacy sets a cookie');
    assert.match(res.headers['cache-control'] ?? '', /^private\b/);
  });

  it('leaves pages without a cookie to shared caches: the public forms among them', async () => {
    for (const path of ['/posts/housing-protest-astana-day-one', `/actions/${ACTION}`, '/posts/roza-released-step-up-for-other-prisoners']) {
      const plain = await request(t.app).get(path).expect(200);
      assert.equal(plain.headers['set-cookie'], undefined, path);
      assert.doesNotMatch(plain.headers['cache-control'] ?? '', /private/, path);
    }
    const invalid = await signPetition(t.app, { email: 'not-an-email' });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.headers['set-cookie'], undefined, 'the form sent back with its mistakes needs no cookie either');
    const count = await request(t.app).get(`/actions/${ACTION}/count.json`).expect(200);
    assert.match(count.headers['cache-control'] ?? '', /^public/);
  });

  it('is made private whatever set the cookie and the Cache-Control, unless it says no-store', async () => {
    const app = express();
    app.use(privateWhenSettingCookies);
    app.get('/public', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=60, s-maxage=600').cookie('a', '1').send('x');
    });
    app.get('/no-store', (_req, res) => {
      res.set('Cache-Control', 'no-store').cookie('a', '1').send('x');
    });
    app.get('/write-head', (_req, res) => {
      res.setHeader('Set-Cookie', 'a=1');
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('x');
    });
    app.get('/error', (_req, _res, next) => {
      next(new Error('boom'));
    });
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).cookie('flash', 'oops').send('error');
    });
    assert.equal((await request(app).get('/public')).headers['cache-control'], 'private, max-age=60');
    assert.equal((await request(app).get('/no-store')).headers['cache-control'], 'no-store');
    assert.equal((await request(app).get('/write-head')).headers['cache-control'], 'private');
    assert.equal((await request(app).get('/error')).headers['cache-control'], 'private');
  });

  it('keeps what a Cache-Control already says for one visitor', () => {
    assert.equal(privateCacheForCookies(undefined), 'private');
    assert.equal(privateCacheForCookies('no-cache'), 'private, no-cache');
    assert.equal(privateCacheForCookies('private, max-age=5'), 'private, max-age=5');
    assert.equal(privateCacheForCookies('No-Store'), 'No-Store');
    assert.equal(privateCacheForCookies('PUBLIC, max-age=5'), 'private, max-age=5');
  });
});
