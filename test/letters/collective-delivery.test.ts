// The parts of letters together, on a real SMTP server: signatures confirmed
// through the confirmation page, the digest task and the scheduled-letter task
// queue collective letters, and the sender (the same one as for letters per
// signature) sends them with the collective composer. A switch of mode while
// the action runs names every signatory exactly once across both kinds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { deliverBatch } from '../../src/letters/deliver.task.ts';
import { startLetterDigests } from '../../src/letters/digests.task.ts';
import { startScheduledLetters } from '../../src/letters/scheduled.task.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { settle } from './collective-fixtures.ts';
import { addRecipient, createLetterAction, deliveriesOf, senderContext, signAndConfirm } from './delivery-seed.ts';

describe('collective letters through the sender', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let context: ReturnType<typeof senderContext>;

  const runSender = async (now: Date) => {
    while ((await deliverBatch(context, now, { pacing: true })) > 0);
  };
  const digests = async (now: Date) => {
    await settle(t.db.pool);
    const client = await t.db.pool.connect();
    try {
      return await startLetterDigests(client, now);
    } finally {
      client.release();
    }
  };
  const scheduled = async (now: Date) => {
    const client = await t.db.pool.connect();
    try {
      return await startScheduledLetters(client, now);
    } finally {
      client.release();
    }
  };

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_CONFIRM_PER_MINUTE: '10000' } });
    context = senderContext(t, smtp.url);
  });
  after(async () => {
    context.close();
    await t.close();
    await smtp.stop();
  });

  it('a digest goes through the sender, and switching to one letter each and back names everyone once', async () => {
    const embassy = await addRecipient(t, { name: 'Embassy in Almaty', title: 'Ambassador', country: 'KZ', timeZone: 'Asia/Almaty', emails: ['digest@embassy.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'digest-through', title: 'Free the strikers', recipients: [embassy.id] });
    await t.db.pool.query("UPDATE letters SET delivery = 'digest', digest_hour = 9 WHERE action_id = $1", [actionId]);
    const inbox = () => smtp.to('digest@embassy.example.org');
    const names = (text: string) => [...text.matchAll(/Signer [A-Z]\d/g)].map((m) => m[0]).sort();

    for (const n of [1, 2, 3]) await signAndConfirm(t, actionId, { email: `a${n}@example.org`, name: `Signer A${n}` });
    // The first run sets when the first digest is due (09:00 in Almaty); the next at that hour queues it.
    const day1 = DateTime.fromISO('2030-01-07T09:30', { zone: 'Asia/Almaty' });
    await digests(day1.minus({ days: 1 }).toJSDate());
    await digests(day1.toJSDate());
    await runSender(day1.toJSDate());
    assert.equal(inbox().length, 1, 'one digest');
    assert.deepEqual(names(inbox()[0]!.text ?? ''), ['Signer A1', 'Signer A2', 'Signer A3']);
    assert.match(inbox()[0]!.text ?? '', /Dear Ambassador Embassy in Almaty/);

    // One letter each for a while: B's confirm hook sends each signature its own.
    await t.db.pool.query("UPDATE letters SET delivery = 'each' WHERE action_id = $1", [actionId]);
    await signAndConfirm(t, actionId, { email: 'b1@example.org', name: 'Signer B1' });
    // Back to a digest; then two more signatures.
    await t.db.pool.query("UPDATE letters SET delivery = 'digest' WHERE action_id = $1", [actionId]);
    for (const n of [1, 2]) await signAndConfirm(t, actionId, { email: `c${n}@example.org`, name: `Signer C${n}` });
    const day2 = day1.plus({ days: 1 });
    await digests(day2.toJSDate());
    await runSender(day2.toJSDate());

    const all = inbox().flatMap((mail) => names(mail.text ?? ''));
    assert.deepEqual(all.sort(), ['Signer A1', 'Signer A2', 'Signer A3', 'Signer B1', 'Signer C1', 'Signer C2'], 'everyone named once, in a digest or a letter of their own');
    const states = (await deliveriesOf(t, actionId)).map((d) => d.state);
    assert.ok(states.every((s) => s === 'sent'), `every delivery sent: ${states.join(', ')}`);
  });

  it('a scheduled letter goes at the local hour with everyone, once', async () => {
    const berlin = await addRecipient(t, { name: 'Embassy in Berlin', country: 'DE', timeZone: 'Europe/Berlin', emails: ['scheduled@embassy.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'scheduled-through', title: 'Remember Zhanaozen', recipients: [berlin.id] });
    await t.db.pool.query("UPDATE letters SET delivery = 'scheduled', scheduled_local = '2030-12-16T08:00' WHERE action_id = $1", [actionId]);
    for (const n of [1, 2]) await signAndConfirm(t, actionId, { email: `s${n}@example.org`, name: `Scheduled ${n}` });
    await settle(t.db.pool);
    const at = (local: string) => DateTime.fromISO(local, { zone: 'Europe/Berlin' }).toJSDate();

    assert.deepEqual(await scheduled(at('2030-12-16T07:59')), [], 'not before 08:00 in Berlin');
    await runSender(at('2030-12-16T07:59'));
    assert.equal(smtp.to('scheduled@embassy.example.org').length, 0);
    await scheduled(at('2030-12-16T08:00'));
    await scheduled(at('2030-12-16T08:01'));
    await runSender(at('2030-12-16T08:01'));
    const got = smtp.to('scheduled@embassy.example.org');
    assert.equal(got.length, 1, 'once');
    assert.match(got[0]!.text ?? '', /Scheduled 1/);
    assert.match(got[0]!.text ?? '', /Scheduled 2/);
  });
});
