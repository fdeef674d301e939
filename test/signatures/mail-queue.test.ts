import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTransaction } from '../../src/db/pool.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { startQueue } from '../../src/jobs/queue.ts';
import { jobs } from '../../src/features.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, startTestWorkers, type TestApp } from '../helpers/app.ts';
import { signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const log = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function jobStates(t: TestApp): Promise<Record<string, number>> {
  const { rows } = await t.db.pool.query<{ state: string; n: number }>(
    "SELECT state, count(*) AS n FROM pgboss.job WHERE name = 'send-confirmation' GROUP BY state",
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

describe('the confirmation email queue', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    // The web app alone: workers are started by each test as it needs them.
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000' }, retryDelaySeconds: 1 });
    await loadDemoContent(t.db.pool, log);
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  it('sends the email of a signature committed while no worker ran (the app crashed after the commit)', async () => {
    assert.equal((await signPetition(t.app, { email: 'crash@example.org' })).status, 303);
    await sleep(300);
    assert.equal(smtp.to('crash@example.org').length, 0, 'nothing sent without a worker');
    const workers = await startTestWorkers(t);
    try {
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes('crash@example.org'));
      assert.ok(confirmationLink(mail!));
    } finally {
      await workers.stop();
    }
  });

  it('sends nothing for a signature whose transaction rolled back', async () => {
    await assert.rejects(
      withTransaction(t.db.pool, async (client) => {
        await t.queue.enqueue(client, 'send-confirmation', { signatureId: 999_999, notice: 'confirm', sequence: 1 });
        throw new Error('the signature insert failed');
      }),
    );
    const { rows } = await t.db.pool.query("SELECT count(*) AS n FROM pgboss.job WHERE data->>'signatureId' = '999999'");
    assert.equal(rows[0].n, 0);
  });

  it('delivers after the SMTP server comes back', async () => {
    const port = smtp.port;
    await smtp.stop();
    const workers = await startTestWorkers(t);
    try {
      assert.equal((await signPetition(t.app, { email: 'outage@example.org' })).status, 303);
      // Let it fail at least once against the closed port.
      for (let i = 0; i < 40 && !(await jobStates(t)).retry; i++) await sleep(250);
      assert.ok((await jobStates(t)).retry, 'the job waits to retry');
      await smtp.start(port);
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes('outage@example.org'), 1, 20_000);
      assert.ok(confirmationLink(mail!));
    } finally {
      await workers.stop();
    }
  });

  it('retries a temporary refusal (4xx) and records a permanent one (5xx) without retrying', async () => {
    const workers = await startTestWorkers(t);
    try {
      smtp.rejectWith = 451;
      await signPetition(t.app, { email: 'greylisted@example.org' });
      for (let i = 0; i < 40 && !(await jobStates(t)).retry; i++) await sleep(250);
      smtp.rejectWith = undefined;
      await smtp.waitFor((m) => m.envelopeTo.includes('greylisted@example.org'), 1, 20_000);

      smtp.rejectWith = 550;
      await signPetition(t.app, { email: 'no-such-user@example.org' });
      let failed: { status: string; smtp_response: string } | undefined;
      for (let i = 0; i < 40 && !failed; i++) {
        await sleep(250);
        failed = (await t.db.pool.query("SELECT status, smtp_response FROM sent_emails WHERE status = 'failed'")).rows[0];
      }
      assert.equal(failed?.status, 'failed');
      assert.match(failed!.smtp_response, /550/);
      await sleep(2500);
      const { rows } = await t.db.pool.query("SELECT count(*) AS n FROM pgboss.job WHERE name = 'send-confirmation' AND state IN ('retry', 'created', 'active')");
      assert.equal(rows[0].n, 0, 'a permanent failure is not retried');
    } finally {
      smtp.rejectWith = undefined;
      await workers.stop();
    }
  });

  it('sends each email once with two workers on the same queue', async () => {
    // A second process's queue and workers, on the same database.
    const otherQueue = await startQueue({ connectionString: t.db.url, log, jobs, supervise: false, retry: { retryDelay: 1, retryBackoff: false } });
    const first = await startTestWorkers(t);
    const second = await startTestWorkers(t, otherQueue);
    try {
      const addresses = Array.from({ length: 12 }, (_, i) => `pair${i}@example.org`);
      for (const email of addresses) assert.equal((await signPetition(t.app, { email })).status, 303);
      await smtp.waitFor((m) => m.envelopeTo.some((a) => a.startsWith('pair')), addresses.length);
      await sleep(1500);
      for (const email of addresses) assert.equal(smtp.to(email).length, 1, `${email} got exactly one email`);
    } finally {
      await first.stop();
      await second.stop();
      await otherQueue.stop();
    }
  });
});

describe('the send-confirmation job', () => {
  it('does not send the same message twice when a job runs again', async () => {
    const smtp = await new TestSmtpServer().start();
    const t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    try {
      await loadDemoContent(t.db.pool, log);
      const { sendConfirmation } = await import('../../src/signatures/send-confirmation.job.ts');
      const { createMailer } = await import('../../src/mail/mailer.ts');
      const { createEmailRenderer } = await import('../../src/mail/templates.ts');
      const { rows } = await t.db.pool.query(
        "INSERT INTO signatures (action_id, email, name, country) SELECT id, 'twice@example.org', 'Twice', 'KZ' FROM actions WHERE slug = 'free-the-zhanaozen-prisoners' RETURNING id",
      );
      const deps = { db: t.db.pool, mailer: createMailer({ smtpUrl: smtp.url, from: 'Placard <p@placard.test>', dataDir: 'data/test-mail', log }), renderEmail: createEmailRenderer(), config: t.config, log };
      const job = { signatureId: rows[0].id as number, notice: 'confirm' as const, sequence: 1 };
      // Two workers running the same job at once: one sends, the other is told to come back later.
      const [a, b] = await Promise.allSettled([sendConfirmation(deps, job), sendConfirmation(deps, job)]);
      const outcomes = [a, b].map((r) => (r.status === 'fulfilled' ? r.value : 'busy'));
      assert.deepEqual(outcomes.sort(), ['busy', 'sent']);
      // The job retried after the email went out sends nothing.
      assert.equal(await sendConfirmation(deps, job), 'skipped');
      assert.equal(smtp.to('twice@example.org').length, 1);
      deps.mailer.close();
    } finally {
      await t.close();
      await smtp.stop();
    }
  });
});
