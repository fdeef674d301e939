// Whether the database answers, within a bound, for /healthz: a probe must get
// its answer even when every connection of the pool is taken or the server is silent.
import type { Queryable } from './pool.ts';

export const HEALTH_TIMEOUT_MS = 1000;

/** True when `SELECT 1` comes back within timeoutMs; false when it fails or is late. */
export async function databaseAnswers(db: Queryable, timeoutMs = HEALTH_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    // A late query is left to finish, or fail on the pool's connect timeout, on its own.
    const answered = db.query('SELECT 1').then(
      () => true,
      () => false,
    );
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}
