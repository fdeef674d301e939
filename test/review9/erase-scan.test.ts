// Review of issue 9: after a supporter erases everything, no row of any table
// (Placard's and the job queue's, every column as text) still holds their
// address, their name, what they typed, or their IP hash.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, openForm, pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

describe('review 9: erasure leaves nothing', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000', SIGN_MIN_SECONDS: '0' } });
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

  it('erases every trace', async () => {
    const email = 'Trace.Person@Example.org';
    const lower = email.toLowerCase();
    const other = (await t.db.pool.query<{ slug: string }>("SELECT slug FROM actions WHERE status = 'open' AND slug <> $1 ORDER BY id LIMIT 1", [ACTION])).rows[0]!.slug;
    for (const slug of [ACTION, other]) {
      assert.equal((await signPetition(t.app, { email, name: 'Tracey Uniquename', comment: 'Zyxwv comment', locality: 'Qwertytown', wants_updates: 'yes' }, slug)).status, 303);
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(lower) && /confirm/i.test(m.subject ?? '')).catch((e) => { throw new Error(`${e.message}: ${smtp.messages.map((m) => `${m.envelopeTo} ${m.subject}`).join('; ')}`); });
      smtp.messages.splice(smtp.messages.indexOf(mail!), 1);
      if (slug === ACTION) assert.equal((await pressButtonBehind(t.app, confirmationLink(mail!))).status, 303);
    }
    // Sign the confirmed one again (an "already signed" notice), and ask for a privacy link twice.
    await signPetition(t.app, { email, name: 'Tracey Uniquename' });
    let link = '';
    for (let i = 0; i < 2; i++) {
      const agent = request.agent(t.app);
      const csrf = await openForm(agent, '/privacy');
      assert.equal((await agent.post('/privacy').type('form').send({ _csrf: csrf, email })).status, 303);
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(lower) && m.subject === "Your data: the link you asked for").catch((e) => { throw new Error(`${e.message}: ${smtp.messages.map((m) => `${m.envelopeTo} ${m.subject}`).join("; ")}`); });
      smtp.messages.splice(smtp.messages.indexOf(mail!), 1);
      link = new URL(/https?:\/\/\S+\/privacy\/data\/[A-Za-z0-9_-]+/.exec(mail!.text!)![0]).pathname;
    }
    await new Promise((r) => setTimeout(r, 1500));
    const ipHash = (await t.db.pool.query<{ h: string }>("SELECT encode(ip_hash, 'hex') AS h FROM signatures WHERE email = $1 AND ip_hash IS NOT NULL LIMIT 1", [lower])).rows[0]?.h;
    assert.ok((await tablesHolding(lower)).length > 0, 'the scan finds the address before');

    const agent = request.agent(t.app);
    const csrf = await openForm(agent, link);
    assert.equal((await agent.post(`${link}/erase`).type('form').send({ _csrf: csrf, confirm: 'yes' })).status, 303);
    await new Promise((r) => setTimeout(r, 1500));

    const left: Record<string, string[]> = {};
    for (const needle of [lower, 'Uniquename', 'Zyxwv', 'Qwertytown', ...(ipHash ? [ipHash] : [])]) {
      const tables = await tablesHolding(needle);
      if (tables.length) left[needle] = tables;
    }
    assert.deepEqual(left, {});
  });
});
