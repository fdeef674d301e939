// Campaign updates in the admin: compose, a preview that saves nothing, a test
// that goes to the organiser alone, audiences (the campaign, or some actions,
// each supporter once), a schedule that starts when due, cancelling, the
// audit log, and the suppression list.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { suppressionsOf } from '../../src/mail/suppressions.ts';
import { listConsents } from '../../src/supporters/supporters.repo.ts';
import { fanOut } from '../../src/updates/email-supporters.job.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { csrfToken, signIn, type TestOrganiser } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { composeUpdate, createAction, seedSupporters, sendUpdate, updateState, waitUntil } from './seed.ts';

const recipientsOf = async (t: TestApp, updateId: number) =>
  (await t.db.pool.query<{ email: string }>('SELECT p.email FROM update_recipients r JOIN supporters p ON p.id = r.supporter_id WHERE r.update_id = $1 ORDER BY p.email', [updateId])).rows.map((r) => r.email);

describe('campaign updates in the admin', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let agent: Agent;
  let organiser: TestOrganiser;
  let a: number;
  let b: number;
  let c: number;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, UPDATES_PER_SECOND: '1000', CAMPAIGN_TIME_ZONE: 'Asia/Almaty' } });
    // An organiser, not an admin: updates are every organiser's work.
    ({ agent, organiser } = await signIn(t, { role: 'organiser', name: 'Dana Organiser' }));
    a = await createAction(t, 'action-a', 'Action A');
    b = await createAction(t, 'action-b', 'Action B');
    c = await createAction(t, 'action-c', 'Action C');
    await seedSupporters(t, { prefix: 'only-a', count: 2, actionId: a });
    await seedSupporters(t, { prefix: 'only-b', count: 1, actionId: b });
    await seedSupporters(t, { prefix: 'only-c', count: 1, actionId: c });
    // Signed both A and B: one message, not two.
    await seedSupporters(t, { prefix: 'both', count: 1, actionId: a });
    await seedSupporters(t, { prefix: 'both', count: 1, actionId: b });
    // Signed A, never agreed to updates.
    await seedSupporters(t, { prefix: 'no-consent', count: 1, actionId: a, consent: false });
    // Agreed to updates, but their signature of A was invalidated: not a supporter of A.
    await seedSupporters(t, { prefix: 'invalid', count: 1, actionId: a });
    const org = (await t.db.pool.query<{ id: number }>('SELECT id FROM organisers LIMIT 1')).rows[0]!.id;
    const inv = (await t.db.pool.query<{ id: number }>("INSERT INTO invalidations (action_id, criteria, reason, created_by) VALUES ($1, '{\"signature\": 1}', 'test', $2) RETURNING id", [a, org])).rows[0]!.id;
    await t.db.pool.query("UPDATE signatures SET invalidated_at = now(), invalidation_id = $1 WHERE email = 'invalid-1@example.org'", [inv]);
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  it('previews the email as a supporter gets it, saving nothing', async () => {
    const _csrf = await csrfToken(agent, '/admin/updates/new');
    const res = await agent.post('/admin/updates/preview').type('form').send({ _csrf, subject: 'Preview me', body: '# News\n\nThe [petition](/actions/action-a) grows.', audience: 'actions', actions: [String(a)] });
    assert.equal(res.status, 200);
    assert.match(res.text, /<iframe[^>]+sandbox[^>]+srcdoc="[^"]*The &lt;a href&#x3D;&quot;http:\/\/placard\.test\/actions\/action-a/);
    assert.match(res.text, /You are receiving this because you agreed to receive updates from Placard when you signed “Action A”/);
    assert.match(res.text, /Supporters it would go to, sent now: 3\./, 'A: two, plus the one who signed both');
    assert.match(res.text, /To stop receiving these updates, open this link:\n?\s*http:\/\/placard\.test\/unsubscribe\//, 'the text part, with its link');
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM updates')).rows[0].n, 0, 'nothing saved');
  });

  it('refuses a form without a subject or with an unknown action, by the field', async () => {
    const _csrf = await csrfToken(agent, '/admin/updates/new');
    const res = await agent.post('/admin/updates').type('form').send({ _csrf, subject: ' ', body: 'x', audience: 'actions', actions: ['999999'] });
    assert.equal(res.status, 422);
    assert.match(res.text, /id="update-subject-error">Write a subject\./);
    assert.match(res.text, /id="update-actions-error">One of the ticked actions no longer exists/);
  });

  it('sends a test to the signed-in organiser only, subject marked [Test]', async () => {
    const id = await composeUpdate(agent, { subject: 'Testing one two' });
    const _csrf = await csrfToken(agent, `/admin/updates/${id}`);
    await agent.post(`/admin/updates/${id}/test`).type('form').send({ _csrf }).expect(303);
    const [mail] = await smtp.waitFor((m) => m.subject === '[Test] Testing one two');
    assert.deepEqual(mail!.envelopeTo, [organiser.email]);
    assert.match(mail!.text ?? '', /A test for Dana Organiser/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(smtp.messages.filter((m) => /Testing one two/.test(m.subject ?? '')).length, 1, 'nobody else');
    assert.equal(await updateState(t, id), 'draft', 'a test sends nothing to supporters');
  });

  it('sends to the supporters of the chosen actions, each once; to the whole campaign, every consenting one', async () => {
    const byActions = await composeUpdate(agent, { subject: 'To A and B', audience: 'actions', actions: [a, b] });
    await sendUpdate(agent, byActions);
    await waitUntil(async () => (await updateState(t, byActions)) === 'sent', 'sent');
    const expected = ['both-1@example.org', 'only-a-1@example.org', 'only-a-2@example.org', 'only-b-1@example.org'];
    assert.deepEqual(await recipientsOf(t, byActions), expected);
    assert.deepEqual(smtp.messages.filter((m) => m.subject === 'To A and B').flatMap((m) => m.envelopeTo).sort(), expected);

    const everyone = await composeUpdate(agent, { subject: 'To everyone' });
    await sendUpdate(agent, everyone);
    await waitUntil(async () => (await updateState(t, everyone)) === 'sent', 'sent');
    assert.deepEqual(await recipientsOf(t, everyone), [...expected, 'invalid-1@example.org', 'only-c-1@example.org'].sort(), 'consent is what counts for the campaign');

    // The fan-out run again (a retry after a crash) adds nobody twice.
    await t.db.pool.query('UPDATE updates SET fan_out_cursor = 0, fanned_out_at = NULL, state = $2 WHERE id = $1', [everyone, 'sending']);
    assert.equal(await fanOut(t.db.pool, everyone, 2), 0);
    assert.equal((await recipientsOf(t, everyone)).length, 6);
    await t.db.pool.query("UPDATE updates SET state = 'sent' WHERE id = $1", [everyone]);
  });

  it('starts a scheduled update when its time comes', async () => {
    const id = await composeUpdate(agent, { subject: 'Later on', audience: 'actions', actions: [c] });
    await sendUpdate(agent, id, '2099-01-01T09:00');
    const { rows } = await t.db.pool.query<{ state: string; send_at: Date }>('SELECT state, send_at FROM updates WHERE id = $1', [id]);
    assert.equal(rows[0]!.state, 'scheduled');
    assert.equal(rows[0]!.send_at.toISOString(), '2099-01-01T04:00:00.000Z', '09:00 in Almaty (UTC+5)');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(await updateState(t, id), 'scheduled', 'not before its time');
    await t.db.pool.query("UPDATE updates SET send_at = now() - interval '1 minute' WHERE id = $1", [id]);
    await waitUntil(async () => (await updateState(t, id)) === 'sent', 'the scheduled update to go out');
    assert.deepEqual(smtp.messages.filter((m) => m.subject === 'Later on').flatMap((m) => m.envelopeTo), ['only-c-1@example.org']);
  });

  it('refuses a time in the past, and cancels a scheduled update so that it never goes', async () => {
    const id = await composeUpdate(agent, { subject: 'Never mind' });
    let _csrf = await csrfToken(agent, `/admin/updates/${id}`);
    const past = await agent.post(`/admin/updates/${id}/send`).type('form').send({ _csrf, when: 'later', send_at: '2001-01-01T10:00' });
    assert.equal(past.status, 422);
    assert.match(past.text, /Choose a time that is still to come/);
    await sendUpdate(agent, id, '2099-01-01T09:00');
    _csrf = await csrfToken(agent, `/admin/updates/${id}`);
    await agent.post(`/admin/updates/${id}/cancel`).type('form').send({ _csrf }).expect(303);
    await t.db.pool.query("UPDATE updates SET send_at = now() - interval '1 minute' WHERE id = $1", [id]);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(await updateState(t, id), 'cancelled');
    assert.equal(smtp.messages.filter((m) => m.subject === 'Never mind').length, 0);
    // Sending a cancelled update is refused with a message, not a 500.
    _csrf = await csrfToken(agent, `/admin/updates/${id}`);
    assert.equal((await agent.post(`/admin/updates/${id}/send`).type('form').send({ _csrf, when: 'now' })).status, 422);
  });

  it('records every change in the audit log', async () => {
    const { rows } = await t.db.pool.query<{ event: string }>("SELECT DISTINCT event FROM audit_log WHERE subject_type = 'update' ORDER BY event");
    assert.deepEqual(rows.map((r) => r.event), ['update.cancel', 'update.create', 'update.schedule', 'update.send', 'update.start', 'update.test']);
  });

  it('lists the updates, and shows a sending one refreshing itself', async () => {
    const list = await agent.get('/admin/updates').expect(200);
    assert.match(list.text, /To A and B/);
    const id = await composeUpdate(agent, { subject: 'Held', audience: 'actions', actions: [c] });
    await t.db.pool.query("UPDATE updates SET state = 'sending' WHERE id = $1", [id]);
    const page = await agent.get(`/admin/updates/${id}`).expect(200);
    assert.match(page.text, /<meta http-equiv="refresh" content="3">/);
    await t.db.pool.query("UPDATE updates SET state = 'cancelled' WHERE id = $1", [id]);
  });

  it('shows the suppression list by reason; adds a complaint and removes a bounce, audited, keeping only the hash', async () => {
    let _csrf = await csrfToken(agent, '/admin/suppressions');
    await agent.post('/admin/suppressions').type('form').send({ _csrf, change: 'complaint', email: ' Only-A-1@Example.org ', detail: 'reported by the person' }).expect(303);
    assert.deepEqual((await suppressionsOf(t.db.pool, 'only-a-1@example.org')).map((s) => s.reason), ['complaint']);
    const supporter = (await t.db.pool.query<{ id: number }>("SELECT id FROM supporters WHERE email = 'only-a-1@example.org'")).rows[0]!;
    assert.equal((await listConsents(t.db.pool, supporter.id))[0]!.withdrawn_via, 'complaint');
    const page = await agent.get('/admin/suppressions').expect(200);
    assert.match(page.text, /data-reason="complaint">1</);
    assert.doesNotMatch(page.text, /only-a-1@example\.org/i);

    await t.db.pool.query("INSERT INTO suppressions (email_hash, reason) SELECT email_hash, 'bounce' FROM suppressions WHERE reason = 'complaint'");
    _csrf = await csrfToken(agent, '/admin/suppressions');
    await agent.post('/admin/suppressions').type('form').send({ _csrf, change: 'lift-bounce', email: 'only-a-1@example.org' }).expect(303);
    assert.deepEqual((await suppressionsOf(t.db.pool, 'only-a-1@example.org')).map((s) => s.reason), ['complaint']);
    _csrf = await csrfToken(agent, '/admin/suppressions');
    const bad = await agent.post('/admin/suppressions').type('form').send({ _csrf, change: 'complaint', email: 'not an address' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /id="suppression-email-error"/);
    const { rows } = await t.db.pool.query<{ event: string; summary: string }>("SELECT event, summary FROM audit_log WHERE subject_type = 'suppression' ORDER BY id");
    assert.deepEqual(rows.map((r) => r.event), ['suppression.complaint', 'suppression.lift_bounce']);
    assert.ok(rows.every((r) => !r.summary.includes('@')), 'no address in the log');
  });

  it('unsubscribes on request (a mailto: unsubscribe, a reply): consent withdrawn by the organiser, suppressed as an unsubscribe, not a complaint', async () => {
    const _csrf = await csrfToken(agent, '/admin/suppressions');
    await agent.post('/admin/suppressions').type('form').send({ _csrf, change: 'unsubscribe', email: 'Only-A-2@example.org', detail: 'wrote to the unsubscribe address' }).expect(303);
    assert.deepEqual((await suppressionsOf(t.db.pool, 'only-a-2@example.org')).map((s) => s.reason), ['unsubscribe']);
    const supporter = (await t.db.pool.query<{ id: number }>("SELECT id FROM supporters WHERE email = 'only-a-2@example.org'")).rows[0]!;
    assert.equal((await listConsents(t.db.pool, supporter.id))[0]!.withdrawn_via, 'organiser');
    const { rows } = await t.db.pool.query<{ event: string }>("SELECT event FROM audit_log WHERE subject_type = 'suppression' ORDER BY id DESC LIMIT 1");
    assert.equal(rows[0]!.event, 'suppression.unsubscribe');
  });
});
