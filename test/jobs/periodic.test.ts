import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { pruneRateLimitsTask } from '../../src/http/rate-limit.ts';
import type { Pool } from '../../src/db/pool.ts';
import type { WorkerContext } from '../../src/jobs/job.ts';
import { runRound } from '../../src/jobs/periodic.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { PENDING_RETENTION_DAYS, purgeStaleSignaturesTask } from '../../src/signatures/purge.task.ts';
import { newToken } from '../../src/http/link-tokens.ts';
import { createTestDatabase, createTestPool, type TestDatabase } from '../helpers/db.ts';

// The last link went out at last_notice_at and lived this long.
const LINK_TTL_DAYS = 7;

describe('periodic tasks: purges', () => {
  let db: TestDatabase;
  let context: WorkerContext;
  const contextOn = (pool: Pool): WorkerContext => ({ ...context, db: pool });
  before(async () => {
    db = await createTestDatabase();
    const log = createLogger('silent');
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, CONFIRMATION_TTL_DAYS: String(LINK_TTL_DAYS), DATA_DIR: 'data/test-mail' });
    context = { db: db.pool, config, log, mailer: createMailer({ from: 'p@placard.test', dataDir: config.dataDir, log }), renderEmail: createEmailRenderer() };
  });
  after(() => db.drop());

  it('deletes unconfirmed signatures 30 days after their last link expired, and keeps the rest', async () => {
    const { rows } = await db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'keep-tidy', 'Keep tidy', 'open') RETURNING id");
    const actionId = rows[0].id;
    const old = `now() - interval '${PENDING_RETENTION_DAYS + LINK_TTL_DAYS + 1} days'`;
    const recent = `now() - interval '${PENDING_RETENTION_DAYS + LINK_TTL_DAYS - 1} days'`;
    await db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, created_at, last_notice_at, confirmed_at) VALUES
        ($1, 'stale@example.org', 'Stale', 'KZ', ${old}, ${old}, NULL),
        ($1, 'fresh@example.org', 'Fresh', 'KZ', now(), now(), NULL),
        ($1, 'confirmed@example.org', 'Confirmed', 'KZ', ${old}, ${old}, ${old}),
        ($1, 'resent@example.org', 'Resent', 'KZ', ${old}, ${old}, NULL),
        -- Signed long ago, but sent a fresh link later: kept until 30 days after that one expired.
        ($1, 'again@example.org', 'Again', 'KZ', ${old}, ${recent}, NULL)`,
      [actionId],
    );
    const live = newToken();
    await db.pool.query(
      "INSERT INTO confirmation_tokens (token_hash, signature_id, expires_at) SELECT $1, id, now() + interval '1 day' FROM signatures WHERE email = 'resent@example.org'",
      [live.hash],
    );
    await db.pool.query("INSERT INTO rate_limit_hits (key, hits, reset_at) VALUES ('sign:old', 3, now() - interval '1 minute'), ('sign:now', 3, now() + interval '1 minute')");
    assert.equal(await runRound(purgeStaleSignaturesTask, context), true);
    assert.equal(await runRound(pruneRateLimitsTask, context), true);
    const left = (await db.pool.query('SELECT email FROM signatures ORDER BY email')).rows.map((r) => r.email);
    assert.deepEqual(left, ['again@example.org', 'confirmed@example.org', 'fresh@example.org', 'resent@example.org']);
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
      const first = runRound(pruneRateLimitsTask, context);
      for (;;) {
        const { rows } = await db.pool.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM rate_limit_hits%'",
        );
        if (rows[0].n === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(await runRound(pruneRateLimitsTask, contextOn(otherProcess)), false, 'the second process skips');
      await blocker.query('ROLLBACK');
      assert.equal(await first, true, 'the first ran');
      assert.equal(await runRound(pruneRateLimitsTask, contextOn(otherProcess)), true, 'the next round is free again');
    } finally {
      await blocker.end();
      await otherProcess.end();
    }
  });
});
