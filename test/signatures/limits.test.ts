// What stands between a script and the count, and what does not stand in a
// union meeting's way: the signing windows (per IP in bursts and per hour, per IP
// and email domain), the honeypot and the form-timing check.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createFormTiming } from '../../src/http/form-timing.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, signPetition, type SignatureFields } from '../helpers/forms.ts';

const signaturesOf = async (t: TestApp, pattern: string) =>
  (await t.db.pool.query('SELECT count(*) AS n FROM signatures WHERE email LIKE $1', [pattern])).rows[0].n as number;

const jobsFor = async (t: TestApp) => (await t.db.pool.query("SELECT count(*) AS n FROM pgboss.job WHERE name = 'send-confirmation'")).rows[0].n as number;

/** Signs as a browser that sent the page's hidden fields back, stamp included (signPetition sends none). */
async function signWithStamp(t: TestApp, stamp: string, fields: SignatureFields) {
  const agent = request.agent(t.app);
  await agent.get(`/actions/${ACTION}`).expect(200);
  return agent
    .post(`/actions/${ACTION}/signatures`)
    .type('form')
    .send({ rendered: stamp, name: 'Aigerim', email: 'aigerim@example.org', country: 'KZ', ...fields });
}

describe('the signing limits, with their defaults', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('lets a union meeting of 40 behind one address sign, and stops a script that goes on with a page leading back', async () => {
    // A meeting: 40 people, most on the big mail providers, some on the union's own domain.
    const domains = ['gmail.com', 'gmail.com', 'outlook.com', 'yahoo.com', 'union.example'];
    for (let i = 0; i < 40; i++) {
      const res = await signPetition(t.app, { name: `Member ${i + 1}`, email: `meeting.${i}@${domains[i % domains.length]}` });
      assert.equal(res.status, 303, `signature ${i + 1} of the meeting`);
    }
    assert.equal(await signaturesOf(t, 'meeting.%'), 40, 'all 40 are stored');

    // A script goes on from the same address: the burst window (60 per 10 minutes) stops it.
    let first429 = 0;
    let refused;
    for (let i = 40; i < 70 && !first429; i++) {
      const res = await signPetition(t.app, { email: `script.${i}@example.org` });
      if (res.status === 429) [first429, refused] = [i + 1, res];
      else assert.equal(res.status, 303);
    }
    assert.equal(first429, 61, 'the 61st signing request within 10 minutes is refused');
    assert.match(refused!.text, /<h1>Too many requests<\/h1>/);
    assert.match(refused!.text, /<a href="\/actions\/free-the-zhanaozen-prisoners">Go back to the action<\/a>/);
    assert.equal(refused!.headers['retry-after'], '60');
    assert.equal(await signaturesOf(t, 'script.%'), 20, 'nothing stored past the limit');
    // Counted in PostgreSQL, so every instance shares it.
    const { rows } = await t.db.pool.query("SELECT split_part(key, ':', 1) AS window, hits FROM rate_limit_hits WHERE key LIKE 'sign-%' ORDER BY 1, 2");
    // Every window counts every request, the refused one too.
    assert.deepEqual(rows.filter((r) => r.window !== 'sign-domain'), [{ window: 'sign-burst', hits: 61 }, { window: 'sign-hour', hits: 61 }]);
  });
});

