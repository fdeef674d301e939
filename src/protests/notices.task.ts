// Queues the reminders and thank-yous to RSVPs whose time has come: for each
// listed protest (never a proposed, rejected or cancelled one), for its current
// version, 'day_before' at 11:00 local the day before, 'day_of' at 08:00 local
// on the day (an hour before the start for a protest that starts before 09:00),
// and, when its call has a thank-you message, 'thanks' at 10:00 local the day
// after (reminder-times.ts). Each is a protest_notices row made once
// (queueNotice); the sender (send-notices.task.ts) emails the RSVPs.
//
// One worker at a time (LOCKS.queueProtestReminders), every minute: reminders
// are wall times of a minute. A reminder found more than six hours late, or
// after the protest began, is not queued at all (QUEUE_GRACE_MS); nor one due
// before the current version's "moved" notice was made, which already told the
// new place and time (a protest moved in the afternoon does not get a second
// "tomorrow" email right after the notice).
import { LOCKS } from '../db/locks.ts';
import type { Queryable } from '../db/pool.ts';
import type { PeriodicTask } from '../jobs/job.ts';
import * as repo from './protest-notices.repo.ts';
import { isReminderDue, reminderDueAt, type ReminderKind } from './reminder-times.ts';

export type QueuedReminder = { protestId: number; kind: ReminderKind; version: number };

const KINDS: readonly ReminderKind[] = ['day_before', 'day_of', 'thanks'];

/** Queues what is due at `now` (the caller's clock: the task passes the time, tests their own). */
export async function queueProtestReminders(db: Queryable, now: Date): Promise<QueuedReminder[]> {
  const queued: QueuedReminder[] = [];
  for (const protest of await repo.protestsForReminders(db, now)) {
    for (const kind of KINDS) {
      if (protest.queued.includes(kind)) continue;
      if (kind === 'thanks' && !protest.has_thanks) continue;
      if (!isReminderDue(kind, protest, now)) continue;
      if (protest.moved_at && reminderDueAt(kind, protest).getTime() < protest.moved_at.getTime()) continue;
      await repo.queueNotice(db, protest.id, kind, protest.version);
      queued.push({ protestId: protest.id, kind, version: protest.version });
    }
  }
  return queued;
}

export const queueProtestRemindersTask: PeriodicTask = {
  name: 'queue-protest-reminders',
  intervalMs: () => 60_000,
  exclusiveLock: LOCKS.queueProtestReminders,
  run: async (context, db) => {
    for (const r of await queueProtestReminders(db, new Date())) context.log.info({ protest: r.protestId, kind: r.kind, version: r.version }, 'protest reminder queued');
  },
};
