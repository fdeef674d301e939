// Review of issue 9: a confirmed supporter with no consent to updates whose
// every signature was anonymised (or withdrawn) kept their supporter row,
// address and name, for ever. The purge now takes every supporter left with no
// pledge and no live consent; one who still wants updates stays.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { anonymiseClosedActions } from '../../src/supporters/anonymise.task.ts';
import { purgeSupportersWithNothingLeft } from '../../src/supporters/supporters.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('review 9: what is left of a supporter after anonymisation', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('keeps no address or name of a supporter with no signature and no consent left', async () => {
    const actionId = (await t.db.pool.query<{ id: number }>(
      "INSERT INTO actions (kind, slug, title, status, closed_at) VALUES ('petition', 'long-closed', 'Long closed', 'closed', now() - interval '300 days') RETURNING id",
    )).rows[0]!.id;
    const supporter = (await t.db.pool.query<{ id: number }>("INSERT INTO supporters (email, name, confirmed_at, created_at) VALUES ('gone@example.org', 'Gone Person', now() - interval '400 days', now() - interval '400 days') RETURNING id")).rows[0]!.id;
    await t.db.pool.query("INSERT INTO signatures (action_id, supporter_id, email, name, country, confirmed_at) VALUES ($1, $2, 'gone@example.org', 'Gone Person', 'KZ', now() - interval '400 days')", [actionId, supporter]);
    await anonymiseClosedActions(t.db.pool, 183);
    await purgeSupportersWithNothingLeft(t.db.pool);
    const { rowCount } = await t.db.pool.query("SELECT 1 FROM supporters WHERE email = 'gone@example.org' OR name = 'Gone Person'");
    assert.equal(rowCount, 0);
  });

  it('keeps a supporter who still wants updates, with no signature left', async () => {
    const supporter = (await t.db.pool.query<{ id: number }>("INSERT INTO supporters (email, name, confirmed_at, created_at) VALUES ('stays@example.org', 'Stays', now() - interval '400 days', now() - interval '400 days') RETURNING id")).rows[0]!.id;
    await t.db.pool.query("INSERT INTO consents (supporter_id, purpose, wording, source) VALUES ($1, 'campaign-updates', 'Email me updates about this campaign', 'signature')", [supporter]);
    await purgeSupportersWithNothingLeft(t.db.pool);
    assert.equal((await t.db.pool.query("SELECT 1 FROM supporters WHERE id = $1", [supporter])).rowCount, 1);
  });
});
