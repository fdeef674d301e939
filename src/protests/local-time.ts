// A protest's time as people read it, in the protest's own zone (luxon, so any
// IANA zone and its daylight-saving changes), and its place on a map. One home
// for the call's page, the RSVP's pages and emails, and the notices, so that a
// protest reads the same everywhere.
import { DateTime } from 'luxon';

const DAY = 'cccc d LLLL yyyy';

const at = (moment: Date | string, timeZone: string) => DateTime.fromJSDate(new Date(moment), { zone: timeZone }).setLocale('en');

/** "Kazakhstan Time (GMT+5)", "Greenwich Mean Time (GMT)": the zone's name at that moment, and its short form. */
export function zoneLabel(moment: DateTime): string {
  const long = moment.offsetNameLong;
  const short = moment.offsetNameShort ?? moment.toFormat('ZZ');
  return long && long !== short ? `${long} (${short})` : short;
}

/** "Wednesday 16 December 2026, 12:00, Kazakhstan Time (GMT+5)". */
export function startInWords(startsAt: Date | string, timeZone: string): string {
  const start = at(startsAt, timeZone);
  return `${start.toFormat(`${DAY}, HH:mm`)}, ${zoneLabel(start)}`;
}

/** "Monday 26 October 2026, 12:00–14:00, Greenwich Mean Time (GMT)"; an end on another day is given with its date. */
export function whenInWords(p: { starts_at: Date | string; ends_at: Date | string; time_zone: string }): string {
  const start = at(p.starts_at, p.time_zone);
  const end = at(p.ends_at, p.time_zone);
  const range = start.hasSame(end, 'day') ? `${start.toFormat(`${DAY}, HH:mm`)}–${end.toFormat('HH:mm')}` : `${start.toFormat(`${DAY}, HH:mm`)} – ${end.toFormat(`${DAY}, HH:mm`)}`;
  return `${range}, ${zoneLabel(start)}`;
}

/**
 * OpenStreetMap, opened only when the reader clicks (a plain link: nothing is
 * loaded from it by a page or an email): the point when the protest has
 * coordinates, else a search for its address, city and country.
 */
export function mapLink(p: { latitude: number | string | null; longitude: number | string | null; place: string; address: string; city: string }, countryName: string): string {
  if (p.latitude !== null && p.longitude !== null) {
    const lat = encodeURIComponent(String(p.latitude));
    const lon = encodeURIComponent(String(p.longitude));
    return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`;
  }
  const query = [p.address || p.place, p.address.includes(p.city) ? '' : p.city, countryName].filter(Boolean).join(', ');
  return `https://www.openstreetmap.org/search?query=${encodeURIComponent(query)}`;
}
