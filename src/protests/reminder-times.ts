// When each reminder of a protest is due, in the protest's own zone (luxon):
// wall times of a day in that zone, so that a daylight-saving change between
// the reminder and the protest moves nothing (the day before a Monday protest
// in London after the October change is still 11:00 on the Sunday, GMT).
// Pure functions of the protest and the caller's clock.
import { DateTime } from 'luxon';
import type { NoticeKind } from './protest-notices.repo.ts';

export type ReminderKind = Extract<NoticeKind, 'day_before' | 'day_of' | 'thanks'>;

/** The day before at 11:00, on the day at 08:00, the day after at 10:00. */
export const REMINDER_HOURS = { day_before: 11, day_of: 8, thanks: 10 } as const;

/**
 * A reminder found later than this after its time is not queued (the workers
 * were down, or the protest was listed late): a "tomorrow" email at midnight
 * helps nobody. Six hours keeps a short outage harmless and a long one quiet;
 * the day-of reminder then still comes, if its own time is near.
 */
export const QUEUE_GRACE_MS = 6 * 3600_000;

type Timed = { starts_at: Date; ends_at: Date; time_zone: string };

const atHour = (day: DateTime, hour: number) => day.set({ hour, minute: 0, second: 0, millisecond: 0 });

export function reminderDueAt(kind: ReminderKind, protest: Timed): Date {
  const start = DateTime.fromJSDate(protest.starts_at, { zone: protest.time_zone });
  switch (kind) {
    case 'day_before':
      return atHour(start.minus({ days: 1 }), REMINDER_HOURS.day_before).toJSDate();
    case 'day_of': {
      // 08:00 on the day; but a protest that starts before 09:00 local (a
      // dawn vigil at 07:00) would get its reminder less than an hour ahead, or
      // after it began, so it gets it an hour before its start instead.
      const eight = atHour(start, REMINDER_HOURS.day_of);
      const hourBefore = start.minus({ hours: 1 });
      return (start.hour < 9 ? hourBefore : eight).toJSDate();
    }
    case 'thanks':
      // The day after the protest ended (a night vigil's is the day after its morning).
      return atHour(DateTime.fromJSDate(protest.ends_at, { zone: protest.time_zone }).plus({ days: 1 }), REMINDER_HOURS.thanks).toJSDate();
  }
}

/**
 * Whether the reminder is to be queued at `now`: its time has come, not more
 * than QUEUE_GRACE_MS ago, and (for the two reminders) the protest has not
 * started.
 */
export function isReminderDue(kind: ReminderKind, protest: Timed, now: Date): boolean {
  const due = reminderDueAt(kind, protest).getTime();
  const t = now.getTime();
  if (t < due || t >= due + QUEUE_GRACE_MS) return false;
  return kind === 'thanks' || t < protest.starts_at.getTime();
}

/**
 * Until when a queued notice is still worth sending (a sender that finds it
 * later marks it skipped): a reminder until the protest starts, the one of the
 * day before only until that day ends in the protest's zone (then "tomorrow"
 * would be wrong, and the day-of reminder says it); "moved" and "cancelled"
 * until the protest would have ended; the thank-you for three days.
 */
export function noticeExpiresAt(kind: NoticeKind, protest: Timed): Date {
  switch (kind) {
    case 'day_before': {
      const startOfDay = DateTime.fromJSDate(protest.starts_at, { zone: protest.time_zone }).startOf('day').toJSDate();
      return new Date(Math.min(startOfDay.getTime(), protest.starts_at.getTime()));
    }
    case 'day_of':
      return protest.starts_at;
    case 'moved':
    case 'cancelled':
      return protest.ends_at;
    case 'thanks':
      return new Date(reminderDueAt('thanks', protest).getTime() + 3 * 24 * 3600_000);
  }
}
