// Review of issue 10: a supporter who signed a letter (their letter sent with
// Reply-To them, a copy to them, a second letter held with their paragraph)
// and then erases everything leaves no row of any table that holds their
// address, name, town or paragraph.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { openForm, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const BAR = 'bar-council-call-off-the-mission';

describe('review 10: erasure after a letter', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, LETTERS_PACING: 'off', RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
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

  async function signAndConfirm(email: string, fields: Record<string, string>, slug: string) {
    assert.equal((await signPetition(t.app, { email, ...fields }, slug)).status, 303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email) && /confirm/i.test(m.subject ?? ''));
    smtp.messages.splice(smtp.messages.indexOf(mail!), 1);
    assert.equal((await pressButtonBehind(t.app, confirmationLink(mail!))).status, 303);
  }

  it('erases every trace, letters included', async () => {
    const email = 'letter.writer@example.org';
    const embassy = (await t.db.pool.query<{ slug: string }>("SELECT a.slug FROM actions a JOIN letters l ON l.action_id = a.id WHERE l.delivery = 'digest' AND a.status = 'open' LIMIT 1")).rows[0]?.slug;
    await signAndConfirm(email, { name: 'Lettice Uniquewriter', locality: 'Qwertyburg', country: 'GB', letter_reply_to: 'on', wants_updates: 'yes' }, BAR);
    if (embassy) await signAndConfirm(email, { name: 'Lettice Uniquewriter', locality: 'Qwertyburg', country: 'GB', comment: 'Zyxwvletter paragraph' }, embassy);
    // The letter reaches the Bar Council with Reply-To the supporter, and the copy reaches the supporter.
    const [letter] = await smtp.waitFor((m) => m.envelopeTo.includes('bar-council@example.org'));
    assert.match(letter!.text ?? '', /Lettice Uniquewriter/);
    await smtp.waitFor((m) => m.envelopeTo.includes(email) && !/confirm/i.test(m.subject ?? ''));
    assert.ok((await tablesHolding(email)).length > 0, 'the scan finds the address before');

    const agent = request.agent(t.app);
    let csrf = await openForm(agent, '/privacy');
    assert.equal((await agent.post('/privacy').type('form').send({ _csrf: csrf, email })).status, 303);
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email) && m.subject === 'Your data: the link you asked for');
    const link = new URL(/https?:\/\/\S+\/privacy\/data\/[A-Za-z0-9_-]+/.exec(mail!.text!)![0]).pathname;
    csrf = await openForm(agent, link);
    assert.equal((await agent.post(`${link}/erase`).type('form').send({ _csrf: csrf, confirm: 'yes' })).status, 303);
    await new Promise((r) => setTimeout(r, 1500));

    const left: Record<string, string[]> = {};
    for (const needle of [email, 'Uniquewriter', 'Qwertyburg', 'Zyxwvletter']) {
      const tables = await tablesHolding(needle);
      if (tables.length) left[needle] = tables;
    }
    assert.deepEqual(left, {});
  });
});
