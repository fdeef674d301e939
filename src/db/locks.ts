// Every advisory lock key Placard takes, in one place, so that no two pieces
// of work ever share one by accident (test/layers.test.ts checks they differ).
export const LOCKS = {
  /** Migrations: instances starting together take turns (src/db/migrate.ts). */
  migrations: 7_265_301,
  /** Building the tests' template database (test/helpers/db.ts). */
  testTemplate: 7_265_302,
  /** One count round at a time (src/actions/counts.ts). */
  countRound: 7_265_303,
  /** The purge of stale signatures (src/signatures/purge.task.ts). */
  purgeSignatures: 7_265_304,
  /** The pruning of ended rate-limit windows (src/http/rate-limit.ts). */
  pruneRateLimits: 7_265_305,
  /** The retention purge of mail records (src/mail/purge.task.ts). */
  purgeMailRecords: 7_265_306,
  /** The deletion of expired admin sessions and links (src/admin/prune.task.ts). */
  pruneAdminSessions: 7_265_307,
  /** The anonymisation of signatures of long-closed actions (src/supporters). */
  anonymiseSignatures: 7_265_308,
  /** Starting the campaign updates whose time has come (src/updates). */
  startDueUpdates: 7_265_309,
  /** Starting the letter digests whose day has come (src/letters/digests.task.ts). */
  startLetterDigests: 7_265_310,
  /** Starting the scheduled letters whose hour has come (src/letters/scheduled.task.ts). */
  startScheduledLetters: 7_265_311,
  /** Queuing the reminders and thank-yous to RSVPs whose time has come (src/protests/notices.task.ts). */
  queueProtestReminders: 7_265_312,
  /** Creating and updating the job queues at start, one process at a time (src/jobs/queue.ts). */
  createQueues: 7_265_313,
} as const;
