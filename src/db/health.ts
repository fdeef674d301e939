// Whether the database answers, for /healthz. The probe has a connection of its
// own, apart from the app's pool: a surge that takes every connection of the
// pool leaves a busy instance healthy (a load balancer must not pull every busy
// instance at once), while a database that is down or silent gives "no" within
// a bound, so the probe never hangs.
import pg from 'pg';
import type { Logger } from '../log.ts';

export const HEALTH_TIMEOUT_MS = 1000;

export type HealthProbe = {
  /** True when `SELECT 1` comes back within HEALTH_TIMEOUT_MS; false when it fails or is late. */
  databaseAnswers: () => Promise<boolean>;
  close: () => Promise<void>;
};

export function createHealthProbe(connectionString: string, log: Logger, timeoutMs = HEALTH_TIMEOUT_MS): HealthProbe {
  const pool = new pg.Pool({
    connectionString,
    max: 1,
    application_name: 'placard-health',
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    // Probes come every few seconds; between them the connection may go.
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => log.debug({ err: error }, 'health probe connection lost'));
  return {
    async databaseAnswers() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        // A late query is left to end on its own timeouts.
        const answered = pool.query('SELECT 1').then(
          () => true,
          () => false,
        );
        return await Promise.race([answered, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => pool.end().catch(() => undefined),
  };
}
