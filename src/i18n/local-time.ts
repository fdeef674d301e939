// Times that organisers type: an <input type="datetime-local"> value ("2026-12-16T10:00")
// means a wall-clock time in the campaign's zone, and is stored as an instant.
import { DateTime } from 'luxon';

/**
 * The instant that `value` ("YYYY-MM-DDTHH:mm", as a datetime-local input sends it)
 * names in `timeZone`; undefined when it is not such a value or names no real time
 * (a wall-clock time skipped by a daylight-saving change is moved forward, as luxon does).
 */
export function parseLocalDateTime(value: string, timeZone: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const moment = DateTime.fromISO(value, { zone: timeZone });
  return moment.isValid ? moment.toJSDate() : undefined;
}

/** The value for a datetime-local input showing `date` in `timeZone` ("" for none). */
export function toLocalDateTimeInput(date: Date | string | null | undefined, timeZone: string): string {
  if (!date) return '';
  return DateTime.fromJSDate(new Date(date), { zone: timeZone }).toFormat("yyyy-MM-dd'T'HH:mm");
}
