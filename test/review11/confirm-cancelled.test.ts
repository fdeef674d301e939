// Review of issue 11: a confirmation checks that the protest takes RSVPs when
// the link is opened (inspect), before its transaction; the protest is locked
// only inside it. An organiser cancelling the protest in between (their cancel
// commits, its notice goes to the RSVPs confirmed so far) let the confirmation
// go through: a live RSVP to a cancelled protest, "thank you, see you there",
// and no notice ever (it went before). The kind's confirm, under the protest's
// lock, must refuse a protest that no longer takes RSVPs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTransaction } from '../../src/db/pool.ts';
import { PledgeRefused } from '../../src/pledges/pledge.ts';
import { rsvpPledge } from '../../src/protests/rsvp-pledge.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { seedCall, seedProtest } from '../protests/rsvp-seed.ts';

describe('review 11: confirming an RSVP of a protest cancelled meanwhile', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('is refused under the lock', async () => {
    const call = await seedCall(t, 'review11-confirm-cancelled');
    const protest = await seedProtest(t, call, {});
    const s = await t.db.pool.query<{ id: number }>("INSERT INTO supporters (email) VALUES ('late-confirm@example.org') RETURNING id");
    const rsvp = (await t.db.pool.query<{ id: number }>("INSERT INTO rsvps (protest_id, supporter_id, name) VALUES ($1, $2, 'Late') RETURNING id", [protest, s.rows[0]!.id])).rows[0]!.id;
    // The link was opened while the protest was listed; the organiser cancels now.
    await t.db.pool.query("UPDATE protests SET status = 'cancelled', cancelled_at = now() WHERE id = $1", [protest]);
    const kind = rsvpPledge({ queue: { enqueue: async () => undefined } as never, config: { confirmationMaxResends: 2, confirmationTtlDays: 7 } });
    await assert.rejects(
      withTransaction(t.db.pool, (client) => kind.confirm(client, { rsvpId: rsvp } as never)),
      (error) => error instanceof PledgeRefused,
    );
    const row = (await t.db.pool.query('SELECT confirmed_at FROM rsvps WHERE id = $1', [rsvp])).rows[0];
    assert.equal(row.confirmed_at, null, 'an RSVP made live on a cancelled protest');
  });
});