describe('the honeypot and the form-timing check', () => {
  let t: TestApp;
  let secret: string;
  before(async () => {
    // Twenty seconds: more than a stamp's 10-second slot, so a form sent at once is always too early.
    t = await createTestApp({ env: { SIGN_MIN_SECONDS: '20' } });
    secret = t.config.appSecret!;
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(() => t.close());

  it('the honeypot still turns a bot away quietly: "check your email", nothing stored, nothing sent', async () => {
    const jobs = await jobsFor(t);
    const res = await signPetition(t.app, { email: 'honeypot@example.org', website: 'https://spam.example' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/actions/${ACTION}/check-email`);
    assert.equal(await signaturesOf(t, 'honeypot@%'), 0);
    assert.equal(await jobsFor(t), jobs);
  });

  it('sends a form sent back sooner than a person could fill it in back to be pressed again: nothing stored, nothing sent, nothing lost', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get(`/actions/${ACTION}`).expect(200);
    const stamp = /name="rendered" value="([^"]+)"/.exec(page.text)?.[1];
    assert.ok(stamp, 'the form carries its render time');
    const jobs = await jobsFor(t);
    const res = await agent.post(`/actions/${ACTION}/signatures`).type('form').send({ rendered: stamp, name: 'Fast', email: 'fast@example.org', country: 'KZ' });
    assert.equal(res.status, 422);
    assert.match(res.text, /Check your details, then press “Sign” again/);
    assert.match(res.text, /value="fast@example\.org"/, 'what was typed is kept');
    assert.match(res.text, new RegExp(`name="rendered" value="${stamp}"`), 'the first render time stays, so pressing again later passes');
    assert.equal(await signaturesOf(t, 'fast@%'), 0, 'nothing stored');
    assert.equal(await jobsFor(t), jobs, 'nothing sent');
  });

  it('sends a forged stamp back with a fresh one, takes an honest old one, and lets a tab without a stamp through', async () => {
    const old = createFormTiming({ secret, minMs: 20_000, now: () => Date.now() - 60_000 }).stamp();
    assert.equal((await signWithStamp(t, old, { email: 'patient@example.org' })).status, 303);
    assert.equal(await signaturesOf(t, 'patient@%'), 1, 'a form filled in over a minute is a person');

    const slot = old.split('.')[0];
    for (const forged of [`${slot}.${'A'.repeat(22)}`, `${Number(slot) - 10}.${old.split('.')[1]}`, 'garbage', createFormTiming({ secret: 'another-secret-another-secret-0000', minMs: 1, now: () => Date.now() - 60_000 }).stamp()]) {
      const res = await signWithStamp(t, forged, { email: 'forged@example.org' });
      assert.equal(res.status, 422, forged);
      assert.ok(!res.text.includes(`name="rendered" value="${forged}"`), 'a fresh stamp replaces it');
    }
    const future = createFormTiming({ secret, minMs: 1, now: () => Date.now() + 3_600_000 }).stamp();
    assert.equal((await signWithStamp(t, future, { email: 'forged@example.org' })).status, 422);
    assert.equal(await signaturesOf(t, 'forged@%'), 0, 'no forged stamp gets a signature stored');

    // signPetition sends no stamp at all, as a tab opened before stamps existed.
    assert.equal((await signPetition(t.app, { email: 'old-tab@example.org' })).status, 303);
    assert.equal(await signaturesOf(t, 'old-tab@%'), 1);
  });

  it('shows a person who pressed "Sign" at once on an empty form their mistakes, not "check your email"', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get(`/actions/${ACTION}`).expect(200);
    const stamp = /name="rendered" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await agent.post(`/actions/${ACTION}/signatures`).type('form').send({ rendered: stamp, name: '', email: '', country: '' });
    assert.equal(res.status, 422);
    assert.match(res.text, /There is a problem/);
    assert.match(res.text, new RegExp(`name="rendered" value="${stamp}"`), 'the stamp of the first render stays');
  });

  it('keeps the first stamp when the form comes back with a mistake, so a quick correction is not a script', async () => {
    const old = createFormTiming({ secret, minMs: 20_000, now: () => Date.now() - 60_000 }).stamp();
    const res = await signWithStamp(t, old, { name: '', email: 'corrected@example.org' });
    assert.equal(res.status, 422);
    assert.match(res.text, new RegExp(`name="rendered" value="${old}"`));
  });
});

describe('the signing limits, configured', () => {
  it('reads the windows from the environment; the old per-minute variable only ever raises them', () => {
    const base = { NODE_ENV: 'test' } as const;
    assert.deepEqual(loadConfig(base).rateLimits.sign, { burstPer10Minutes: 60, perHour: 300, perDomainPerHour: 100 });
    assert.deepEqual(
      loadConfig({ ...base, RATE_LIMIT_SIGN_BURST: '30', RATE_LIMIT_SIGN_PER_HOUR: '90', RATE_LIMIT_SIGN_PER_DOMAIN_PER_HOUR: '12' }).rateLimits.sign,
      { burstPer10Minutes: 30, perHour: 90, perDomainPerHour: 12 },
    );
    assert.deepEqual(loadConfig({ ...base, RATE_LIMIT_SIGN_PER_MINUTE: '1000' }).rateLimits.sign, { burstPer10Minutes: 10_000, perHour: 60_000, perDomainPerHour: 60_000 });
    assert.deepEqual(loadConfig({ ...base, RATE_LIMIT_SIGN_PER_MINUTE: '2' }).rateLimits.sign, { burstPer10Minutes: 60, perHour: 300, perDomainPerHour: 120 }, 'never lowered');
    assert.equal(loadConfig({ ...base, SIGN_MIN_SECONDS: '0' }).signMinMs, 0);
    assert.throws(() => loadConfig({ ...base, RATE_LIMIT_SIGN_BURST: '0' }), /RATE_LIMIT_SIGN_BURST/);
  });

  it('stops a script that keeps under the burst window at the hourly one, and one at a single domain sooner', async () => {
    const t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_HOUR: '8', RATE_LIMIT_SIGN_PER_DOMAIN_PER_HOUR: '3' } });
    try {
      await loadDemoContent(t.db.pool, createLogger('silent'));
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await signPetition(t.app, { email: `x${i}@catch-all.example` })).status);
      assert.deepEqual(statuses, [303, 303, 303, 429], 'three at one domain, then refused');
      // Other domains from the same address go on, up to the hourly window (4 counted so far).
      const more = [];
      for (let i = 0; i < 5; i++) more.push((await signPetition(t.app, { email: `y${i}@example.${['org', 'net', 'com', 'info', 'io'][i]}` })).status);
      assert.deepEqual(more, [303, 303, 303, 303, 429]);
      // A second instance on the same database refuses what the first used up.
      const second = createApp({ config: t.config, db: t.db.pool, log: t.log, queue: t.queue, secret: t.config.appSecret!, health: { databaseAnswers: async () => true } });
      assert.equal((await signPetition(second, { email: 'z@example.org' })).status, 429);
    } finally {
      await t.close();
    }
  });
});
