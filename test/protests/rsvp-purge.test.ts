// The purge keeps a supporter whose only pledge is an RSVP (deleting them would
// take their RSVP with them), and deletes RSVPs never confirmed once their
// last link has long expired, as it does pending signatures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { purgeStaleSignaturesTask } from '../../src/signatures/purge.task.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { seedCall, seedProtest } from './rsvp-seed.ts';

describe('purging around RSVPs', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  it('keeps confirmed RSVPs and their supporters, and purges stale pending ones', async () => {
    const call = await seedCall(t, 'purge-call');
    const protest = await seedProtest(t, call, {});
    const add = async (address: string, confirmed: boolean) => {
      await t.db.pool.query(
        `WITH s AS (INSERT INTO supporters (email, created_at) VALUES ($1, now() - interval '90 days') RETURNING id)
         INSERT INTO rsvps (protest_id, supporter_id, name, confirmed_at, last_notice_at, created_at)
         SELECT $2, s.id, 'N', CASE WHEN $3 THEN now() - interval '80 days' END, now() - interval '80 days', now() - interval '80 days' FROM s`,
        [address, protest, confirmed],
      );
    };
    await add('kept@example.org', true);
    await add('stale@example.org', false);
    await purgeStaleSignaturesTask.run({ config: t.config } as never, t.db.pool);
    const { rows } = await t.db.pool.query('SELECT s.email, (SELECT count(*)::int FROM rsvps v WHERE v.supporter_id = s.id) AS rsvps FROM supporters s WHERE s.email IN ($1, $2) ORDER BY s.email', ['kept@example.org', 'stale@example.org']);
    // The confirmed RSVP and its supporter stay; the stale pending RSVP went, and then its supporter, left with nothing.
    assert.deepEqual(rows, [{ email: 'kept@example.org', rsvps: 1 }]);
  });
});
