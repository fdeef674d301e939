// Scheduled letters (src/letters/scheduled.task.ts): at the letter's wall time
// in each recipient's own zone, once, with everyone routed to it by then; two
// runs at once (two workers) still queue one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exclusively } from '../../src/db/advisory-lock.ts';
import { LOCKS } from '../../src/db/locks.ts';
import { startScheduledLetters } from '../../src/letters/scheduled.task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { addRecipient, collectiveDeliveries, createLetter, createRecipient, settle, sign } from './collective-fixtures.ts';

describe('letters: scheduled letters', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  /** A run on a connection of its own, as a worker's exclusive task has. */
  const run = async (at: string) => {
    await settle(db.pool);
    const client = await db.pool.connect();
    try {
      return await startScheduledLetters(client, new Date(at));
    } finally {
      client.release();
    }
  };

  it('goes at 10:00 in each recipient’s zone, not before, once, with everyone signed by then', async () => {
    // Independence Day, 16 December, at 10:00 local time.
    const actionId = await createLetter(db.pool, { slug: 'anniversary', delivery: 'scheduled', scheduledLocal: '2026-12-16T10:00', attachPdf: true });
    const astana = await createRecipient(db.pool, { name: 'Ministry in Astana', country: 'KZ', timeZone: 'Asia/Almaty', emails: ['astana@example.org', 'press@example.org'] });
    const berlin = await createRecipient(db.pool, { name: 'Embassy in Berlin', country: 'DE', timeZone: 'Europe/Berlin', emails: ['berlin@example.org'] });
    for (const id of [astana, berlin]) await addRecipient(db.pool, actionId, id);
    for (const name of ['Aliya', 'Бауыржан', 'Hans']) await sign(db.pool, actionId, { name });

    // 10:00 in Almaty (UTC+5) is 05:00 UTC; in Berlin (UTC+1) 09:00 UTC.
    assert.deepEqual(await run('2026-12-16T04:59:59Z'), []);
    const astanaRun = await run('2026-12-16T05:00:00Z');
    assert.deepEqual(astanaRun.map((r) => [r.recipientId, r.deliveryIds.length, r.signatories]), [[astana, 2, 3]]);
    await sign(db.pool, actionId, { name: 'Later' });
    assert.deepEqual(await run('2026-12-16T08:59:00Z'), [], 'Astana once; Berlin not yet');

    // Two workers at 09:00 UTC (each run bypassing the lock, to test the guard itself): one letter.
    await settle(db.pool);
    const both = await Promise.all([run('2026-12-16T09:00:00Z'), run('2026-12-16T09:00:00Z')]);
    assert.equal(both.flat().length, 1);
    assert.equal(both.flat()[0]!.recipientId, berlin);
    assert.equal(both.flat()[0]!.signatories, 4);
    // And with the lock, as the workers run it: nothing more, ever.
    assert.equal(await exclusively(db.pool, LOCKS.startScheduledLetters, async (client) => assert.deepEqual(await startScheduledLetters(client, new Date('2026-12-17T09:00:00Z')), [])), true);

    const deliveries = await collectiveDeliveries(db.pool, actionId);
    assert.deepEqual(deliveries.map((d) => [d.email, d.kind, d.signatory_count, d.attach_pdf]), [
      ['astana@example.org', 'scheduled', 3, true],
      ['press@example.org', 'scheduled', 3, true],
      ['berlin@example.org', 'scheduled', 4, true],
    ]);
    assert.ok(deliveries.every((d) => d.after_xid === null && d.upto_id > 0), 'a fixed set: all up to upto');
  });

  it('a new time is a new letter; a recipient without a working address waits for one', async () => {
    const actionId = await createLetter(db.pool, { slug: 'resched', delivery: 'scheduled', scheduledLocal: '2026-12-20T09:00' });
    const london = await createRecipient(db.pool, { name: 'London', country: 'GB', timeZone: 'Europe/London', bounced: ['gone@example.org'] });
    await addRecipient(db.pool, actionId, london);
    await sign(db.pool, actionId, { name: 'Jane' });
    assert.deepEqual(await run('2026-12-20T09:00:00Z'), []);
    await db.pool.query('INSERT INTO recipient_addresses (recipient_id, email) VALUES ($1, $2)', [london, 'new@example.org']);
    assert.equal((await run('2026-12-20T10:00:00Z')).length, 1);
    assert.deepEqual(await run('2026-12-20T11:00:00Z'), []);
    await db.pool.query("UPDATE letters SET scheduled_local = '2026-12-25T09:00' WHERE action_id = $1", [actionId]);
    assert.deepEqual(await run('2026-12-25T08:59:00Z'), []);
    assert.equal((await run('2026-12-25T09:00:00Z')).length, 1);
  });
});
