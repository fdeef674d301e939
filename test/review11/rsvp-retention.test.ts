// Who went to a protest at an embassy (the name they were called by, the link
// to their address, whether they shared it with the local organiser) is, for
// people who may face reprisals at home, the most dangerous thing the site
// holds. RSVPS_ANONYMISE_AFTER_DAYS after a protest ends it is forgotten: its
// confirmed RSVPs keep only what the count needs, the others go, and so does
// the local organiser's link; a protest still to come, or just past, keeps its
// RSVPs. (Found by the review of issue 11; signatures of closed actions were
// anonymised, RSVPs never.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { anonymisePastRsvps } from '../../src/protests/rsvp.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { seedCall, seedProtest } from '../protests/rsvp-seed.ts';

describe('review 11: RSVPs of past protests', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const going = async (protest: number) =>
    (await t.db.pool.query('SELECT count(*)::int AS n FROM rsvps WHERE protest_id = $1 AND confirmed_at IS NOT NULL AND cancelled_at IS NULL', [protest])).rows[0].n;

  it('lose the names and the link to the address, keeping the count; recent ones are kept', async () => {
    const call = await seedCall(t, 'review11-retention');
    const longAgo = await seedProtest(t, call, {});
    const recent = await seedProtest(t, call, {});
    await t.db.pool.query("UPDATE protests SET starts_at = now() - interval '40 days 2 hours', ends_at = now() - interval '40 days' WHERE id = $1", [longAgo]);
    await t.db.pool.query("UPDATE protests SET starts_at = now() - interval '5 days 2 hours', ends_at = now() - interval '5 days' WHERE id = $1", [recent]);
    const supporter = async (email: string) => (await t.db.pool.query<{ id: number }>('INSERT INTO supporters (email) VALUES ($1) RETURNING id', [email])).rows[0]!.id;
    const rsvp = (protest: number, who: number, name: string, state: string) =>
      t.db.pool.query(`INSERT INTO rsvps (protest_id, supporter_id, name, share_with_organiser, confirmed_at, cancelled_at) VALUES ($1, $2, $3, true, ${state})`, [protest, who, name]);
    await rsvp(longAgo, await supporter('went-long-ago@example.org'), 'Bakhyt Longago', "now() - interval '41 days', NULL");
    await rsvp(longAgo, await supporter('pending-long-ago@example.org'), 'Pending Longago', 'NULL, NULL');
    await rsvp(longAgo, await supporter('cancelled-long-ago@example.org'), 'Cancelled Longago', "now() - interval '45 days', now() - interval '42 days'");
    await rsvp(recent, await supporter('went-recently@example.org'), 'Dana Recent', "now() - interval '6 days', NULL");
    await t.db.pool.query('INSERT INTO protest_organiser_links (protest_id, token_hash) VALUES ($1, $3), ($2, $4)', [longAgo, recent, Buffer.from([1]), Buffer.from([2])]);
    const before = { longAgo: await going(longAgo), recent: await going(recent) };

    const round = await anonymisePastRsvps(t.db.pool, 30);
    assert.deepEqual(round, { anonymised: 1, deleted: 2, links: 1 });

    const left = await t.db.pool.query("SELECT count(*)::int AS n FROM rsvps r LEFT JOIN supporters s ON s.id = r.supporter_id WHERE r.name LIKE '%Longago%' OR s.email LIKE '%long-ago@example.org'");
    assert.equal(left.rows[0].n, 0, 'nobody who RSVPed to the long-past protest is known any more');
    assert.deepEqual({ longAgo: await going(longAgo), recent: await going(recent) }, before, 'the counts stay');
    const recentRow = await t.db.pool.query('SELECT name, supporter_id IS NOT NULL AS linked FROM rsvps WHERE protest_id = $1', [recent]);
    assert.deepEqual(recentRow.rows, [{ name: 'Dana Recent', linked: true }], 'a protest five days past keeps its RSVPs');
    const links = await t.db.pool.query('SELECT protest_id FROM protest_organiser_links ORDER BY protest_id');
    assert.deepEqual(links.rows.map((r) => Number(r.protest_id)), [recent]);
    assert.deepEqual(await anonymisePastRsvps(t.db.pool, 30), { anonymised: 0, deleted: 0, links: 0 }, 'a second round finds nothing');
  });
});
