// Review of issue 9: the per-address limit of /privacy answered with draft-7
// RateLimit headers, so a stranger who typed an address learnt how many times
// anyone had asked for that address's link in the last hour.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfTokenIn } from '../helpers/forms.ts';

describe('review 9: /privacy rate-limit headers', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '1' } });
  });
  after(() => t.close());

  async function ask(email: string, ip: string) {
    const agent = request.agent(t.app);
    const csrf = csrfTokenIn((await agent.get('/privacy').set('X-Forwarded-For', ip).expect(200)).text);
    return agent.post('/privacy').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, email });
  }

  it('tells a stranger nothing about other people’s asks for an address', async () => {
    await ask('watched@example.org', '198.51.100.1');
    await ask('watched@example.org', '198.51.100.2');
    const fresh = await ask('fresh@example.org', '198.51.100.3');
    const watched = await ask('watched@example.org', '198.51.100.4');
    assert.equal(watched.headers.ratelimit, fresh.headers.ratelimit, `${watched.headers.ratelimit} vs ${fresh.headers.ratelimit}`);
  });
});
