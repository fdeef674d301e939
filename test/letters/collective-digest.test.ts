// Digests (src/letters/digests.task.ts): each recipient's digest names every
// signatory routed to it once, across runs, a confirmation committed late, and
// changes of mode; it goes at the recipient's local hour, daily or weekly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { startLetterDigests } from '../../src/letters/digests.task.ts';
import { nextDigestAt } from '../../src/letters/collective-time.ts';
import * as repo from '../../src/letters/letter-digests.repo.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { addRecipient, collectiveDeliveries, confirm, createLetter, createRecipient, ownLetter, setDelivery, settle, sign, type DeliveryRow } from './collective-fixtures.ts';

/** The names a digest (or scheduled letter) names, as its composer reads them. */
async function namesOf(db: TestDatabase, d: DeliveryRow): Promise<string[]> {
  const rows = await repo.collectiveSignatories(
    db.pool,
    {
      actionId: Number((await db.pool.query('SELECT action_id FROM letter_deliveries WHERE id = $1', [d.id])).rows[0].action_id),
      recipientId: d.recipient_id,
      after: d.after_xid === null ? null : { xid: d.after_xid, id: d.after_id! },
      upto: { xid: d.upto_xid, id: d.upto_id },
      unnamedOnly: d.kind === 'digest',
    },
    100_000,
  );
  return rows.map((r) => r.name ?? '');
}

