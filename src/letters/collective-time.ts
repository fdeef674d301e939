// When collective letters go, in each recipient's own time zone (luxon): a
// digest at its local hour every day, or every Monday (the start of an
// office's week: a weekly digest has no day of its own in the settings); a
// scheduled letter at its wall time there. A zone luxon does not know is UTC.
import { DateTime } from 'luxon';

export type DigestSchedule = { every: 'daily' | 'weekly'; hour: number; timeZone: string };

function zoneOf(timeZone: string): string {
  return DateTime.now().setZone(timeZone).isValid ? timeZone : 'UTC';
}

/**
 * The first digest time strictly after `after`. Days are counted on the local
 * calendar, so 09:00 stays 09:00 across a change of clocks; an hour the change
 * skips (01:00 in London's spring) is the first instant after it (luxon).
 */
export function nextDigestAt(after: Date, schedule: DigestSchedule): Date {
  const day = DateTime.fromJSDate(after, { zone: zoneOf(schedule.timeZone) }).startOf('day');
  for (let i = 0; i <= 8; i++) {
    const slot = day.plus({ days: i }).set({ hour: schedule.hour, minute: 0, second: 0, millisecond: 0 });
    if (schedule.every === 'weekly' && slot.weekday !== 1) continue;
    if (slot.toMillis() > after.getTime()) return slot.toJSDate();
  }
  throw new Error('unreachable: a week always holds a Monday');
}

/**
 * Whether `at` is one of the schedule's times: a due time stored under other
 * settings (another hour, weekly now, a recipient moved to another zone) is
 * not, and is set afresh rather than sent at the old time.
 */
export function isDigestTime(at: Date, schedule: DigestSchedule): boolean {
  return nextDigestAt(new Date(at.getTime() - 1), schedule).getTime() === at.getTime();
}

/** The instant of a wall time ('YYYY-MM-DDTHH:mm') in the recipient's zone. */
export function scheduledInstant(local: string, timeZone: string): Date {
  return DateTime.fromISO(local, { zone: zoneOf(timeZone) }).toJSDate();
}
