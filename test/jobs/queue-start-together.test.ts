// Found by bench:faults (issue 12), which starts two web processes and two
// workers at once on a new database: one of them failed to start with
// "deadlock detected" and exited. Each process creates the queue of every job
// (src/jobs/queue.ts, pg-boss's createQueue); a queue that does not exist yet
// is a new partition of pgboss.job with a foreign key to pgboss.queue, and two
// processes creating queues side by side each hold a lock the other's
// ALTER TABLE waits for. It happens on a database where the queues do not
// exist yet: a first deployment with several instances, or a version that
// brings a new job, started on several instances at once (a rolling update).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobs } from '../../src/features.ts';
import { startQueue, type Queue } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase } from '../helpers/db.ts';

const log = createLogger('silent');
const PROCESSES = 4;
const ROUNDS = 4;

describe('processes starting together on a database without the queues', () => {
  it('all start: creating the queues side by side never deadlocks', { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const db = await createTestDatabase();
      try {
        // The test template has every queue: remove them, as on a database where pg-boss never created them.
        const first = await startQueue({ connectionString: db.url, log, jobs, supervise: false });
        for (const job of jobs) await first.boss.deleteQueue(job.name);
        await first.stop();

        const starts = await Promise.allSettled(Array.from({ length: PROCESSES }, () => startQueue({ connectionString: db.url, log, jobs, supervise: false })));
        await Promise.all(starts.map((s) => (s.status === 'fulfilled' ? (s.value as Queue).stop() : undefined)));
        for (const s of starts) if (s.status === 'rejected') failures.push(`round ${round + 1}: ${(s.reason as Error).message}`);
      } finally {
        await db.drop();
      }
    }
    assert.deepEqual(failures, []);
  });
});
