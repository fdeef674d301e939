// The pool's settings reach PostgreSQL: statement and idle-in-transaction
// timeouts, the connect timeout, and pool errors in the log.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createPool, withTransaction } from '../../src/db/pool.ts';
import { createTestDatabase, createTestPool, type TestDatabase } from '../helpers/db.ts';

/** A logger whose lines the test can wait for. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      wake?.();
      callback();
    },
  });
  const log = pino({ level: 'warn', base: undefined }, stream);
  const waitFor = async (match: (line: Record<string, unknown>) => boolean) => {
    while (!lines.some(match)) await new Promise<void>((resolve) => (wake = resolve));
  };
  return { log, lines, waitFor };
}

describe('the database pool', () => {
  let db: TestDatabase;
  let admin: pg.Client;
  before(async () => {
    db = await createTestDatabase();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    await db.drop();
  });

  it('reads its timeouts from the environment, with defaults, and names a bad one', () => {
    assert.deepEqual(loadConfig({}).databaseTimeouts, { connectTimeoutMs: 5000, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 });
    const set = loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '900', DATABASE_STATEMENT_TIMEOUT_MS: '0', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1500' });
    assert.deepEqual(set.databaseTimeouts, { connectTimeoutMs: 900, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 1500 });
    assert.throws(() => loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '0' }), (e: Error) => e instanceof ConfigError && /DATABASE_CONNECT_TIMEOUT_MS/.test(e.message));
    assert.throws(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: 'soon' }), /DATABASE_STATEMENT_TIMEOUT_MS/);
    assert.throws(() => loadConfig({ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '-1' }), /DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS/);
  });

  it('sets the default timeouts on every connection', async () => {
    const { rows } = await db.pool.query('SELECT current_setting($1) AS statement, current_setting($2) AS idle', ['statement_timeout', 'idle_in_transaction_session_timeout']);
    assert.deepEqual(rows[0], { statement: '30s', idle: '1min' });
  });

  it('cancels a statement that runs past the statement timeout', async () => {
    const pool = createTestPool(db.url, { max: 1, statementTimeoutMs: 150 });
    try {
      assert.equal((await pool.query('SHOW statement_timeout')).rows[0].statement_timeout, '150ms');
      await assert.rejects(pool.query('SELECT pg_sleep(3)'), { code: '57014', message: /statement timeout/ });
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'the connection is still good');
    } finally {
      await pool.end();
    }
  });

  it('ends a transaction left idle past the idle-in-transaction timeout; the caller gets the error, the pool carries on', { timeout: 10_000 }, async () => {
    const pool = createTestPool(db.url, { max: 1, idleInTransactionTimeoutMs: 200 });
    try {
      assert.equal((await pool.query('SHOW idle_in_transaction_session_timeout')).rows[0].idle_in_transaction_session_timeout, '200ms');
      const stuck = withTransaction(pool, async (client) => {
        await client.query('SELECT 1');
        // A request that forgot its transaction: PostgreSQL ends the session.
        await new Promise((resolve) => client.once('end', resolve));
      });
      await assert.rejects(stuck, /not queryable|Connection terminated/);
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await pool.end();
    }
  });

  it('gives up waiting for a connection after the connect timeout', { timeout: 10_000 }, async () => {
    const pool = createTestPool(db.url, { max: 1, connectTimeoutMs: 200 });
    const held = await pool.connect();
    try {
      await assert.rejects(pool.query('SELECT 1'), /timeout/);
    } finally {
      held.release();
      await pool.end();
    }
  });

  it('logs an idle connection that was lost, and opens a new one', { timeout: 10_000 }, async () => {
    const { log, waitFor } = capturingLogger();
    const pool = createPool(db.url, { log, max: 1 });
    try {
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await waitFor((line) => line.msg === 'idle database connection lost; the pool drops it' && line.level === 40);
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await pool.end();
    }
  });
});
