// What a feature registers to run in the background: a job (a name, a retry
// policy and a handler) for work that is enqueued, and a periodic task for
// work that runs every so often. src/jobs runs whatever src/features.ts lists;
// it knows no feature itself.
import type { Config } from '../config.ts';
import type { Pool, Queryable } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { EmailRenderer } from '../mail/templates.ts';
import type { Queue } from './queue.ts';

/**
 * Every job's payload, by name. Empty here: each feature adds its own jobs by
 * declaration merging (`declare module '../jobs/job.ts' { interface JobPayloads { … } }`),
 * so enqueue() is type-checked without this module importing any feature.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface JobPayloads {}
export type JobName = keyof JobPayloads;

export type RetryPolicy = { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number };

/** What handlers and periodic tasks may use. */
export type WorkerContext = {
  db: Pool;
  mailer: Mailer;
  renderEmail: EmailRenderer;
  config: Config;
  log: Logger;
  /** For work that starts other work (a scheduled update's time came: its fan-out is queued); startWorkers always sets it. */
  queue?: Pick<Queue, 'enqueue'>;
};

export type JobDefinition<N extends JobName = JobName> = {
  name: N;
  retry: RetryPolicy;
  /** Runs the job once; a throw is a temporary failure, retried by the queue's policy. */
  handler: (context: WorkerContext, data: JobPayloads[N]) => Promise<unknown>;
};

/** Any one of the jobs, each with its own payload type (what lists of jobs hold). */
export type AnyJobDefinition = { [N in JobName]: JobDefinition<N> }[JobName];

/** A job definition, with its payload type checked against its name. */
export function defineJob<N extends JobName>(definition: JobDefinition<N>): JobDefinition<N> {
  return definition;
}

export type PeriodicTask = {
  name: string;
  intervalMs: (config: Config) => number;
  /**
   * When set, one process at a time runs a round: it holds this advisory lock
   * (see sql/locks.sql for the keys in use), and another process skips the round.
   */
  exclusiveLock?: number;
  /** One round; `db` is the lock's connection for an exclusive task, else the pool. */
  run: (context: WorkerContext, db: Queryable) => Promise<unknown>;
};
