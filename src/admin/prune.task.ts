// Expired admin sessions and old one-time links are deleted every few minutes,
// by one process at a time.
import { LOCKS } from '../db/locks.ts';
import type { PeriodicTask } from '../jobs/job.ts';
import { pruneTokensAndSessions } from './organisers.repo.ts';

export const pruneAdminSessionsTask: PeriodicTask = {
  name: 'prune-admin-sessions',
  intervalMs: () => 10 * 60_000,
  exclusiveLock: LOCKS.pruneAdminSessions,
  run: (_context, db) => pruneTokensAndSessions(db),
};