describe('letters: digests', () => {
  let db: TestDatabase;
  let client: pg.PoolClient;

  before(async () => {
    db = await createTestDatabase();
    client = await db.pool.connect();
  });
  after(async () => {
    client.release();
    await db.drop();
  });

  /** A run at `at`, once whatever ran on the server before has ended (see settle). */
  const run = async (at: string) => {
    await settle(db.pool);
    return startLetterDigests(client, new Date(at));
  };
  /** A run at `at`, now, while the test holds a transaction open. */
  const runNow = (at: string) => startLetterDigests(client, new Date(at));

  it('names every signatory once across two runs, including one whose confirmation committed after the first run began', async () => {
    const actionId = await createLetter(db.pool, { slug: 'late-commit', digestHour: 9 });
    const embassy = await createRecipient(db.pool, { name: 'Embassy in London', country: 'GB', emails: ['london@example.org'], bounced: ['old@example.org'] });
    await addRecipient(db.pool, actionId, embassy);
    for (const name of ['Aliya', 'Bolat', 'Сәуле']) await sign(db.pool, actionId, { name });
    const late = await sign(db.pool, actionId, { name: 'Late Dana', confirmed: false });

    // The first run makes the cursor; the digest is due at 09:00 UTC.
    assert.deepEqual(await run('2026-12-01T08:00:00Z'), []);

    // A confirmation held open in a transaction over the digest's run...
    await settle(db.pool);
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await confirm(holder, late);
      // ...and one that commits meanwhile, after it in transaction order.
      await sign(db.pool, actionId, { name: 'Erlan' });

      const first = await runNow('2026-12-01T09:00:00Z');
      assert.equal(first.length, 1);
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    await sign(db.pool, actionId, { name: 'Farida' });
    // Not due again before tomorrow's 09:00.
    assert.deepEqual(await run('2026-12-02T08:59:59Z'), []);
    const second = await run('2026-12-02T09:00:00Z');
    assert.equal(second.length, 1);

    const digests = await collectiveDeliveries(db.pool, actionId);
    assert.equal(digests.length, 2, 'one digest per run, to the active address only');
    assert.ok(digests.every((d) => d.email === 'london@example.org' && d.kind === 'digest' && d.state === 'queued'));
    const [one, two] = [await namesOf(db, digests[0]!), await namesOf(db, digests[1]!)];
    // Erlan committed before the first run but after the open transaction began: he waits with Dana.
    assert.deepEqual(one, ['Aliya', 'Bolat', 'Сәуле']);
    assert.deepEqual(two.sort(), ['Erlan', 'Farida', 'Late Dana']);
    assert.deepEqual([digests[0]!.signatory_count, digests[0]!.total_count], [3, 3]);
    assert.deepEqual([digests[1]!.signatory_count, digests[1]!.total_count], [3, 6]);
    // Nothing new: no letter, only the next due time.
    assert.deepEqual(await run('2026-12-03T09:00:00Z'), []);
    const cursor = (await db.pool.query('SELECT next_due_at FROM letter_digest_cursors WHERE action_id = $1', [actionId])).rows[0];
    assert.equal(cursor.next_due_at.toISOString(), '2026-12-04T09:00:00.000Z');
  });

  it('never repeats or skips a signatory when the letter goes from each to digest and back to each', async () => {
    const actionId = await createLetter(db.pool, { slug: 'switch', delivery: 'each', digestHour: 9 });
    const embassy = await createRecipient(db.pool, { name: 'Embassy in Berlin', country: 'DE', emails: ['berlin@example.org'] });
    await addRecipient(db.pool, actionId, embassy);
    const own: string[] = [];
    const eachSign = async (name: string) => {
      await ownLetter(db.pool, actionId, embassy, await sign(db.pool, actionId, { name }));
      own.push(name);
    };
    // 'each': every confirmation brings its own letter (B's hook, simulated); no digest task work.
    await eachSign('S1');
    await eachSign('S2');
    assert.deepEqual(await run('2026-12-01T09:00:00Z'), []);

    await setDelivery(db.pool, actionId, 'digest');
    await sign(db.pool, actionId, { name: 'S3' });
    await sign(db.pool, actionId, { name: 'S4' });
    assert.deepEqual(await run('2026-12-01T10:00:00Z'), [], 'a new cursor waits for its first time');
    assert.equal((await run('2026-12-02T09:00:00Z')).length, 1);
    await sign(db.pool, actionId, { name: 'S5' });

    // Back to 'each': S5 had no letter of any kind; it goes at once, in one last digest.
    await setDelivery(db.pool, actionId, 'each');
    await eachSign('S6');
    assert.equal((await run('2026-12-02T11:00:00Z')).length, 1);
    await eachSign('S7');
    assert.deepEqual(await run('2026-12-02T11:01:00Z'), [], 'flushed once');

    // And to digest again: only what came since.
    await setDelivery(db.pool, actionId, 'digest');
    await sign(db.pool, actionId, { name: 'S8' });
    await run('2026-12-02T12:00:00Z');
    assert.equal((await run('2026-12-03T09:00:00Z')).length, 1);

    const digests = await collectiveDeliveries(db.pool, actionId);
    const named = [];
    for (const d of digests) named.push(await namesOf(db, d));
    assert.deepEqual(named, [['S3', 'S4'], ['S5'], ['S8']]);
    const all = [...own, ...named.flat()].sort();
    assert.deepEqual(all, ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8'], 'each signatory exactly once');
  });

  it('queues one digest when two workers run at the same moment (the cursor is locked and re-read)', async () => {
    const actionId = await createLetter(db.pool, { slug: 'two-workers', digestHour: 9 });
    const embassy = await createRecipient(db.pool, { name: 'Embassy in Paris', country: 'FR', emails: ['paris@example.org'] });
    await addRecipient(db.pool, actionId, embassy);
    await run('2026-12-01T08:00:00Z');
    for (const name of ['P1', 'P2', 'P3']) await sign(db.pool, actionId, { name });
    await settle(db.pool);
    const other = await db.pool.connect();
    try {
      // Each run bypasses the lock the workers take, to test the cursor's own guard.
      const both = await Promise.all([startLetterDigests(client, new Date('2026-12-01T09:00:00Z')), startLetterDigests(other, new Date('2026-12-01T09:00:00Z'))]);
      assert.equal(both.flat().filter((d) => d.actionId === actionId).length, 1);
    } finally {
      other.release();
    }
    const digests = await collectiveDeliveries(db.pool, actionId);
    assert.equal(digests.length, 1);
    assert.deepEqual(await namesOf(db, digests[0]!), ['P1', 'P2', 'P3']);
  });

  it('routes by country: an embassy gets its country, the fallback every country without one', async () => {
    const actionId = await createLetter(db.pool, { slug: 'routed', routing: 'by_country', digestHour: 0 });
    const berlin = await createRecipient(db.pool, { name: 'Berlin', country: 'DE', emails: ['de@example.org'] });
    const london = await createRecipient(db.pool, { name: 'London', country: 'GB', emails: ['gb@example.org'] });
    await addRecipient(db.pool, actionId, berlin);
    await db.pool.query('UPDATE letters SET fallback_recipient_id = $2 WHERE action_id = $1', [actionId, london]);
    await sign(db.pool, actionId, { name: 'Hans', country: 'DE' });
    await sign(db.pool, actionId, { name: 'Jane', country: 'GB' });
    await sign(db.pool, actionId, { name: 'Иван', country: 'RU' });
    const invalid = await sign(db.pool, actionId, { name: 'Bot', country: 'FR' });
    await db.pool.query(`WITH inv AS (INSERT INTO invalidations (action_id, criteria, reason) VALUES ($1, '{"signature": 1}', 'test') RETURNING id) UPDATE signatures SET invalidated_at = now(), invalidation_id = inv.id FROM inv WHERE signatures.id = $2`, [actionId, invalid]);
    await sign(db.pool, actionId, { name: 'Pending', country: 'DE', confirmed: false });
    await run('2026-12-01T12:00:00Z');
    assert.equal((await run('2026-12-02T00:00:00Z')).length, 2);
    const digests = await collectiveDeliveries(db.pool, actionId);
    const byEmail = Object.fromEntries(await Promise.all(digests.map(async (d) => [d.email, await namesOf(db, d)] as const)));
    assert.deepEqual(byEmail, { 'de@example.org': ['Hans'], 'gb@example.org': ['Jane', 'Иван'] });
  });

  it('goes at the recipient’s local hour: daily and weekly (Mondays) east of UTC, and across a change of clocks', async () => {
    const almaty = { hour: 9, timeZone: 'Asia/Almaty' };
    // 09:00 in Almaty is 04:00 UTC (UTC+5).
    assert.equal(nextDigestAt(new Date('2026-12-01T00:00:00Z'), { ...almaty, every: 'daily' }).toISOString(), '2026-12-01T04:00:00.000Z');
    assert.equal(nextDigestAt(new Date('2026-12-01T04:00:00Z'), { ...almaty, every: 'daily' }).toISOString(), '2026-12-02T04:00:00.000Z');
    // 1 December 2026 is a Tuesday: the next Monday is the 7th.
    assert.equal(nextDigestAt(new Date('2026-12-01T00:00:00Z'), { ...almaty, every: 'weekly' }).toISOString(), '2026-12-07T04:00:00.000Z');
    // London goes to summer time on 29 March 2026: 09:00 is 09:00 UTC on the 28th, 08:00 UTC on the 29th.
    const london = { hour: 9, timeZone: 'Europe/London', every: 'daily' as const };
    assert.equal(nextDigestAt(new Date('2026-03-28T08:00:00Z'), london).toISOString(), '2026-03-28T09:00:00.000Z');
    assert.equal(nextDigestAt(new Date('2026-03-28T09:00:00Z'), london).toISOString(), '2026-03-29T08:00:00.000Z');

    // And the task keeps to it, with a clock of the test's.
    const daily = await createLetter(db.pool, { slug: 'almaty-daily', digestHour: 9 });
    const weekly = await createLetter(db.pool, { slug: 'almaty-weekly', digestHour: 9, digestEvery: 'weekly' });
    const astana = await createRecipient(db.pool, { name: 'Ministry in Astana', country: 'KZ', timeZone: 'Asia/Almaty', emails: ['astana@example.org'] });
    const holborn = await createRecipient(db.pool, { name: 'Bar Council', country: 'GB', timeZone: 'Europe/London', emails: ['bar@example.org'] });
    const spring = await createLetter(db.pool, { slug: 'london-spring', digestHour: 9 });
    for (const id of [daily, weekly]) await addRecipient(db.pool, id, astana);
    await addRecipient(db.pool, spring, holborn);
    const kinds = async (id: number) => (await collectiveDeliveries(db.pool, id)).length;

    await run('2026-03-28T07:00:00Z');
    for (const id of [daily, weekly, spring]) await sign(db.pool, id, { name: `Early ${id}` });
    await run('2026-03-28T08:59:00Z');
    assert.equal(await kinds(spring), 0, 'not before 09:00 GMT');
    await run('2026-03-28T09:00:00Z');
    assert.equal(await kinds(spring), 1);
    await sign(db.pool, spring, { name: 'Spring' });
    await run('2026-03-29T07:59:00Z');
    assert.equal(await kinds(spring), 1, 'not before 09:00 BST');
    await run('2026-03-29T08:00:00Z');
    assert.equal(await kinds(spring), 2, 'at 09:00 BST = 08:00 UTC');

    // Almaty: the daily one has gone (09:00 there on Sunday the 29th is 04:00 UTC); the weekly one waits for Monday the 30th.
    assert.equal(await kinds(daily), 1);
    assert.equal(await kinds(weekly), 0);
    await run('2026-03-30T03:59:00Z');
    assert.equal(await kinds(weekly), 0);
    await run('2026-03-30T04:00:00Z');
    assert.equal(await kinds(weekly), 1);
  });
});
