// Runs the periodic tasks that features register: every task's interval, one
// round at a time, and an exclusive task in one process at a time.
import { exclusively } from '../db/advisory-lock.ts';
import { every, type Loop } from './every.ts';
import type { PeriodicTask, WorkerContext } from './job.ts';

/** One round of a task; false when another process had it (an exclusive task). */
export async function runRound(task: PeriodicTask, context: WorkerContext): Promise<boolean> {
  if (task.exclusiveLock === undefined) {
    await task.run(context, context.db);
    return true;
  }
  return exclusively(context.db, task.exclusiveLock, (client) => task.run(context, client));
}

export function startPeriodicTask(task: PeriodicTask, context: WorkerContext): Loop {
  const { log } = context;
  const round = async () => {
    if (!(await runRound(task, context))) log.debug({ task: task.name }, 'another process has this round');
  };
  return every(task.intervalMs(context.config), round, (error) => log.warn({ err: error, task: task.name }, 'periodic task failed; will retry'));
}
