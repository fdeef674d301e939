// Organisers' accounts over HTTP: signing in and out, what a wrong guess is
// told, rate limits, session lifetimes, resets by email over a real SMTP
// server, roles, and the audit log.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createSignInLink } from '../../src/admin/accounts.service.ts';
import { createAccount, csrfToken, signIn, signInAgent } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';
import { TestSmtpServer, type ReceivedMail } from '../helpers/smtp.ts';

function linkIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https?://\\S+${path}/[A-Za-z0-9_-]+`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${path} link in the email`);
  return new URL(match[0]).pathname;
}

async function signInAttempt(t: TestApp, email: string, password: string, agent: Agent = request.agent(t.app)) {
  const token = await csrfToken(agent, '/admin/sign-in');
  return agent.post('/admin/sign-in').type('form').send({ _csrf: token, email, password });
}

describe('signing in and out', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());
  // Every request here comes from one address: each test starts with fresh limits.
  beforeEach(() => t.db.pool.query('DELETE FROM rate_limit_hits'));

  it('signs in with the right password, in a new session, and out again', async () => {
    const organiser = await createAccount(t);
    const agent = request.agent(t.app);
    // A session id planted before signing in is not the one used after.
    const planted = await signInAttempt(t, organiser.email, 'wrong password here', agent);
    assert.equal(planted.status, 401);
    const res = await signInAttempt(t, organiser.email, organiser.password, agent);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/admin');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('placard.admin='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    const { rows } = await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM admin_sessions WHERE sess -> 'organiser' ->> 'id' = $1`, [String(organiser.id)]);
    assert.equal(rows[0]!.n, 1);

    const account = await agent.get('/admin/account').expect(200);
    assert.match(account.text, new RegExp(organiser.email));
    const token = /name="_csrf" value="([^"]+)"/.exec(account.text)![1];
    const out = await agent.post('/admin/sign-out').type('form').send({ _csrf: token });
    assert.equal(out.status, 303);
    const after = await agent.get('/admin/account');
    assert.equal(after.status, 303);
    const left = await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM admin_sessions WHERE sess -> 'organiser' ->> 'id' = $1`, [String(organiser.id)]);
    assert.equal(left.rows[0]!.n, 0, 'the session is gone from the store');
  });

  it('gives each sign-in a new session id, so a planted or earlier one is never signed in', async () => {
    const organiser = await createAccount(t);
    const agent = request.agent(t.app);
    const sid = (res: request.Response) => (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('placard.admin='))!.split(';')[0];
    const first = sid(await signInAttempt(t, organiser.email, organiser.password, agent));
    const second = sid(await signInAttempt(t, organiser.email, organiser.password, agent));
    assert.notEqual(first, second);
    const stale = await request(t.app).get('/admin/account').set('Cookie', first!);
    assert.equal(stale.status, 303, 'the earlier session id no longer works');
  });

  it('refuses a session that began before the organiser\'s sessions were ended', async () => {
    const { agent, organiser } = await signIn(t);
    await agent.get('/admin/account').expect(200);
    await t.db.pool.query('UPDATE organisers SET sessions_valid_after = now() WHERE id = $1', [organiser.id]);
    assert.equal((await agent.get('/admin/account')).status, 303);
  });

  it('comes back to the page asked for, but never to another site', async () => {
    const organiser = await createAccount(t);
    const agent = request.agent(t.app);
    const token = await csrfToken(agent, '/admin/sign-in?next=/admin/account');
    const back = await agent.post('/admin/sign-in').type('form').send({ _csrf: token, email: organiser.email, password: organiser.password, next: '/admin/account' });
    assert.equal(back.headers.location, '/admin/account');
    for (const next of ['//evil.example/admin', 'https://evil.example', '/admin/../../x', '/admin/%2e%2e/x', '/admin/%2E%2E%2Fx', '/\\evil.example']) {
      const other = request.agent(t.app);
      const otherToken = await csrfToken(other, '/admin/sign-in');
      const res = await other.post('/admin/sign-in').type('form').send({ _csrf: otherToken, email: organiser.email, password: organiser.password, next });
      assert.equal(res.headers.location, '/admin', `next=${next}`);
    }
  });

  it('answers a wrong password, an unknown email and a disabled account in the same words', async () => {
    const organiser = await createAccount(t);
    const disabled = await createAccount(t);
    await t.db.pool.query('UPDATE organisers SET disabled_at = now() WHERE id = $1', [disabled.id]);
    const wrong = await signInAttempt(t, organiser.email, 'not the password at all');
    const unknown = await signInAttempt(t, 'nobody@example.org', 'not the password at all');
    const off = await signInAttempt(t, disabled.email, disabled.password);
    for (const res of [wrong, unknown, off]) {
      assert.equal(res.status, 401);
      assert.match(res.text, /do not match an account/);
    }
    const body = (res: request.Response) => res.text.replace(/value="[^"]*"/g, '');
    assert.equal(body(wrong), body(unknown));
  });

  it('takes as long for an unknown email as for a known one (the hash is always checked)', async () => {
    const organiser = await createAccount(t);
    const median = async (email: string) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const agent = request.agent(t.app);
        const token = await csrfToken(agent, '/admin/sign-in');
        const started = process.hrtime.bigint();
        await agent.post('/admin/sign-in').type('form').send({ _csrf: token, email, password: 'not the password at all' });
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return times.sort((a, b) => a - b)[2]!;
    };
    const known = await median(organiser.email);
    const unknown = await median(`nobody-${Date.now()}@example.org`);
    // Without the stand-in hash, an unknown email answers many times faster (no argon2 at all).
    assert.ok(unknown > known / 3, `unknown ${unknown.toFixed(1)} ms vs known ${known.toFixed(1)} ms`);
  });

  it('refuses a sign-in without the form\'s token, and odd bodies without a 500', async () => {
    const res = await request(t.app).post('/admin/sign-in').type('form').send({ email: 'a@example.org', password: 'x' });
    assert.equal(res.status, 403);
    const agent = request.agent(t.app);
    const token = await csrfToken(agent, '/admin/sign-in');
    for (const body of [`_csrf=${token}&email=a&email=b&password=x`, `_csrf=${token}`, `_csrf=${token}&email=${'a'.repeat(5000)}&password=${'p'.repeat(5000)}`]) {
      const odd = await agent.post('/admin/sign-in').type('form').send(body);
      assert.equal(odd.status, 401, body.slice(0, 60));
    }
  });
});

describe('sign-in rate limits', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());
  beforeEach(() => t.db.pool.query('DELETE FROM rate_limit_hits'));

  it('stops guessing one account after 10 failures, without touching other accounts, and forgets after the window', async () => {
    const target = await createAccount(t);
    const bystander = await createAccount(t);
    for (let i = 0; i < 10; i++) assert.equal((await signInAttempt(t, target.email, `guess number ${i} here`)).status, 401);
    // The right password no longer helps within the window: the guesser cannot tell.
    assert.equal((await signInAttempt(t, target.email, target.password)).status, 429);
    assert.equal((await signInAttempt(t, target.email.toUpperCase(), target.password)).status, 429, 'the same account in capitals');
    assert.equal((await signInAttempt(t, bystander.email, bystander.password)).status, 303);
    // Not for good: when the window ends, the owner signs in.
    await t.db.pool.query(`UPDATE rate_limit_hits SET reset_at = now() - interval '1 second' WHERE key LIKE 'admin-sign-in-account:%'`);
    assert.equal((await signInAttempt(t, target.email, target.password)).status, 303);
  });

  it('does not count successful sign-ins against the account', async () => {
    const organiser = await createAccount(t);
    for (let i = 0; i < 12; i++) assert.equal((await signInAttempt(t, organiser.email, organiser.password)).status, 303);
  });

  it('limits sign-ins per address too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await signInAttempt(t, `someone-${i}@example.org`, 'a guess of some length')).status);
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401));
    assert.equal(statuses[21], 429);
  });
});

describe('session lifetime', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('ends a session left idle past ADMIN_SESSION_IDLE_MINUTES', async () => {
    const { agent, organiser } = await signIn(t);
    await agent.get('/admin/account').expect(200);
    await t.db.pool.query(`UPDATE admin_sessions SET expire = now() - interval '1 second' WHERE sess -> 'organiser' ->> 'id' = $1`, [String(organiser.id)]);
    assert.equal((await agent.get('/admin/account')).status, 303);
  });

  it('ends a session ADMIN_SESSION_MAX_HOURS after signing in, however busy', async () => {
    const { agent, organiser } = await signIn(t);
    const thirteenHoursAgo = Date.now() - 13 * 3_600_000;
    await t.db.pool.query(
      `UPDATE admin_sessions SET sess = jsonb_set(sess::jsonb, '{organiser,signedInAt}', to_jsonb($2::bigint))::json WHERE sess -> 'organiser' ->> 'id' = $1`,
      [String(organiser.id), thirteenHoursAgo],
    );
    assert.equal((await agent.get('/admin/account')).status, 303);
    const { rows } = await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM admin_sessions WHERE sess -> 'organiser' ->> 'id' = $1`, [String(organiser.id)]);
    assert.equal(rows[0]!.n, 0, 'and it is removed');
  });

  it('ends every session of an organiser whom an admin disables', async () => {
    const { agent: adminAgent } = await signIn(t, { role: 'admin' });
    const { agent, organiser } = await signIn(t);
    await agent.get('/admin/account').expect(200);
    const token = await csrfToken(adminAgent, `/admin/organisers/${organiser.id}`);
    await adminAgent.post(`/admin/organisers/${organiser.id}`).type('form').send({ _csrf: token, name: organiser.name, role: 'organiser', disabled: 'on' }).expect(303);
    assert.equal((await agent.get('/admin/account')).status, 303);
  });

  it('kills the links sent before an account was disabled, even if it is enabled again', async () => {
    const { agent: adminAgent } = await signIn(t, { role: 'admin' });
    const organiser = await createAccount(t);
    const link = await createSignInLink(t.db.pool, organiser.id);
    const change = async (disabled: boolean) => {
      const token = await csrfToken(adminAgent, `/admin/organisers/${organiser.id}`);
      await adminAgent.post(`/admin/organisers/${organiser.id}`).type('form').send({ _csrf: token, name: organiser.name, role: 'organiser', ...(disabled ? { disabled: 'on' } : {}) }).expect(303);
    };
    await change(true);
    await change(false);
    assert.equal((await request(t.app).get(`/admin/sign-in/${link}`)).status, 410);
  });
});

