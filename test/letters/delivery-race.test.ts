// Two senders at once, each with its own connections and SMTP connections, as
// two worker processes would be: every letter goes once (claims with SKIP
// LOCKED and a lease, then sendOnce's key), and the shared pace of each address
// holds (its row is locked for the instant of a take): with twenty letters to
// each of ten addresses, claimed by both senders in the same instants, each
// address gets one at 10:00, one at 10:02 and so on, never two in a slot.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { deliverBatch } from '../../src/letters/deliver.task.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestPool } from '../helpers/db.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { addRecipient, createLetterAction, deliveriesOf, senderContext, signAndConfirm } from './delivery-seed.ts';

const MONDAY_10 = DateTime.fromISO('2030-01-07T10:00', { zone: 'Europe/Paris' }).toJSDate();
const ADDRESSES = 10;
const SIGNERS = 20;

describe('two senders at once', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  const senders: ReturnType<typeof senderContext>[] = [];

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_CONFIRM_PER_MINUTE: '10000' } });
    for (let i = 0; i < 2; i++) {
      const pool = createTestPool(t.db.url);
      senders.push({ ...senderContext({ ...t, db: { ...t.db, pool } }, smtp.url), db: pool });
    }
  });
  after(async () => {
    for (const s of senders) {
      s.close();
      await s.db.end();
    }
    await t.close();
    await smtp.stop();
  });

  /** Both senders, side by side, each batch after batch until nothing is due at `now`. */
  const runBoth = (now: Date) => Promise.all(senders.map(async (s) => {
    let batches = 0;
    while ((await deliverBatch(s, now, { pacing: true }, 7)) > 0) batches++;
    return batches;
  }));

  it('sends each letter once, and keeps each address’s pace', { timeout: 60_000 }, async () => {
    const emails = Array.from({ length: ADDRESSES }, (_, i) => `office-${i + 1}@ministry.example.org`);
    const ministry = await addRecipient(t, { name: 'Ministry of Justice', country: 'FR', timeZone: 'Europe/Paris', emails });
    const actionId = await createLetterAction(t, { slug: 'raced', recipients: [ministry.id] });
    for (let i = 1; i <= SIGNERS; i++) await signAndConfirm(t, actionId, { email: `signer-${i}@example.org`, name: `Signer ${i}` });
    const COUNT = ADDRESSES * SIGNERS;
    assert.equal((await deliveriesOf(t, actionId)).length, COUNT);

    const batches = [0, 0];
    for (let slot = 0; slot < SIGNERS; slot++) {
      const done = await runBoth(new Date(MONDAY_10.getTime() + slot * 120_000));
      done.forEach((n, i) => (batches[i]! += n));
      assert.equal(smtp.messages.length, ADDRESSES * (slot + 1), `one letter per address in the slot at 10:${String(2 * slot).padStart(2, '0')}`);
      await runBoth(new Date(MONDAY_10.getTime() + slot * 120_000 + 60_000));
      assert.equal(smtp.messages.length, ADDRESSES * (slot + 1), 'none between slots');
    }
    assert.ok(batches.every((n) => n > 0), `both senders took part (${batches.join(' and ')} batches)`);

    const seen = new Map<string, number>();
    for (const m of smtp.messages) {
      const signer = /Yours sincerely,\n(.*)/.exec(m.text!)![1]!;
      const key = `${m.envelopeTo.join()} ${signer}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    assert.equal(seen.size, COUNT, 'every letter arrived');
    assert.ok([...seen.values()].every((n) => n === 1), 'and each once');
    assert.equal(new Set(smtp.messages.map((m) => m.messageId)).size, COUNT);
    const rows = await deliveriesOf(t, actionId);
    assert.ok(rows.every((d) => d.state === 'sent' && d.attempts === 1), 'all sent, at the first attempt');
    console.log(`two senders: ${batches[0]} and ${batches[1]} batches; ${smtp.messages.length} letters, ${smtp.messages.length - seen.size} repeats`);
  });
});
