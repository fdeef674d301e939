// Review of issue 9: an organiser opens a long-closed action again while the
// anonymisation is walking it (a big action takes many batches). The walk must
// stop touching it: the signatures made since are not anonymised, and a new
// pending one is not deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QueryConfig } from 'pg';
import { anonymiseClosedActions } from '../../src/supporters/anonymise.task.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('review 9: anonymisation of an action opened again mid-walk', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  async function addSignature(actionId: number, email: string, confirmed: boolean): Promise<number> {
    const supporter = await t.db.pool.query<{ id: number }>("INSERT INTO supporters (email, name, confirmed_at) VALUES ($1, 'S', now()) RETURNING id", [email]);
    const { rows } = await t.db.pool.query<{ id: number }>(
      "INSERT INTO signatures (action_id, supporter_id, email, name, country, confirmed_at) VALUES ($1, $2, $3, 'Name', 'KZ', CASE WHEN $4 THEN now() END) RETURNING id",
      [actionId, supporter.rows[0]!.id, email, confirmed],
    );
    return rows[0]!.id;
  }

  it('leaves the signatures of an action opened again alone', async () => {
    const actionId = (await t.db.pool.query<{ id: number }>(
      "INSERT INTO actions (kind, slug, title, status, closed_at) VALUES ('petition', 'reopened', 'Reopened', 'closed', now() - interval '300 days') RETURNING id",
    )).rows[0]!.id;
    for (let i = 0; i < 3; i++) await addSignature(actionId, `old${i}@example.org`, true);

    let fresh: { pending: number; confirmed: number } | undefined;
    const db = {
      query: async (q: QueryConfig) => {
        const result = await t.db.pool.query(q);
        if (!fresh && /anonymised AS/.test(q.text)) {
          // After the first batch: the organiser opens the action again, and people sign it.
          await t.db.pool.query("UPDATE actions SET status = 'open', closed_at = NULL, updated_at = now() WHERE id = $1", [actionId]);
          fresh = { pending: await addSignature(actionId, 'new-pending@example.org', false), confirmed: await addSignature(actionId, 'new-confirmed@example.org', true) };
        }
        return result;
      },
    };
    await anonymiseClosedActions(db as unknown as typeof t.db.pool, 183, 1);
    const { rows } = await t.db.pool.query<{ id: number; email: string | null }>('SELECT id, email FROM signatures WHERE id = ANY ($1)', [[fresh!.pending, fresh!.confirmed]]);
    assert.deepEqual(rows.map((r) => r.email).sort(), ['new-confirmed@example.org', 'new-pending@example.org'], 'the open action’s new signatures are untouched');
    const anonymised = await t.db.pool.query('SELECT count(*)::int AS n FROM signatures WHERE action_id = $1 AND anonymised_at IS NOT NULL', [actionId]);
    assert.ok(anonymised.rows[0].n <= 1, `at most the first batch was anonymised (${anonymised.rows[0].n})`);
  });
});
