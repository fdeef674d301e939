// Work that one process at a time may do (purges that every worker process
// schedules): a session-level advisory lock on a connection of its own, which
// the work then uses, so a round needs one connection only.
import type pg from 'pg';
import { checkOut, type Pool } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('locks.sql', ['try-lock', 'unlock']);

/** Runs `work` holding the lock; false, without running it, when another process holds it. */
export async function exclusively(db: Pool, lock: number, work: (client: pg.PoolClient) => Promise<unknown>): Promise<boolean> {
  const { client, done } = await checkOut(db);
  let discard = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>({ ...sql['try-lock'], values: [lock] });
    if (!rows[0]!.locked) return false;
    try {
      await work(client);
    } finally {
      // Should the unlock fail, destroying the connection releases the lock.
      await client.query({ ...sql.unlock, values: [lock] }).catch(() => {
        discard = true;
      });
    }
    return true;
  } finally {
    done(discard);
  }
}
