import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updateCounts } from '../../src/actions/counts.ts';
import { LOCKS } from '../../src/db/locks.ts';
import { withTransaction } from '../../src/db/pool.ts';
import { createLogger } from '../../src/log.ts';
import type { Mailer, OutgoingEmail } from '../../src/mail/mailer.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { sendConfirmationJob, type SendConfirmationData } from '../../src/signatures/send-confirmation.job.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { pressButtonBehind, signPetition } from '../helpers/forms.ts';

const SLUG = 'count-me';
const COUNT_LOCK = LOCKS.countRound;
import { createTestPool } from '../helpers/db.ts';

describe('counting confirmed signatures', () => {
  let t: TestApp;
  let actionId: number;
  const count = async () =>
    (await t.db.pool.query('SELECT signature_count, by_country FROM action_counts WHERE action_id = $1', [actionId])).rows[0];
  /** The shared row as stored, with its row version (xmin): any write to it, even one that changes nothing, changes xmin. */
  const countRow = async () =>
    (await t.db.pool.query<{ signature_count: number; counted_at: Date; version: string }>(
      'SELECT signature_count, counted_at, xmin::text AS version FROM action_counts WHERE action_id = $1',
      [actionId],
    )).rows[0]!;
  const confirmedInDatabase = async () =>
    (await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM signatures WHERE action_id = $1 AND confirmed_at IS NOT NULL', [actionId])).rows[0]!.n;

  before(async () => {
    // The web app and its queue, no workers: counting rounds run only when a test runs one.
    t = await createTestApp({ env: { RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000' } });
    const { rows } = await t.db.pool.query(
      `INSERT INTO actions (kind, slug, title, status, goal) VALUES ('petition', $1, 'Count me', 'open', 100) RETURNING id`,
      [SLUG],
    );
    actionId = rows[0].id;
  });
  after(() => t.close());

  async function addSignatures(n: number, confirmed: boolean, country = 'KZ', offset = 0) {
    await t.db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, confirmed_at)
       SELECT $1, 'c' || (g + $4) || '@example.org', 'Name', $3, CASE WHEN $2 THEN now() END FROM generate_series(1, $5) g`,
      [actionId, confirmed, country, offset, n],
    );
  }

  it('counts only confirmed signatures, with a breakdown by country', async () => {
    await addSignatures(30, true, 'KZ', 0);
    await addSignatures(5, true, 'GB', 1000);
    await addSignatures(7, false, 'DE', 2000);
    await updateCounts(t.db.pool);
    assert.deepEqual(await count(), { signature_count: 35, by_country: { KZ: 30, GB: 5 } });
  });

  it('gives the same numbers when two instances count at once, while signatures are being confirmed', async () => {
    await addSignatures(40, false, 'FR', 3000);
    const other = createTestPool(t.db.url, { max: 4 });
    try {
      let confirming = true;
      const confirmations = (async () => {
        try {
          for (let i = 0; i < 40; i++) {
            await t.db.pool.query(
              `UPDATE signatures SET confirmed_at = now()
               WHERE id = (SELECT id FROM signatures WHERE action_id = $1 AND country = 'FR' AND confirmed_at IS NULL ORDER BY id LIMIT 1)`,
              [actionId],
            );
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        } finally {
          confirming = false;
        }
      })();
      // Two instances (two pools), two loops each, counting round after round meanwhile.
      const instance = async (pool: typeof other) => {
        while (confirming) {
          await updateCounts(pool);
          const counted = (await count()).signature_count as number;
          const confirmed = await confirmedInDatabase(); // read after the count: it can only have grown since
          assert.ok(counted <= confirmed, `a round counted ${counted} with ${confirmed} confirmed: counted twice`);
        }
      };
      await Promise.all([confirmations, instance(t.db.pool), instance(other), instance(t.db.pool), instance(other)]);
      assert.equal(await confirmedInDatabase(), 75);

      // Every confirmation is in: rounds from both instances at once, and the numbers straight after them.
      await Promise.all([updateCounts(t.db.pool), updateCounts(other), updateCounts(t.db.pool), updateCounts(other)]);
      assert.deepEqual(await count(), { signature_count: 75, by_country: { KZ: 30, GB: 5, FR: 40 } });
    } finally {
      await other.end();
    }
  });

  it('skips the round, writing nothing, while another instance is counting', async () => {
    await addSignatures(3, true, 'FR', 4000);
    const before = await countRow();
    // Another instance in the middle of its round holds the count lock.
    await withTransaction(t.db.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [COUNT_LOCK]);
      assert.equal(await updateCounts(t.db.pool), 0, 'no action recounted');
      assert.deepEqual(await countRow(), before, 'the row is not written');
    });
    assert.equal(await updateCounts(t.db.pool), 1, 'the next round, with the lock free, recounts');
    assert.equal((await count()).signature_count, 78);
  });

  it('reconciles a count that drifted', async () => {
    await t.db.pool.query("UPDATE action_counts SET signature_count = 999, counted_at = now() - interval '2 minutes' WHERE action_id = $1", [actionId]);
    await updateCounts(t.db.pool);
    assert.equal((await count()).signature_count, 78);
  });

  it('never writes the shared count row when a supporter signs and confirms; the next round counts them', async () => {
    await updateCounts(t.db.pool);
    const before = await countRow();

    const address = 'confirms-by-email@example.org';
    assert.equal((await signPetition(t.app, { email: address, country: 'GB' }, SLUG)).status, 303);
    // The confirmation email, as the send-confirmation job makes it (a fresh token), kept instead of sent.
    const { rows: queued } = await t.db.pool.query<{ data: SendConfirmationData }>(
      `SELECT j.data FROM pgboss.job j
       JOIN signature_submissions ss ON ss.id = (j.data->>'submissionId')::bigint
       JOIN signatures s ON s.id = ss.signature_id
       WHERE j.name = 'send-confirmation' AND s.email = $1`,
      [address],
    );
    assert.equal(queued.length, 1, 'one confirmation email queued');
    const sent: OutgoingEmail[] = [];
    const mailer: Mailer = { send: async (email) => (sent.push(email), { response: '250 OK' }), close: () => undefined };
    const log = createLogger('silent');
    assert.equal(await sendConfirmationJob.handler({ db: t.db.pool, mailer, renderEmail: createEmailRenderer(), config: t.config, log }, queued[0]!.data), 'sent');
    const link = /https?:\/\/\S+\/confirm\/[A-Za-z0-9_-]{43}/.exec(sent[0]?.text ?? '')?.[0];
    assert.ok(link, 'the email holds a confirmation link');

    const confirmed = await pressButtonBehind(t.app, link);
    assert.equal(confirmed.status, 303);
    assert.match(confirmed.headers.location!, new RegExp(`^/actions/${SLUG}/thanks\\?country=[A-Z]{2}$`));
    const { rows } = await t.db.pool.query('SELECT confirmed_at FROM signatures WHERE email = $1', [address]);
    assert.ok(rows[0]?.confirmed_at, 'the signature is confirmed');

    assert.deepEqual(await countRow(), before, 'signing and confirming leave the count row as it was: same count, same counted_at, not even rewritten');
    assert.equal(await updateCounts(t.db.pool), 1);
    const after = await countRow();
    assert.equal(after.signature_count, before.signature_count + 1);
    assert.ok(after.counted_at > before.counted_at, 'the round stamps its count');
    assert.deepEqual((await count()).by_country, { KZ: 30, GB: 6, FR: 43 });
  });
});
