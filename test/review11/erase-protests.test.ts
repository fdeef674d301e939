// Review of issue 11: test/review9/erase-scan signs petitions only, so its
// green says nothing of RSVPs, their notices, the letter signed alongside, the
// local organiser's link, or a proposal. Here a supporter RSVPs (sharing their
// name and email, with the letter alongside), confirms, is told of a move, and
// proposes a protest with the same address; then erases everything. No row of
// any table may still hold their address, their name or what they typed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createFormTiming } from '../../src/http/form-timing.ts';
import { queueNotice } from '../../src/protests/protest-notices.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { openForm, pressButtonBehind } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';
import { seedCall, seedProtest } from '../protests/rsvp-seed.ts';

describe('review 11: erasure leaves nothing of RSVPs and proposals', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  async function tablesHolding(needle: string): Promise<string[]> {
    const { rows } = await t.db.pool.query<{ s: string; t: string }>(
      "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'",
    );
    const found: string[] = [];
    for (const { s, t: table } of rows) {
      const q = await t.db.pool.query(`SELECT count(*)::int AS n FROM "${s}"."${table}" x WHERE x::text ILIKE '%' || $1 || '%'`, [needle]);
      if (q.rows[0].n > 0) found.push(`${s}.${table}`);
    }
    return found;
  }
  const mailTo = async (address: string, subject: RegExp) => {
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address) && subject.test(m.subject ?? ''));
    smtp.messages.splice(smtp.messages.indexOf(mail!), 1);
    return mail!;
  };

  it('erases every trace', async () => {
    const email = 'rsvp.trace@example.org';
    const call = await seedCall(t, 'review11-erase');
    await t.db.pool.query('UPDATE protest_calls SET proposals_open = true WHERE action_id = $1', [call.actionId]);
    const protest = await seedProtest(t, call, { capacity: 10 });
    // RSVP, sharing, with the letter alongside; confirm.
    const agent = request.agent(t.app);
    const csrf = await openForm(agent, `/actions/${call.slug}`);
    assert.equal((await agent.post(`/protests/${protest}/rsvp`).type('form').send({ _csrf: csrf, name: 'Rsvpina Traceworthy', email, share_with_organiser: 'on', wants_updates: 'on', sign_letter: 'on' })).status, 303);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(await mailTo(email, /confirm your RSVP/)))).status, 303);
    // A move, and its notice.
    await t.db.pool.query("UPDATE protests SET version = 2, meeting_point = 'By the gate' WHERE id = $1", [protest]);
    await queueNotice(t.db.pool, protest, 'moved', 2);
    await mailTo(email, /./);
    // A proposal with the same address and a note only they wrote.
    const form = `/actions/${call.slug}/propose`;
    const proposer = request.agent(t.app);
    const token = await openForm(proposer, form);
    const stamp = createFormTiming({ secret: t.config.appSecret!, minMs: 0, now: () => Date.now() - 60_000 }).stamp();
    const proposed = await proposer.post(form).type('form').send({
      _csrf: token, rendered: stamp, name: 'Rsvpina Traceworthy', email, country: 'DE', city: 'Hamburg', place: 'Consulate', address: 'Hafenstraße 1',
      meeting_point: '', date: '2027-12-16', start: '12:00', end: '13:00', time_zone: 'Europe/Berlin', description: 'Xylophonic vigil plans',
    });
    assert.equal(proposed.status, 303, proposed.text.slice(0, 300));
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok((await tablesHolding(email)).length > 0, 'the scan finds the address before');

    // The privacy link, and erasure.
    const asker = request.agent(t.app);
    const csrf2 = await openForm(asker, '/privacy');
    assert.equal((await asker.post('/privacy').type('form').send({ _csrf: csrf2, email })).status, 303);
    const mail = await mailTo(email, /Your data/);
    const link = new URL(/https?:\/\/\S+\/privacy\/data\/[A-Za-z0-9_-]+/.exec(mail.text!)![0]).pathname;
    const eraser = request.agent(t.app);
    const csrf3 = await openForm(eraser, link);
    assert.equal((await eraser.post(`${link}/erase`).type('form').send({ _csrf: csrf3, confirm: 'yes' })).status, 303);
    await new Promise((r) => setTimeout(r, 1500));

    const left: Record<string, string[]> = {};
    for (const needle of [email, 'Traceworthy', 'Xylophonic']) {
      const tables = await tablesHolding(needle);
      if (tables.length) left[needle] = tables;
    }
    assert.deepEqual(left, {});
  });
});
