// A real kill: `npm run worker` is killed with SIGKILL in the middle of sending
// an update to a thousand supporters, and a new worker process finishes it.
// Every supporter gets the update; a message the SMTP server took just before
// the kill and whose record the dead worker never wrote may go again, and then
// under the same Message-ID (src/mail/send-once.ts), so the receiving side can
// drop it. The test prints how many did.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { composeUpdate, createAction, seedSupporters, sendUpdate, updateState, waitUntil } from './seed.ts';

const COUNT = 1000;

describe('a worker process killed mid-send', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let agent: Agent;
  const children: ChildProcess[] = [];

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    agent = (await signIn(t)).agent;
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await t.close();
    await smtp.stop();
  });

  /** `npm run worker` on the test's database and SMTP server, as production would run it. */
  function startWorkerProcess(): ChildProcess {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      env: {
        ...env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: t.db.url,
        SMTP_URL: smtp.url,
        BASE_URL: t.config.baseUrl,
        APP_SECRET: t.config.appSecret!,
        DATA_DIR: 'data/test-mail',
        // Slow enough to kill it part-way, quick enough for a test.
        UPDATES_PER_SECOND: '250',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  it('has every supporter receive the update, and a repeat only under the same Message-ID', { timeout: 120_000 }, async () => {
    const actionId = await createAction(t, 'killed');
    await seedSupporters(t, { prefix: 'kill', count: COUNT, actionId });
    const updateId = await composeUpdate(agent, { subject: 'Killed mid-send', body: 'Still here.' });
    await sendUpdate(agent, updateId);

    const first = startWorkerProcess();
    await smtp.waitFor(() => true, 300, 60_000);
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    const atKill = smtp.messages.length;
    assert.ok(atKill < COUNT, `killed part-way (${atKill} sent)`);

    // What the dead process had claimed stays claimed until its lease runs
    // out (minutes); the test ends the leases instead of waiting for them.
    await t.db.pool.query("UPDATE update_recipients SET claimed_until = now() - interval '1 second' WHERE claimed_until > now()");
    await t.db.pool.query("UPDATE sent_emails SET claimed_until = now() - interval '1 second' WHERE status = 'sending'");
    startWorkerProcess();
    await waitUntil(async () => (await updateState(t, updateId)) === 'sent', 'the update to be sent', 90_000);

    const byRecipient = new Map<string, Set<string>>();
    for (const mail of smtp.messages) {
      for (const to of mail.envelopeTo) byRecipient.set(to, (byRecipient.get(to) ?? new Set()).add(mail.messageId ?? ''));
    }
    for (let i = 1; i <= COUNT; i++) assert.ok(byRecipient.has(`kill-${i}@example.org`), `kill-${i} got the update`);
    for (const [to, ids] of byRecipient) assert.equal(ids.size, 1, `${to}: one Message-ID, however often it went`);
    const repeats = smtp.messages.length - byRecipient.size;
    console.log(`killed with ${atKill} of ${COUNT} sent; ${repeats} sent again under their first Message-ID`);
    // At most what was in the air at the kill: one claimed batch (src/updates/deliver.task.ts, 50).
    assert.ok(repeats <= 50, `${repeats} repeats`);
    const { rows } = await t.db.pool.query('SELECT state, count(*)::int AS n FROM update_recipients WHERE update_id = $1 GROUP BY state', [updateId]);
    assert.deepEqual(rows, [{ state: 'sent', n: COUNT }]);
  });
});
