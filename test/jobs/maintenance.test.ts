import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PENDING_RETENTION_DAYS, runMaintenance } from '../../src/jobs/maintenance.ts';
import { newToken } from '../../src/signatures/tokens.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('maintenance', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('deletes unconfirmed signatures 30 days after their last link expired, and keeps the rest', async () => {
    const { rows } = await db.pool.query("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'keep-tidy', 'Keep tidy', 'open') RETURNING id");
    const actionId = rows[0].id;
    // The last link went out at last_notice_at and lived LINK_TTL_DAYS.
    const LINK_TTL_DAYS = 7;
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
    await runMaintenance(db.pool, LINK_TTL_DAYS);
    const left = (await db.pool.query('SELECT email FROM signatures ORDER BY email')).rows.map((r) => r.email);
    assert.deepEqual(left, ['again@example.org', 'confirmed@example.org', 'fresh@example.org', 'resent@example.org']);
    const keys = (await db.pool.query('SELECT key FROM rate_limit_hits')).rows.map((r) => r.key);
    assert.deepEqual(keys, ['sign:now']);
  });
});
