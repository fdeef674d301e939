// The pace of letters to one recipient address: at most a letter's per_hour
// an hour, only in office hours (Monday to Friday, 09:00 to 17:00 in the
// recipient's time zone), fewer at the edges of the day by an hour-of-day
// weight (Proca's messages_ratio_per_hour: 30 an hour at 10:00 and 15:00, 24
// at 09:00, 21 over lunch), and spread within the hour rather than sent in a
// burst at its first second (Proca spreads each hour's letters over it too).
// So that no inbox is flooded and no provider takes the campaign for spam.
//
// The sender reserves a slot for each letter from the address's row of
// letter_pacing, locked for the instant of the take (deliveries.repo.ts), so
// that every worker shares one pace. A letter whose slot is later than now
// waits for it (its not_before): each queued letter is scheduled once, however
// long the queue, instead of being taken and put back in every round.
//
// Pure arithmetic here, on instants in milliseconds; luxon for the zones.
import { DateTime } from 'luxon';

/** Share of per_hour in each local hour (Proca's table; only 9 to 16 are used, the office hours). */
export const HOUR_WEIGHTS: readonly number[] = [
  0.02, 0.03, 0.04, 0.05, 0.06, 0.1, 0.15, 0.25, 0.5, 0.8, 1, 0.9, 0.7, 0.7, 0.9, 1, 0.9, 0.7, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02,
];

export const OFFICE_FROM_HOUR = 9;
export const OFFICE_TO_HOUR = 17;

const HOUR_MS = 3_600_000;

/** The zone letters are paced in: the recipient's, or UTC for a name luxon does not know. */
export function paceZone(timeZone: string): string {
  return DateTime.now().setZone(timeZone).isValid ? timeZone : 'UTC';
}

function local(ms: number, zone: string): DateTime {
  return DateTime.fromMillis(ms, { zone });
}

/** Monday to Friday, from 09:00 to before 17:00, local time. */
export function isOfficeHour(ms: number, zone: string): boolean {
  const t = local(ms, zone);
  return t.weekday <= 5 && t.hour >= OFFICE_FROM_HOUR && t.hour < OFFICE_TO_HOUR;
}

/** How many letters an address takes in a local hour: per_hour by the hour's weight, at least one. */
export function hourCapacity(perHour: number, localHour: number): number {
  return Math.max(1, Math.floor(perHour * (HOUR_WEIGHTS[localHour] ?? 1)));
}

/** The start of the local hour holding `ms`. */
export function hourStartOf(ms: number, zone: string): number {
  return local(ms, zone).startOf('hour').toMillis();
}

/**
 * `ms` when it is in office hours, else the start of the next office hour
 * (a weekend or a night is skipped whole; days on which the clocks change
 * have their real hours, as luxon counts them).
 */
export function officeTimeAtOrAfter(ms: number, zone: string): number {
  if (isOfficeHour(ms, zone)) return ms;
  let t = local(ms, zone).startOf('hour');
  // At most a week of hours: every week has office hours.
  for (let i = 0; i < 24 * 8; i++) {
    t = t.plus({ hours: 1 }).startOf('hour');
    if (isOfficeHour(t.toMillis(), zone)) return t.toMillis();
  }
  throw new Error(`no office hour within a week in ${zone}`);
}

/** What an address's row of letter_pacing holds: the local hour counted, how many were reserved in it, the last reserved slot. */
export type AddressPace = { hourStart: number; taken: number; lastAt: number };

export const NO_PACE: AddressPace = { hourStart: -Infinity, taken: 0, lastAt: -Infinity };

/**
 * The slot of the next letter to this address, at `now` or later, and the
 * row's state once it is reserved: in office hours, at most the hour's
 * capacity in each local hour, and at least an hour / capacity after the
 * previous letter of the same hour. A clock that reads earlier than the last
 * slot (another server's, a step back) only makes the letter wait for it.
 */
export function reserveSlot(pace: AddressPace, now: number, perHour: number, timeZone: string): { slot: number; next: AddressPace } {
  const zone = paceZone(timeZone);
  let candidate = Math.max(now, pace.lastAt);
  for (let i = 0; i < 24 * 8 * 2; i++) {
    candidate = officeTimeAtOrAfter(candidate, zone);
    const hourStart = hourStartOf(candidate, zone);
    const capacity = hourCapacity(perHour, local(hourStart, zone).hour);
    const sameHour = hourStart === pace.hourStart;
    const taken = sameHour ? pace.taken : 0;
    if (taken < capacity) {
      // Spread over the hour: the letters of one hour are an hour / capacity apart.
      const spaced = sameHour && taken > 0 ? Math.max(candidate, pace.lastAt + Math.floor(HOUR_MS / capacity)) : candidate;
      if (hourStartOf(spaced, zone) === hourStart) return { slot: spaced, next: { hourStart, taken: taken + 1, lastAt: spaced } };
    }
    // This hour is full: the next one.
    candidate = local(hourStart, zone).plus({ hours: 1 }).toMillis();
  }
  throw new Error(`no slot for a letter within a week in ${zone}`);
}
