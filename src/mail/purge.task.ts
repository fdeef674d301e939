// The retention purge of mail records: each is kept MAIL_RECORD_RETENTION_DAYS
// (long past any retry of its job), then deleted with the server's reply it
// holds. Records about a signature go sooner, with the signature itself.
import { LOCKS } from '../db/locks.ts';
import type { PeriodicTask } from '../jobs/job.ts';
import { purgeOldEmails } from './sent-emails.repo.ts';

export const MAIL_RECORD_RETENTION_DAYS = 30;

export const purgeMailRecordsTask: PeriodicTask = {
  name: 'purge-mail-records',
  intervalMs: () => 60 * 60_000,
  exclusiveLock: LOCKS.purgeMailRecords,
  run: (_context, db) => purgeOldEmails(db, MAIL_RECORD_RETENTION_DAYS),
};
