// Unsubscribing from updates: the page behind the link changes nothing; a
// POST, as a mail provider sends it (RFC 8058: no cookie, no CSRF token, from
// another site), unsubscribes at once; a token that is not one is a 404; and
// the messages of a send in progress are not sent to those who left, nor to
// suppressed addresses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { suppress, suppressionsOf } from '../../src/mail/suppressions.ts';
import { listConsents } from '../../src/supporters/supporters.repo.ts';
import { fanOut } from '../../src/updates/email-supporters.job.ts';
import { deriveUnsubscribeKey, unsubscribeToken } from '../../src/updates/unsubscribe-token.ts';
import { createTestApp, startTestWorkers, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { composeUpdate, createAction, seedSupporters, sendUpdate, updateState, waitUntil } from './seed.ts';

describe('unsubscribing from updates', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let agent: Agent;
  let key: Buffer;
  let actionId: number;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, UPDATES_PER_SECOND: '1000' } });
    agent = (await signIn(t)).agent;
    key = deriveUnsubscribeKey(t.config.appSecret!);
    actionId = await createAction(t, 'leaving');
  });
  after(async () => {
    await t.workers?.stop();
    await t.close();
    await smtp.stop();
  });

  const liveConsent = async (id: number) => (await listConsents(t.db.pool, id)).some((c) => c.withdrawn_at === null);

  it('shows a page with one button on GET, and changes nothing', async () => {
    const [id] = await seedSupporters(t, { prefix: 'looker', count: 1, actionId });
    const path = `/unsubscribe/${unsubscribeToken(key, id!)}`;
    const res = await request(t.app).get(path).expect(200);
    assert.equal((res.text.match(/<button/g) ?? []).length, 1, 'one button');
    assert.match(res.text, new RegExp(`<form method="post" action="${path.replace('.', '\\.')}">`));
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(await liveConsent(id!), true, 'still subscribed');
    assert.deepEqual(await suppressionsOf(t.db.pool, 'looker-1@example.org'), []);
  });

  it('unsubscribes on a one-click POST with no cookie and no CSRF token, from another site, once and for all', async () => {
    const [id] = await seedSupporters(t, { prefix: 'oneclick', count: 1, actionId });
    const path = `/unsubscribe/${unsubscribeToken(key, id!)}`;
    // What a provider sends: its own servers, or a webmail page elsewhere.
    const res = await request(t.app).post(path).set('Sec-Fetch-Site', 'cross-site').set('Origin', 'https://mail.example.com').type('form').send('List-Unsubscribe=One-Click');
    assert.equal(res.status, 200);
    assert.equal(res.headers['set-cookie'], undefined, 'no cookie asked for or given');
    const [consent] = await listConsents(t.db.pool, id!);
    assert.ok(consent!.withdrawn_at);
    assert.equal(consent!.withdrawn_via, 'one-click');
    assert.deepEqual((await suppressionsOf(t.db.pool, 'oneclick-1@example.org')).map((s) => s.reason), ['unsubscribe']);
    // Again: nothing more, and no error.
    await request(t.app).post(path).type('form').send('List-Unsubscribe=One-Click').expect(200);
    assert.equal((await listConsents(t.db.pool, id!)).length, 1);
    assert.match((await request(t.app).get(path).expect(200)).text, /You are unsubscribed/);
  });

  it('records the page’s button as the unsubscribe link', async () => {
    const [id] = await seedSupporters(t, { prefix: 'button', count: 1, actionId });
    await request(t.app).post(`/unsubscribe/${unsubscribeToken(key, id!)}`).type('form').send({}).expect(200);
    assert.equal((await listConsents(t.db.pool, id!))[0]!.withdrawn_via, 'unsubscribe-link');
  });

  it('answers 404, never 500, to a forged or garbled token, and changes nothing', async () => {
    const [victim, other] = await seedSupporters(t, { prefix: 'victim', count: 2, actionId });
    const good = unsubscribeToken(key, victim!);
    const otherMac = unsubscribeToken(key, other!).split('.')[1];
    const forged = [
      `${victim}.${otherMac}`, // another supporter's MAC
      unsubscribeToken(deriveUnsubscribeKey('another-secret-another-secret-another-secret'), victim!), // another key
      good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A'),
      good.slice(0, -2),
      'garbage',
      '0.AAAAAAAAAAAAAAAAAAAAAA',
      '99999999999999999999.AAAAAAAAAAAAAAAAAAAAAA',
    ];
    for (const token of forged) {
      assert.equal((await request(t.app).get(`/unsubscribe/${token}`)).status, 404, `GET ${token}`);
      assert.equal((await request(t.app).post(`/unsubscribe/${token}`).type('form').send('List-Unsubscribe=One-Click')).status, 404, `POST ${token}`);
    }
    // Not even a path Express can decode: a 400, still no 500.
    assert.equal((await request(t.app).post('/unsubscribe/%E0%A4%A').type('form').send('List-Unsubscribe=One-Click')).status, 400);
    assert.equal(await liveConsent(victim!), true);
  });

  it('sends nothing more to those who unsubscribed after the fan-out, nor to suppressed addresses', async () => {
    const newAction = await createAction(t, 'in-progress');
    const [stays, leaves, bounced] = await seedSupporters(t, { prefix: 'midsend', count: 3, actionId: newAction });
    const updateId = await composeUpdate(agent, { subject: 'While it runs', audience: 'actions', actions: [newAction] });
    await sendUpdate(agent, updateId);
    // The audience is snapshotted (no workers yet), then one leaves and one bounces elsewhere.
    assert.equal(await fanOut(t.db.pool, updateId), 3);
    await request(t.app).post(`/unsubscribe/${unsubscribeToken(key, leaves!)}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    await suppress(t.db.pool, 'midsend-3@example.org', 'bounce', '550 no such mailbox');
    t.workers = await startTestWorkers(t);
    await waitUntil(async () => (await updateState(t, updateId)) === 'sent', 'the update to be sent');
    assert.deepEqual(smtp.messages.filter((m) => m.subject === 'While it runs').map((m) => m.envelopeTo), [['midsend-1@example.org']]);
    const { rows } = await t.db.pool.query<{ supporter_id: number; state: string }>('SELECT supporter_id, state FROM update_recipients WHERE update_id = $1 ORDER BY supporter_id', [updateId]);
    assert.deepEqual(rows.map((r) => [r.supporter_id, r.state]), [[stays, 'sent'], [leaves, 'unsubscribed'], [bounced, 'suppressed']]);
    const page = await agent.get(`/admin/updates/${updateId}`).expect(200);
    assert.match(page.text, /data-count="unsubscribed">1</);
    assert.match(page.text, /data-count="suppressed">1</);

    // And the next update leaves them out from the start.
    const next = await composeUpdate(agent, { subject: 'The next one', audience: 'actions', actions: [newAction] });
    await sendUpdate(agent, next);
    await waitUntil(async () => (await updateState(t, next)) === 'sent', 'the next update to be sent');
    assert.deepEqual(smtp.messages.filter((m) => m.subject === 'The next one').map((m) => m.envelopeTo), [['midsend-1@example.org']]);
  });
});
