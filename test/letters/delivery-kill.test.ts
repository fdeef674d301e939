// A real kill: `npm run worker` (src/worker.ts) is killed with SIGKILL while it
// sends 300 letters, and a new worker process finishes them. Every letter
// arrives; one the SMTP server took just before the kill, whose record the dead
// worker never wrote, may arrive again, and then only under its first
// Message-ID (src/mail/send-once.ts), so the receiving side can drop it. The
// test prints how many did.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { waitUntil } from '../updates/seed.ts';
import { addRecipient, createLetterAction, deliveriesOf, signAndConfirm } from './delivery-seed.ts';

const SIGNERS = 30;
const ADDRESSES = 10;
const COUNT = SIGNERS * ADDRESSES;

describe('a worker process killed mid-send of letters', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  const children: ChildProcess[] = [];

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_CONFIRM_PER_MINUTE: '10000' } });
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await t.close();
    await smtp.stop();
  });

  function startWorkerProcess(): ChildProcess {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      env: {
        ...env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'error',
        DATABASE_URL: t.db.url,
        SMTP_URL: smtp.url,
        BASE_URL: t.config.baseUrl,
        APP_SECRET: t.config.appSecret!,
        DATA_DIR: 'data/test-mail',
        // The real clock may be a night or a Sunday somewhere: what is tested
        // here is once-only across a kill, not the pace (delivery-pacing, delivery).
        LETTERS_PACING: 'off',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  it('delivers every letter, a repeat only under its first Message-ID', { timeout: 120_000 }, async () => {
    const emails = Array.from({ length: ADDRESSES }, (_, i) => `desk-${i + 1}@embassy.example.org`);
    const embassy = await addRecipient(t, { name: 'Embassy', country: 'GB', timeZone: 'Europe/London', emails });
    const actionId = await createLetterAction(t, { slug: 'killed', recipients: [embassy.id] });
    for (let i = 1; i <= SIGNERS; i++) await signAndConfirm(t, actionId, { email: `killed-${i}@example.org`, name: `Signer ${i}` });
    assert.equal((await deliveriesOf(t, actionId)).length, COUNT);

    const first = startWorkerProcess();
    await smtp.waitFor(() => true, 60, 60_000);
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    const atKill = smtp.messages.length;
    assert.ok(atKill < COUNT, `killed part-way (${atKill} sent)`);
    const { rows: claimedAtKill } = await t.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM letter_deliveries WHERE state = 'queued' AND claimed_until > now()");

    // What the dead process had claimed stays claimed until its leases run out
    // (minutes); the test ends them instead of waiting.
    await t.db.pool.query("UPDATE letter_deliveries SET claimed_until = now() - interval '1 second' WHERE claimed_until > now()");
    await t.db.pool.query("UPDATE sent_emails SET claimed_until = now() - interval '1 second' WHERE status = 'sending'");
    startWorkerProcess();
    await waitUntil(async () => (await deliveriesOf(t, actionId)).every((d) => d.state === 'sent'), 'every letter to be sent', 90_000);

    const rows = await deliveriesOf(t, actionId);
    const byMessageId = new Map<string, number>();
    for (const m of smtp.messages) byMessageId.set(m.messageId ?? '', (byMessageId.get(m.messageId ?? '') ?? 0) + 1);
    for (const d of rows) assert.ok((byMessageId.get(d.message_id!) ?? 0) >= 1, `delivery ${d.id} arrived under the Message-ID it logs`);
    const logged = new Set(rows.map((d) => d.message_id));
    for (const id of byMessageId.keys()) assert.ok(logged.has(id), `${id} is the Message-ID of a logged delivery (no repeat under a new one)`);
    assert.equal(byMessageId.size, COUNT);
    const repeats = smtp.messages.length - COUNT;
    console.log(`letters: killed with ${atKill} of ${COUNT} received and ${claimedAtKill[0]!.n} claimed; ${repeats} sent again under their first Message-ID`);
    // At most what was in the air at the kill: one claimed batch (src/letters/deliver.task.ts, 20).
    assert.ok(repeats <= 20, `${repeats} repeats`);
    assert.ok(rows.every((d) => d.attempts === 1 || d.attempts === 2));
  });
});