describe('password reset by email', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  async function requestReset(email: string) {
    const agent = request.agent(t.app);
    const token = await csrfToken(agent, '/admin/password-reset');
    return agent.post('/admin/password-reset').type('form').send({ _csrf: token, email });
  }

  it('answers the same for an unknown address and sends nothing to it', async () => {
    const known = await createAccount(t);
    const a = await requestReset(known.email);
    const b = await requestReset('stranger@example.org');
    assert.equal(a.status, 303);
    assert.equal(b.status, 303);
    assert.equal(a.headers.location, b.headers.location);
    await smtp.waitFor((m) => m.envelopeTo.includes(known.email));
    // Both jobs are done before looking: the stranger's was skipped, not late.
    for (;;) {
      const { rows } = await t.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'send-organiser-email' AND state <> 'completed'`);
      if (rows[0]!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(smtp.to('stranger@example.org').length, 0);
  });

  it('sets a new password through the emailed link: a button, once, other sessions ended, the organiser told', async () => {
    const organiser = await createAccount(t);
    const elsewhere = await signInAgent(t, organiser);
    await elsewhere.get('/admin/account').expect(200);
    await requestReset(organiser.email);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(organiser.email) && /new password/i.test(m.subject ?? ''));
    const path = linkIn(mail!, '/admin/password-reset');
    assert.equal(await t.db.pool.query(`SELECT 1 FROM organiser_tokens WHERE purpose = 'password-reset' AND organiser_id = $1`, [organiser.id]).then((r) => r.rowCount), 1, 'one token, stored hashed');
    const stored = await t.db.pool.query<{ token_hash: Buffer }>(`SELECT token_hash FROM organiser_tokens WHERE organiser_id = $1`, [organiser.id]);
    assert.ok(!stored.rows[0]!.token_hash.toString('utf8').includes(path.split('/').pop()!));

    // A mail scanner's GET uses nothing up.
    const agent = request.agent(t.app);
    await agent.get(path).expect(200);
    const token = await csrfToken(agent, path);
    const short = await agent.post(path).type('form').send({ _csrf: token, password: 'short', confirmation: 'short' });
    assert.equal(short.status, 422);
    assert.match(short.text, /at least 12 characters/);
    const mismatch = await agent.post(path).type('form').send({ _csrf: token, password: 'a long new password', confirmation: 'another long password' });
    assert.equal(mismatch.status, 422);
    const done = await agent.post(path).type('form').send({ _csrf: token, password: 'a long new password', confirmation: 'a long new password' });
    assert.equal(done.status, 303);
    await agent.get('/admin/account').expect(200);

    assert.equal((await elsewhere.get('/admin/account')).status, 303, 'the other session has ended');
    assert.equal((await request(t.app).get(path)).status, 410, 'the link works once');
    assert.equal((await signInAttempt(t, organiser.email, organiser.password)).status, 401, 'the old password is gone');
    assert.equal((await signInAttempt(t, organiser.email, 'a long new password')).status, 303);
    const [notice] = await smtp.waitFor((m) => m.envelopeTo.includes(organiser.email) && /was changed/i.test(m.subject ?? ''));
    assert.ok(notice);
  });

  it('refuses an expired link, and an unknown one, with a way to ask again', async () => {
    const organiser = await createAccount(t);
    await requestReset(organiser.email);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(organiser.email));
    const path = linkIn(mail!, '/admin/password-reset');
    await t.db.pool.query(`UPDATE organiser_tokens SET expires_at = now() - interval '1 second' WHERE organiser_id = $1`, [organiser.id]);
    const expired = await request(t.app).get(path);
    assert.equal(expired.status, 410);
    assert.match(expired.text, /href="\/admin\/password-reset"/);
    assert.equal((await request(t.app).get(`/admin/password-reset/${'B'.repeat(43)}`)).status, 410);
    assert.equal((await request(t.app).get('/admin/password-reset/not-a-token')).status, 410);
  });

  it('invites an organiser, who chooses a password from the email', async () => {
    const { agent: admin } = await signIn(t, { role: 'admin' });
    const token = await csrfToken(admin, '/admin/organisers');
    const res = await admin.post('/admin/organisers').type('form').send({ _csrf: token, name: 'Aizhan', email: 'Aizhan@Example.org', role: 'organiser' });
    assert.equal(res.status, 303);
    const taken = await admin.post('/admin/organisers').type('form').send({ _csrf: token, name: 'Again', email: 'aizhan@example.org', role: 'organiser' });
    assert.equal(taken.status, 422);
    assert.match(taken.text, /already an organiser with this email/);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes('aizhan@example.org'));
    assert.match(mail!.subject ?? '', /invited/);
    const path = linkIn(mail!, '/admin/password-reset');
    const agent = request.agent(t.app);
    const form = await csrfToken(agent, path);
    await agent.post(path).type('form').send({ _csrf: form, password: 'my chosen password', confirmation: 'my chosen password' }).expect(303);
    assert.equal((await signInAttempt(t, 'aizhan@example.org', 'my chosen password')).status, 303);
  });
});

describe('roles and the audit log', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('keeps organisers out of the pages for admins', async () => {
    const { agent } = await signIn(t, { role: 'organiser' });
    for (const path of ['/admin/organisers', '/admin/organisers/1', '/admin/audit']) {
      assert.equal((await agent.get(path)).status, 403, path);
    }
    const token = await csrfToken(agent, '/admin/account');
    assert.equal((await agent.post('/admin/organisers').type('form').send({ _csrf: token, name: 'X', email: 'x@example.org', role: 'admin' })).status, 403);
    const page = await agent.get('/admin/account');
    assert.doesNotMatch(page.text, /href="\/admin\/organisers"/, 'and the menu does not offer them');
  });

  it('never leaves the campaign without an admin, and an admin cannot disable themselves', async () => {
    const { agent, organiser } = await signIn(t, { role: 'admin' });
    await t.db.pool.query(`UPDATE organisers SET role = 'organiser' WHERE id <> $1`, [organiser.id]);
    const token = await csrfToken(agent, `/admin/organisers/${organiser.id}`);
    const demote = await agent.post(`/admin/organisers/${organiser.id}`).type('form').send({ _csrf: token, name: organiser.name, role: 'organiser' });
    assert.equal(demote.status, 422);
    assert.match(demote.text, /last admin/);
    const self = await agent.post(`/admin/organisers/${organiser.id}`).type('form').send({ _csrf: token, name: organiser.name, role: 'admin', disabled: 'on' });
    assert.equal(self.status, 422);
    assert.equal((await agent.get('/admin/organisers/99999999')).status, 404);
    assert.equal((await agent.get('/admin/organisers/abc')).status, 404);
    assert.equal((await agent.get('/admin/organisers/99999999999999999999')).status, 404);
  });

  it('records who changed what, and shows it to admins', async () => {
    const { agent, organiser } = await signIn(t, { role: 'admin', name: 'Ainur Admin' });
    const other = await createAccount(t, { name: 'Dana' });
    const token = await csrfToken(agent, `/admin/organisers/${other.id}`);
    await agent.post(`/admin/organisers/${other.id}`).type('form').send({ _csrf: token, name: 'Dana K.', role: 'admin' }).expect(303);
    const { rows } = await t.db.pool.query(`SELECT organiser_id, organiser_name, event, before, after FROM audit_log WHERE subject_type = 'organiser' AND subject_id = $1 AND event = 'organiser.update'`, [String(other.id)]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].organiser_id, organiser.id);
    assert.deepEqual(rows[0].before, { name: 'Dana', role: 'organiser' });
    assert.deepEqual(rows[0].after, { name: 'Dana K.', role: 'admin' });
    const page = await agent.get('/admin/audit').expect(200);
    assert.match(page.text, /organiser\.update/);
    assert.match(page.text, /Ainur Admin/);
    assert.match(page.text, /Dana K\./);
    const history = await agent.get(`/admin/audit?subject=organiser:${other.id}`).expect(200);
    assert.match(history.text, /organiser\.update/);
    assert.equal((await agent.get('/admin/audit?subject=%3Cscript%3E')).status, 400);
    assert.equal((await agent.get('/admin/audit?before=x')).status, 400);
  });
});

describe('sessions behind TLS', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { BASE_URL: 'https://placard.test', TRUST_PROXY: '1' } });
  });
  after(() => t.close());

  it('sets the session cookie with the __Host- prefix, Secure, HttpOnly and SameSite=Lax', async () => {
    const organiser = await createAccount(t);
    const agent = request.agent(t.app);
    const page = await agent.get('/admin/sign-in').set('X-Forwarded-Proto', 'https').expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const csrfCookie = (page.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('__Host-placard.csrf='))!;
    const res = await request(t.app)
      .post('/admin/sign-in')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', csrfCookie.split(';')[0]!)
      .type('form')
      .send({ _csrf: token, email: organiser.email, password: organiser.password });
    assert.equal(res.status, 303);
    const session = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('__Host-placard.admin='));
    assert.ok(session, 'a __Host- session cookie');
    assert.match(session, /; Path=\//);
    assert.match(session, /; Secure/);
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; SameSite=Lax/);
    assert.doesNotMatch(session, /Domain=/i);
  });
});
