// The hot and the periodic queries have indexes that fit them: each plan,
// with sequential scans discouraged as on a big table, reads the index meant for it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadQueries } from '../../src/db/queries.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const actions = loadQueries('actions.sql', ['list-recent-public-signers']);
const signatures = loadQueries('signatures.sql', ['purge-stale-pending-signatures', 'purge-dead-tokens']);

describe('indexes', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    const { rows } = await db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'indexed', 'Indexed', 'open') RETURNING id");
    // Many confirmed signatures, none opted in to the public list: the case that scanned them all.
    await db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, confirmed_at)
       SELECT $1, 's' || g || '@example.org', 'Name', 'KZ', now() FROM generate_series(1, 5000) g`,
      [rows[0].id],
    );
    await db.pool.query('ANALYZE signatures');
  });
  after(() => db.drop());

  async function plan(text: string, values: unknown[]): Promise<string> {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN ${text}`, values);
      return rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  it('lists public signers from the index of those who chose to be shown', async () => {
    const text = await plan(actions['list-recent-public-signers'].text, [1, 10]);
    assert.match(text, /signatures_public_idx[\s\S]*Index Cond: \(action_id = /, text);
  });

  it('finds stale pending signatures and dead tokens by index', async () => {
    const pending = await plan(signatures['purge-stale-pending-signatures'].text, [30, 7]);
    assert.match(pending, /signatures_pending_idx[\s\S]*Index Cond: \(last_notice_at </, pending);
    const tokens = await plan(signatures['purge-dead-tokens'].text, [30]);
    assert.match(tokens, /confirmation_tokens_expires_idx[\s\S]*Index Cond: \(expires_at </, tokens);
  });
});
