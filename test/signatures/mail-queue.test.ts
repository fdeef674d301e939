import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTransaction } from '../../src/db/pool.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { startQueue } from '../../src/jobs/queue.ts';
import { jobs } from '../../src/features.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { sendConfirmation, type SendConfirmationData } from '../../src/signatures/send-confirmation.job.ts';
import { createTestApp, startTestWorkers, type TestApp } from '../helpers/app.ts';
import { signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const log = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A send-confirmation job as pg-boss holds it, with the address it mails (while its signature is pending). */
type JobRow = { id: string; state: string; retry_count: number; data: SendConfirmationData; email: string | null };

async function confirmationJobs(t: TestApp): Promise<JobRow[]> {
  const { rows } = await t.db.pool.query<JobRow>(
    `SELECT j.id, j.state::text AS state, j.retry_count, j.data, s.email
     FROM pgboss.job j
     LEFT JOIN signature_submissions ss ON ss.id = (j.data->>'submissionId')::bigint
     LEFT JOIN signatures s ON s.id = ss.signature_id
     WHERE j.name = 'send-confirmation'
     ORDER BY j.created_on`,
  );
  return rows;
}

/** Polls the queue until `ready` holds of its jobs: a wait for a positive state, never for "nothing happened yet". */
async function waitForJobs(t: TestApp, ready: (jobs: JobRow[]) => boolean, timeoutMs = 20_000): Promise<JobRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await confirmationJobs(t);
    if (ready(found)) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for the jobs; they are ${JSON.stringify(found.map(({ state, retry_count, email }) => ({ state, retry_count, email })))}`);
    await sleep(50);
  }
}

/** Waits until the one job mailing `address` is in one of `states`; returns it. */
async function waitForJobOf(t: TestApp, address: string, states: string[]): Promise<JobRow> {
  const found = await waitForJobs(t, (all) => all.some((j) => j.email === address && states.includes(j.state)));
  const mine = found.filter((j) => j.email === address);
  assert.equal(mine.length, 1, `one job mails ${address}`);
  return mine[0]!;
}

async function sentEmailOf(t: TestApp, job: JobRow) {
  assert.equal(job.data.notice, 'confirm');
  const key = `confirm-submission:${'submissionId' in job.data ? job.data.submissionId : ''}`;
  return (await t.db.pool.query<{ status: string; smtp_response: string; message_id: string }>(
    'SELECT status, smtp_response, message_id FROM sent_emails WHERE idempotency_key = $1',
    [key],
  )).rows[0];
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
    const address = 'crash@example.org';
    assert.equal((await signPetition(t.app, { email: address })).status, 303);
    const [queued] = (await confirmationJobs(t)).filter((j) => j.email === address);
    assert.equal(queued?.state, 'created', 'the job is queued with the signature, and no one has taken it');
    const workers = await startTestWorkers(t);
    try {
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address));
      assert.ok(confirmationLink(mail!));
      assert.equal((await waitForJobOf(t, address, ['completed'])).id, queued.id);
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
    const address = 'outage@example.org';
    const port = smtp.port;
    await smtp.stop();
    const workers = await startTestWorkers(t);
    try {
      assert.equal((await signPetition(t.app, { email: address })).status, 303);
      // It fails at least once against the closed port, and waits to retry.
      await waitForJobOf(t, address, ['retry']);
      await smtp.start(port);
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address), 1, 20_000);
      assert.ok(confirmationLink(mail!));
      const done = await waitForJobOf(t, address, ['completed']);
      assert.ok(done.retry_count >= 1, 'completed on a retry');
      assert.equal(smtp.to(address).length, 1);
    } finally {
      await workers.stop();
      if (!smtp.listening) await smtp.start(port);
    }
  });

  it('retries a temporary refusal (4xx) under the same Message-ID, and sends the email once', async () => {
    const address = 'greylisted@example.org';
    const workers = await startTestWorkers(t);
    try {
      smtp.refuseNext(451);
      assert.equal((await signPetition(t.app, { email: address })).status, 303);
      const [refusal] = await smtp.waitForRefused((m) => m.envelopeTo.includes(address));
      assert.equal(refusal!.code, 451, 'the first attempt was refused with 451');
      const waiting = await waitForJobOf(t, address, ['retry']);
      assert.equal(waiting.retry_count, 0, 'the refused attempt failed the job, which waits for its first retry');

      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(address), 1, 20_000);
      const done = await waitForJobOf(t, address, ['completed']);
      assert.equal(done.retry_count, 1, 'completed on its first retry');
      assert.equal(smtp.refusedTo(address).length, 1);
      assert.equal(smtp.to(address).length, 1, 'exactly one message arrived');
      assert.ok(refusal!.messageId, 'the refused message had a Message-ID');
      assert.equal(mail!.messageId, refusal!.messageId, 'the retry went out under the refused attempt\'s Message-ID');
      const record = await sentEmailOf(t, done);
      assert.equal(record?.status, 'sent');
      assert.equal(record?.message_id, mail!.messageId);
    } finally {
      await workers.stop();
    }
  });

  it('records a permanent refusal (5xx) and completes the job without retrying it', async () => {
    const address = 'no-such-user@example.org';
    const workers = await startTestWorkers(t);
    try {
      smtp.rejectWith = 550; // every attempt would be refused: a retry would show as a second refusal
      assert.equal((await signPetition(t.app, { email: address })).status, 303);
      // The outcome of the first attempt: the job leaves 'created'/'active' for one of these.
      const job = await waitForJobOf(t, address, ['completed', 'retry', 'failed']);
      assert.equal(job.state, 'completed', 'the handler returned "failed" and the job was completed, not failed into a retry');
      assert.equal(job.retry_count, 0, 'never retried');
      assert.equal(smtp.refusedTo(address).length, 1, 'exactly one attempt, refused');
      assert.equal(smtp.refusedTo(address)[0]!.code, 550);
      assert.equal(smtp.to(address).length, 0);
      const record = await sentEmailOf(t, job);
      assert.equal(record?.status, 'failed');
      assert.match(record!.smtp_response, /550/);
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
    const addresses = Array.from({ length: 12 }, (_, i) => `pair${i}@example.org`);
    try {
      for (const email of addresses) assert.equal((await signPetition(t.app, { email })).status, 303);
      await waitForJobs(t, (all) => {
        const mine = all.filter((j) => j.email?.startsWith('pair'));
        return mine.length === addresses.length && mine.every((j) => j.state === 'completed');
      });
    } finally {
      // Stopping waits for any job still in a worker's hands: nothing can be sent after this.
      await first.stop();
      await second.stop();
      await otherQueue.stop();
    }
    for (const email of addresses) assert.equal(smtp.to(email).length, 1, `${email} got exactly one email`);
  });
});

describe('the send-confirmation job', () => {
  it('does not send the same message twice when a job runs again, or twice at once', async () => {
    const smtp = await new TestSmtpServer().start();
    const t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    // Two workers, each with its own connections to the SMTP server.
    const mailerOf = () => createMailer({ smtpUrl: smtp.url, from: 'Placard <p@placard.test>', dataDir: 'data/test-mail', log });
    const mailers = [mailerOf(), mailerOf()] as const;
    const held = smtp.holdNext();
    try {
      await loadDemoContent(t.db.pool, log);
      const address = 'twice@example.org';
      assert.equal((await signPetition(t.app, { email: address })).status, 303);
      const [job] = (await confirmationJobs(t)).filter((j) => j.email === address);
      assert.ok(job, 'the signature queued its email');
      const worker = (mailer: (typeof mailers)[number]) => ({ db: t.db.pool, mailer, renderEmail: createEmailRenderer(), config: t.config, log });
      const tokens = async () =>
        (await t.db.pool.query('SELECT count(*)::int AS n FROM confirmation_tokens t JOIN signatures s ON s.id = t.signature_id WHERE s.email = $1', [address])).rows[0].n;

      // Run A has the message at the SMTP server, unanswered, when run B starts.
      const a = sendConfirmation(worker(mailers[0]), job.data);
      await held.arrived;
      await assert.rejects(sendConfirmation(worker(mailers[1]), job.data), /being sent by another worker/, 'B is told to come back later');
      assert.equal(await tokens(), 1, 'B composed nothing (no second link made)');
      held.release();
      assert.equal(await a, 'sent');
      // The job retried after the email went out sends nothing.
      assert.equal(await sendConfirmation(worker(mailers[1]), job.data), 'skipped');
      assert.equal(smtp.to(address).length, 1, 'exactly one message received');
      assert.equal(smtp.messages.length + smtp.refused.length, 1, 'and nothing else reached the server');
    } finally {
      held.release();
      mailers.forEach((mailer) => mailer.close());
      await t.close();
      await smtp.stop();
    }
  });
});
