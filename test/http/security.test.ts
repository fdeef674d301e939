import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

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
