import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { updateCounts } from '../../src/actions/counts.ts';
import { createTestDatabase, createTestPool, type TestDatabase } from '../helpers/db.ts';

describe('counting confirmed signatures', () => {
  let db: TestDatabase;
  let actionId: number;
  const count = async () =>
    (await db.pool.query('SELECT signature_count, by_country FROM action_counts WHERE action_id = $1', [actionId])).rows[0];

  before(async () => {
    db = await createTestDatabase();
    const { rows } = await db.pool.query("INSERT INTO actions (kind, slug, title, status, goal) VALUES ('petition', 'count-me', 'Count me', 'open', 100) RETURNING id");
    actionId = rows[0].id;
  });
  after(() => db.drop());

  async function addSignatures(n: number, confirmed: boolean, country = 'KZ', offset = 0) {
    await db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, confirmed_at)
       SELECT $1, 'c' || (g + $4) || '@example.org', 'Name', $3, CASE WHEN $2 THEN now() END FROM generate_series(1, $5) g`,
      [actionId, confirmed, country, offset, n],
    );
  }

  it('counts only confirmed signatures, with a breakdown by country', async () => {
    await addSignatures(30, true, 'KZ', 0);
    await addSignatures(5, true, 'GB', 1000);
    await addSignatures(7, false, 'DE', 2000);
    await updateCounts(db.pool);
    assert.deepEqual(await count(), { signature_count: 35, by_country: { KZ: 30, GB: 5 } });
  });

  it('gives the same numbers when two instances count at once', async () => {
    await addSignatures(20, true, 'FR', 3000);
    const other = createTestPool(db.url, { max: 2 });
    try {
      await Promise.all([updateCounts(db.pool), updateCounts(other), updateCounts(db.pool), updateCounts(other)]);
      await updateCounts(other);
    } finally {
      await other.end();
    }
    assert.equal((await count()).signature_count, 55);
  });

  it('reconciles a count that drifted', async () => {
    await db.pool.query("UPDATE action_counts SET signature_count = 999, counted_at = now() - interval '2 minutes' WHERE action_id = $1", [actionId]);
    await updateCounts(db.pool);
    assert.equal((await count()).signature_count, 55);
  });

  it('never writes a shared row when a signature is confirmed', async () => {
    // Confirming touches only the signature's own row; the count changes on the next round.
    await db.pool.query("UPDATE signatures SET confirmed_at = now() WHERE action_id = $1 AND country = 'DE'", [actionId]);
    assert.equal((await count()).signature_count, 55);
    await updateCounts(db.pool);
    assert.equal((await count()).signature_count, 62);
  });
});
