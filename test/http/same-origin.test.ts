import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm, signPetition } from '../helpers/forms.ts';

type Headers = Record<string, string>;

/** A visitor with a genuine cookie and token, whose POST carries the given headers. */
async function signWith(t: TestApp, headers: Headers, email: string) {
  const agent = request.agent(t.app);
  const token = await openForm(agent, `/actions/${ACTION}`);
  return agent
    .post(`/actions/${ACTION}/signatures`)
    .set(headers)
    .type('form')
    .send({ _csrf: token, name: 'Aigerim', email, country: 'KZ' });
}

const refused: [string, Headers][] = [
  ['a cross-site page', { Origin: 'https://evil.example' }],
  ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
  ['another port or subdomain (same-site)', { 'Sec-Fetch-Site': 'same-site' }],
  ['a request the browser made itself (none)', { 'Sec-Fetch-Site': 'none' }],
  ['Sec-Fetch-Site cross-site with our Origin', { 'Sec-Fetch-Site': 'cross-site', Origin: 'http://placard.test' }],
  ['another port of our host, old browser', { Origin: 'http://placard.test:8080' }],
  ['another scheme', { Origin: 'https://placard.test' }],
  ['a subdomain', { Origin: 'http://evil.placard.test' }],
  ['Origin: null', { Origin: 'null' }],
  ['a malformed Origin', { Origin: 'garbage' }],
];

describe('unsafe requests from another origin', () => {
  let t: TestApp;
  let seq = 0;
  const email = () => `origin${++seq}@example.org`;

  before(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('are refused with the expired-form page, even with a genuine token pair', async () => {
    for (const [what, headers] of refused) {
      const address = email();
      const res = await signWith(t, headers, address);
      assert.equal(res.status, 403, what);
      assert.match(res.text, /This form has expired/, what);
      const { rows } = await t.db.pool.query('SELECT count(*) AS n FROM signatures WHERE email = $1', [address]);
      assert.equal(rows[0].n, 0, what);
    }
  });

  it('pass from our own pages, and from clients that send neither header', async () => {
    const passing: [string, Headers][] = [
      ['Sec-Fetch-Site: same-origin', { 'Sec-Fetch-Site': 'same-origin' }],
      ['Origin of BASE_URL', { Origin: 'http://placard.test' }],
      ['neither header', {}],
    ];
    for (const [what, headers] of passing) assert.equal((await signWith(t, headers, email())).status, 303, what);
  });

  it("pass when Origin is the request's own host, whatever BASE_URL says", async () => {
    const agent = request.agent(t.app);
    const token = await openForm(agent, `/actions/${ACTION}`);
    const res = await agent
      .post(`/actions/${ACTION}/signatures`)
      .set({ Host: 'placard.example:8443', Origin: 'http://placard.example:8443' })
      .type('form')
      .send({ _csrf: token, name: 'Aigerim', email: email(), country: 'KZ' });
    assert.equal(res.status, 303);
  });

  it('are refused on every path and unsafe method, before any route', async () => {
    const evil = { Origin: 'https://evil.example' };
    for (const path of [`/confirm/${'A'.repeat(43)}`, `/cancel/${'A'.repeat(43)}`, '/no/such/page']) {
      await request(t.app).post(path).set(evil).type('form').send({ _csrf: 'x' }).expect(403);
    }
    for (const method of ['put', 'patch', 'delete'] as const) {
      await request(t.app)[method](`/actions/${ACTION}`).set(evil).expect(403);
      await request(t.app)[method](`/actions/${ACTION}`).expect(404);
    }
    // Reading is not guarded: links from other sites must work.
    await request(t.app).get(`/actions/${ACTION}`).set(evil).set('Sec-Fetch-Site', 'cross-site').expect(200);
  });

  it('are answered in JSON where JSON is expected', async () => {
    const evil = { Origin: 'https://evil.example' };
    for (const [path, accept] of [['/api/signatures', '*/*'], [`/actions/${ACTION}/count.json`, '*/*'], [`/actions/${ACTION}/signatures`, 'application/json']]) {
      const res = await request(t.app).post(path!).set(evil).set('Accept', accept!).expect(403).expect('Content-Type', /json/);
      assert.equal(res.body.error.code, 'forbidden');
      assert.match(res.body.error.message, /This form has expired/);
    }
  });
});

describe('a forged cross-site POST and the signing rate limit', () => {
  it('spends none of the shared IP’s allowance', async () => {
    const limit = 3;
    const t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: String(limit) } });
    try {
      await loadDemoContent(t.db.pool, createLogger('silent'));
      for (let i = 0; i < limit; i++) {
        assert.equal((await signWith(t, { Origin: 'https://evil.example' }, `forged${i}@example.org`)).status, 403);
        assert.equal((await signWith(t, { 'Sec-Fetch-Site': 'cross-site' }, `forged-sfs${i}@example.org`)).status, 403);
      }
      const counted = await t.db.pool.query("SELECT count(*) AS n FROM rate_limit_hits WHERE key LIKE 'sign-%'");
      assert.equal(counted.rows[0].n, 0, 'no hits counted for the forged posts');
      assert.equal((await signPetition(t.app, { email: 'genuine@example.org' })).status, 303, 'the genuine signature is accepted');
      // One hit in each of the signing windows (burst, hour, IP and email domain).
      const { rows } = await t.db.pool.query("SELECT hits FROM rate_limit_hits WHERE key LIKE 'sign-%'");
      assert.deepEqual(rows.map((r) => r.hits), [1, 1, 1]);
    } finally {
      await t.close();
    }
  });
});
