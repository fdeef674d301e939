// The connection pool and the one transaction helper every multi-statement
// write goes through; it always releases its client, even when the work throws,
// and never hands a client whose connection broke back to the pool.
import pg from 'pg';
import type { Logger } from '../log.ts';

export type Pool = pg.Pool;
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// Bigint counts come back as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type PoolOptions = {
  log: Logger;
  max?: number;
  /** How long to wait for a connection, a new one or a free one of a busy pool; unset: forever. */
  connectTimeoutMs?: number;
  /** Set on each connection as it opens; 0 or unset: PostgreSQL's own setting (off by default). */
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
};

export function createPool(connectionString: string, options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: 'placard',
    connectionTimeoutMillis: options.connectTimeoutMs,
    // Sent in the startup packet, so they cost no round trip; RESET goes back to them.
    statement_timeout: options.statementTimeoutMs || undefined,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs || undefined,
  });
  // An idle client losing its connection (Postgres restart) must not crash the
  // app; the pool drops it and the next query opens a new one.
  pool.on('error', (error) => options.log.warn({ err: error }, 'idle database connection lost; the pool drops it'));
  return pool;
}

export type CheckedOut = {
  client: pg.PoolClient;
  /** Gives the client back, or destroys it when its connection broke or `discard` is set. */
  done: (discard?: Error | boolean) => void;
};

/**
 * Checks a client out with an 'error' listener for as long as it is out. pg
 * emits 'error' on a client whose connection breaks (PostgreSQL restarted, the
 * backend terminated, idle_in_transaction_session_timeout), and an 'error' event
 * that nobody listens to ends the process. With the listener, the client's
 * queries reject instead, and done() destroys the client.
 */
export function checkOut(pool: Pool): Promise<CheckedOut> {
  // The callback form, not the promise: under load a released client is handed
  // to the next waiter inside release(), and the promise's continuation would
  // add our listener a microtask later. An 'error' in between (PostgreSQL's
  // FATAL at a restart, read with the previous query's last message) found no
  // listener and ended the process (bench:faults; test/db/checkout-handoff).
  return new Promise((resolve, reject) => {
    pool.connect((error, client) => {
      if (error || !client) return reject(error ?? new Error('pool.connect gave no client'));
      let broken: Error | undefined;
      const onError = (clientError: Error) => {
        broken ??= clientError;
      };
      client.on('error', onError);
      resolve({
        client,
        done(discard) {
          // release() puts the pool's own idle listener back before ours goes.
          client.release(broken ?? discard);
          client.off('error', onError);
        },
      });
    });
  });
}

export async function withTransaction<T>(pool: Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, done } = await checkOut(pool);
  let discard: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A client whose ROLLBACK failed may still be inside the transaction, or
    // have no connection left: it is destroyed, never reused.
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      discard = rollbackError;
    });
    throw error;
  } finally {
    done(discard);
  }
}
