import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PENDING_RETENTION_DAYS, runMaintenance } from '../../src/jobs/maintenance.ts';
import { newToken } from '../../src/signatures/tokens.ts';
import { createTestDatabase, createTestPool, type TestDatabase } from '../helpers/db.ts';

describe('maintenance', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('deletes unconfirmed signatures whose links are long dead, and keeps the rest', async () => {
    const { rows } = await db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'keep-tidy', 'Keep tidy', 'open') RETURNING id");
    const actionId = rows[0].id;
    const old = `now() - interval '${PENDING_RETENTION_DAYS + 1} days'`;
    await db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, created_at, confirmed_at) VALUES
        ($1, 'stale@example.org', 'Stale', 'KZ', ${old}, NULL),
        ($1, 'fresh@example.org', 'Fresh', 'KZ', now(), NULL),
        ($1, 'confirmed@example.org', 'Confirmed', 'KZ', ${old}, ${old}),
        ($1, 'resent@example.org', 'Resent', 'KZ', ${old}, NULL)`,
      [actionId],
    );
    const live = newToken();
    await db.pool.query(
      "INSERT INTO confirmation_tokens (token_hash, signature_id, expires_at) SELECT $1, id, now() + interval '1 day' FROM signatures WHERE email = 'resent@example.org'",
      [live.hash],
    );
    await db.pool.query("INSERT INTO rate_limit_hits (key, hits, reset_at) VALUES ('sign:old', 3, now() - interval '1 minute'), ('sign:now', 3, now() + interval '1 minute')");
    assert.equal(await runMaintenance(db.pool), true);
    const left = (await db.pool.query('SELECT email FROM signatures ORDER BY email')).rows.map((r) => r.email);
    assert.deepEqual(left, ['confirmed@example.org', 'fresh@example.org', 'resent@example.org']);
    const keys = (await db.pool.query('SELECT key FROM rate_limit_hits')).rows.map((r) => r.key);
    assert.deepEqual(keys, ['sign:now']);
  });

  it('runs in one process at a time: another process skips the round', { timeout: 15_000 }, async () => {
    const otherProcess = createTestPool(db.url, { max: 2 });
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      // Hold the first round inside its work, so that the second comes while it runs.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE rate_limit_hits IN ACCESS EXCLUSIVE MODE');
      const first = runMaintenance(db.pool);
      for (;;) {
        const { rows } = await db.pool.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM rate_limit_hits%'",
        );
        if (rows[0].n === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(await runMaintenance(otherProcess), false, 'the second process skips');
      await blocker.query('ROLLBACK');
      assert.equal(await first, true, 'the first ran');
      assert.equal(await runMaintenance(otherProcess), true, 'the next round is free again');
    } finally {
      await blocker.end();
      await otherProcess.end();
    }
  });
});
