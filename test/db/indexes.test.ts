// The hot and the periodic queries have indexes that fit them: each plan,
// with sequential scans discouraged as on a big table, reads the index meant for it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadQueries } from '../../src/db/queries.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const actions = loadQueries('actions.sql', ['list-recent-public-signers', 'update-stale-counts']);
const signatures = loadQueries('signatures.sql', ['purge-stale-pending-signatures', 'purge-dead-tokens', 'search-signatures', 'count-signatories']);

describe('indexes', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
    await db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'indexed', 'Indexed', 'open')");
    // Other actions' signatures, so that one action's are a part of the table
    // and interleaved with the rest, as in life.
    await db.pool.query("INSERT INTO actions (kind, slug, title, status) SELECT 'petition', 'other-' || g, 'Other', 'open' FROM generate_series(1, 9) g");
    // Many confirmed signatures, none opted in to the public list: the case that scanned them all.
    await db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, confirmed_at)
       SELECT 1 + g % 10, 's' || g || '@example.org', 'Name', 'KZ', now() FROM generate_series(1, 50000) g`,
    );
    // A small action among them: its few signatures in a big table.
    await db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'small', 'Small', 'open')");
    await db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, confirmed_at)
       SELECT 11, 'small' || g || '@example.org', 'Name', 'KZ', now() FROM generate_series(1, 200) g`,
    );
    // As autovacuum leaves a table: statistics, and the visibility map that index-only scans need.
    await db.pool.query('VACUUM ANALYZE signatures');
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

  it('lists public signers from the index of those who chose to be shown, not hidden, not invalidated', async () => {
    const text = await plan(actions['list-recent-public-signers'].text, [1, 10]);
    assert.match(text, /Index Scan using signatures_listed_idx[\s\S]*Index Cond: \(action_id = /, text);
    assert.doesNotMatch(text, /Filter:/, 'the index holds exactly the listed signers: nothing read is thrown away');
  });

  it('counts from the index of what counts alone (an index-only scan), invalidated signatures left out', async () => {
    // The round for one action, as an organiser's invalidation runs it, and the periodic one.
    const one = await plan(actions['update-stale-counts'].text, [60_000, 1]);
    assert.match(one, /Index Only Scan using signatures_counted_idx[\s\S]*Index Cond: \(action_id = /, one);
    const round = await plan(actions['update-stale-counts'].text, [60_000, null]);
    assert.match(round, /Index Only Scan using signatures_counted_idx/, round);
    const title = await plan(signatures['count-signatories'].text, [1]);
    assert.match(title, /Index Only Scan using signatures_counted_idx/, title);
  });

  it('pages through an action\'s signatures in the admin by keyset, never sorting or skipping rows', async () => {
    for (const [action, index] of [[1, /signatures_(admin_idx|pkey)/], [11, /signatures_admin_idx/]] as const) {
      for (const after of [null, 40000]) {
        const text = await plan(signatures['search-signatures'].text, [action, null, null, null, null, null, after, 51]);
        // A big action may be read along the primary key (most rows near the end are its own); a small one along its range of signatures_admin_idx.
        assert.match(text, new RegExp(`Limit[\\s\\S]*Index Scan Backward using ${index.source}[\\s\\S]*Index Cond: [\\s\\S]*id < `), text);
        assert.doesNotMatch(text, /Sort/, 'no sort of all the action\'s signatures');
      }
    }
    // With filters the planner may pick another index when it expects few
    // matches (then it sorts only those); the page is still bounded by the
    // keyset, never an OFFSET.
    const filtered = await plan(signatures['search-signatures'].text, [1, 'name', 'KZ', new Date(0), new Date(), 'confirmed', 40000, 51]);
    assert.match(filtered, /Limit[\s\S]*id < '40000'/, filtered);
  });

  it('finds stale pending signatures and dead tokens by index', async () => {
    const pending = await plan(signatures['purge-stale-pending-signatures'].text, [30, 7]);
    assert.match(pending, /signatures_pending_idx[\s\S]*Index Cond: \(last_notice_at </, pending);
    const tokens = await plan(signatures['purge-dead-tokens'].text, [30]);
    assert.match(tokens, /confirmation_tokens_expires_idx[\s\S]*Index Cond: \(expires_at </, tokens);
  });
});
