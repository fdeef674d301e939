// The durable job queue: pg-boss over the same PostgreSQL, with a queue for
// each job that a feature registers. Jobs are enqueued on the caller's
// transaction client, so a job exists exactly when the row that caused it was
// committed.
import PgBoss from 'pg-boss';
import pg, { type PoolClient } from 'pg';
import { LOCKS } from '../db/locks.ts';
import { loadQueries, nameOf } from '../db/queries.ts';
import type { Logger } from '../log.ts';
import type { AnyJobDefinition, JobName, JobPayloads, RetryPolicy } from './job.ts';

// Mail-like work: back off from 5 s, doubling, for about a day; a job running
// longer than two minutes is presumed dead and retried.
export const MAIL_RETRY: RetryPolicy = { retryLimit: 14, retryDelay: 5, retryBackoff: true, expireInSeconds: 120 };

export type Queue = {
  boss: PgBoss;
  enqueue<N extends JobName>(client: PoolClient, name: N, data: JobPayloads[N]): Promise<void>;
  /** Stops pg-boss and closes its connections, by `deadline` (a Date.now() value) at the latest. */
  stop(deadline?: number): Promise<void>;
};

/**
 * The INSERT that enqueue() runs for a job, as the installed pg-boss writes
 * it, read from enqueue itself (with a client that records instead of
 * running), once per queue and job name. A statement that writes a row and its
 * job in one round trip takes it as a data-modifying CTE (src/db/queries.ts,
 * embed): the job row is then exactly the one enqueue() would write, in the
 * statement's own transaction. pg-boss's parameters: `$2` the job's name, `$3`
 * its data (the statement puts SQL of its own there), the others in `values`
 * by number (`values[0]` is `$1`).
 */
export type JobInsert = { text: string; values: readonly unknown[] };

const jobInserts = new WeakMap<object, Map<string, Promise<JobInsert>>>();

export function jobInsertOf<N extends JobName>(queue: Pick<Queue, 'enqueue'>, name: N, sample: JobPayloads[N]): Promise<JobInsert> {
  let byName = jobInserts.get(queue);
  if (!byName) jobInserts.set(queue, (byName = new Map()));
  let insert = byName.get(name);
  if (!insert) {
    insert = recordJobInsert(queue, name, sample);
    insert.catch(() => byName.delete(name)); // the next call tries again
    byName.set(name, insert);
  }
  return insert;
}

async function recordJobInsert<N extends JobName>(queue: Pick<Queue, 'enqueue'>, name: N, sample: JobPayloads[N]): Promise<JobInsert> {
  let recorded: JobInsert | undefined;
  const recorder = {
    query: async (config: { text: string; values: unknown[] }) => {
      recorded = { text: config.text, values: config.values };
      return { rows: [{ id: '00000000-0000-0000-0000-000000000000' }], rowCount: 1 };
    },
  } as unknown as PoolClient;
  await queue.enqueue(recorder, name, sample);
  // What embedding relies on: the name as $2, the data as $3 (pg-boss 10's insertJob).
  if (!recorded || recorded.values[1] !== name || JSON.stringify(recorded.values[2]) !== JSON.stringify(sample) || !/\$2\b/.test(recorded.text) || !/\$3::jsonb/.test(recorded.text)) {
    throw new Error(`pg-boss send(): the job's name and data are no longer $2 and $3 (src/jobs/queue.ts, JobInsert)`);
  }
  return recorded;
}

const locks = loadQueries('locks.sql', ['lock']);

// pg-boss sends the same INSERT for every job: naming it lets node-postgres
// prepare it once per connection, as our own statements are (see db/queries.ts).
const statementNames = new Map<string, string>();
function preparedName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = nameOf('pgboss', text);
    statementNames.set(text, name);
  }
  return name;
}

export async function startQueue(options: {
  connectionString: string;
  log: Logger;
  /** The jobs that features register (src/features.ts): each gets its queue and retry policy. */
  jobs: readonly AnyJobDefinition[];
  /** Overrides every job's policy (tests retry quickly). */
  retry?: Partial<RetryPolicy>;
  /** Run pg-boss's maintenance (expiry of stuck jobs, archiving) in this process. */
  supervise: boolean;
}): Promise<Queue> {
  const boss = new PgBoss({
    connectionString: options.connectionString,
    max: 4,
    application_name: 'placard-queue',
    supervise: options.supervise,
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: 30,
  });
  boss.on('error', (error) => options.log.error({ err: error }, 'job queue error'));
  await boss.start();
  // Processes starting together on a new database (web processes, workers, a
  // rolling update that adds a job) deadlocked in pg-boss's createQueue (found
  // by bench:faults, test/jobs/queue-start-together): they take turns, under a
  // lock held by a connection of its own, which ending releases.
  const lock = new pg.Client({ connectionString: options.connectionString, application_name: 'placard-queue-setup' });
  // Its queries reject should the connection break; the event must not end the process.
  lock.on('error', (error) => options.log.warn({ err: error }, 'job queue setup connection lost'));
  await lock.connect();
  try {
    await lock.query({ ...locks.lock, values: [LOCKS.createQueues] });
    for (const job of options.jobs) {
      const policy = { name: job.name, ...job.retry, ...options.retry };
      // createQueue is idempotent; updateQueue keeps the policy in step with the code.
      await boss.createQueue(job.name, policy);
      await boss.updateQueue(job.name, policy);
    }
  } finally {
    await lock.end();
  }
  return {
    boss,
    async enqueue(client, name, data) {
      await boss.send(name, data, {
        db: { executeSql: (text: string, values: unknown[]) => client.query({ name: preparedName(text), text, values }) },
      });
    },
    async stop(deadline = Date.now() + 15_000) {
      // pg-boss's timeout is for the jobs of its own work() handlers, which we
      // do not use (see jobs/workers.ts); what is left is closing its pool.
      // Should that hang, the caller's deadline still holds.
      let timer: NodeJS.Timeout | undefined;
      const left = Math.max(0, deadline - Date.now());
      const stopped = boss.stop({ graceful: true, wait: true, timeout: Math.max(1_000, left) });
      stopped.catch(() => undefined); // a failure after the deadline is no longer anyone's concern
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), left)));
      try {
        if ((await Promise.race([stopped, late])) === 'late') options.log.warn('the job queue did not stop by its deadline');
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
