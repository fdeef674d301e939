// The connection pool and the one transaction helper every multi-statement
// write goes through; it always releases its client, even when the work throws.
import pg from 'pg';

export type Pool = pg.Pool;
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// Bigint counts come back as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: 'placard' });
  // An idle client losing its connection (Postgres restart) must not crash the app.
  pool.on('error', () => undefined);
  return pool;
}

export async function withTransaction<T>(pool: Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
