// The page of a protest call: its protests grouped by country then city,
// soonest first, the supporter's country first (from ?country=, or the region
// of the browser's language), each in its own local time with its zone named.
// Everything works without a script: the country is chosen with a GET form,
// and every outside link (the map, Google Calendar) is a plain link, so
// nothing loads from another site until it is clicked.
import type { Request } from 'express';
import { DateTime } from 'luxon';
import type { Queryable } from '../db/pool.ts';
import type { Locale, MessageKey } from '../i18n/index.ts';
import { mapLink } from './local-time.ts';
import { letterPanelView, type LetterPanelView } from '../letters/letter-panel.ts';
import { countryName } from '../signatures/countries.ts';
import { countryOfQuery } from '../signatures/signatures.schema.ts';
import { paths } from '../urls.ts';
import { calendarEvent, googleCalendarUrl } from './calendar.ts';
import * as repo from './protests.repo.ts';

/**
 * The country of the first language tag, by preference (q), that names a
 * region: "de-DE,de;q=0.9" → DE, "en-GB" → GB. A language alone ("de", "en")
 * says nothing of where a person is, so it preselects nothing.
 */
export function countryOfAcceptLanguage(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const tags = header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((t) => t.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of tags) {
    // language[-script]-REGION…: the region is the first two-letter subtag after the language.
    const region = tag.split('-').slice(1).find((sub) => /^[A-Za-z]{2}$/.test(sub));
    const code = countryOfQuery(region);
    if (code) return code;
  }
  return undefined;
}

/**
 * What a call's page depends on besides its address, for the page cache
 * (src/http/page-cache.ts): the country Accept-Language names, '' for none.
 * Only some 250 values, so a visitor cannot make it keep pages without end.
 */
export function callPageVariant(req: Request): string {
  return countryOfAcceptLanguage(req.get('accept-language')) ?? '';
}

/** ?country=XX wins (a known code only); ?country= (empty) is "all countries, none first"; else the browser's region. */
export function chosenCountry(query: unknown, acceptLanguage: string | undefined): string | undefined {
  if (query === '') return undefined;
  return countryOfQuery(query) ?? countryOfAcceptLanguage(acceptLanguage);
}

export type LocalTime = {
  /** "Thursday 16 December 2027" */
  date: string;
  /** "12:00" */
  start: string;
  /** "14:00", or with its date when it ends another day. */
  end: string;
  endDate?: string;
  /** "Central European Standard Time" */
  zoneName: string;
  /** "UTC+1" */
  offset: string;
};

/** A moment in a zone, in words: the day, the times, the zone by name and offset (luxon, so any IANA zone). */
export function localTime(startsAt: Date, endsAt: Date, timeZone: string): LocalTime {
  const start = DateTime.fromJSDate(new Date(startsAt), { zone: timeZone }).setLocale('en-GB');
  const end = DateTime.fromJSDate(new Date(endsAt), { zone: timeZone }).setLocale('en-GB');
  const date = start.toFormat('cccc d MMMM yyyy');
  const endDate = end.toFormat('cccc d MMMM yyyy');
  return {
    date,
    start: start.toFormat('HH:mm'),
    end: end.toFormat('HH:mm'),
    endDate: endDate === date ? undefined : endDate,
    zoneName: start.offsetNameLong ?? timeZone,
    offset: start.offset === 0 ? 'UTC' : `UTC${start.toFormat('Z')}`,
  };
}

/** The protest on OpenStreetMap (src/protests/local-time.ts), its country named in the page's language. */
export function mapUrl(p: Pick<repo.PublicProtest, 'latitude' | 'longitude' | 'place' | 'address' | 'city' | 'country'>, locale: Locale): string {
  return mapLink(p, countryName(locale, p.country));
}

export type ProtestView = repo.PublicProtest & {
  cancelled: boolean;
  /** Takes RSVPs: listed, the call open, and not over. */
  rsvpOpen: boolean;
  when: LocalTime;
  startsIso: string;
  endsIso: string;
  mapUrl: string;
  calendarPath: string;
  googleCalendarUrl: string;
  /** With a capacity: places left (0: full). */
  placesLeft?: number;
  full: boolean;
  /** The local organiser's contact, only when they agreed to it being shown. */
  publicContact?: string;
  /** What this protest's RSVP form shows again when it came back with mistakes. */
  form?: { values?: Record<string, unknown>; errors?: Record<string, MessageKey> };
  /** The RSVP form offers to sign the call's letter to this protest's embassy (the call has a letter, the protest an embassy). */
  letterAlongside?: boolean;
  recipientName?: string;
};

export type CityGroup = { city: string; protests: ProtestView[] };
export type CountryGroup = { code: string; name: string; chosen: boolean; cities: CityGroup[] };

export type CallPageView = {
  call: repo.ProtestCall;
  /** The call's day, in words. */
  day: string;
  chosen?: { code: string; name: string };
  /** The chosen country has no listed protest: the page says so, and offers the proposal form. */
  noneInChosen: boolean;
  groups: CountryGroup[];
  /** The select's options: the countries with protests (and the chosen one). */
  countries: { code: string; name: string; selected: boolean }[];
  /** Confirmed RSVPs over the call's listed protests. */
  going: number;
  proposePath?: string;
  /** The call's letter (to the embassy in the chosen country), signed alongside an RSVP; undefined when it has none. */
  letter?: LetterPanelView;
};

/** An RSVP form that came back (part G's route): its protest, and what it showed. */
export type RsvpFormState = { protestId?: number; values?: Record<string, unknown>; errors?: Record<string, MessageKey> };

export type CallPageInput = { country: unknown; acceptLanguage: string | undefined; open: boolean; baseUrl: string; now: Date };

export function protestView(p: repo.PublicProtest, action: { slug: string; title: string }, input: Pick<CallPageInput, 'open' | 'baseUrl' | 'now'>, locale: Locale): ProtestView {
  const cancelled = p.status === 'cancelled';
  const placesLeft = p.capacity === null ? undefined : Math.max(0, p.capacity - p.confirmed);
  return {
    ...p,
    cancelled,
    rsvpOpen: !cancelled && input.open && new Date(p.ends_at) > input.now,
    when: localTime(p.starts_at, p.ends_at, p.time_zone),
    startsIso: new Date(p.starts_at).toISOString(),
    endsIso: new Date(p.ends_at).toISOString(),
    mapUrl: mapUrl(p, locale),
    calendarPath: paths.protestCalendar(p.id),
    googleCalendarUrl: googleCalendarUrl(calendarEvent(p, action, input.baseUrl)),
    placesLeft,
    full: placesLeft === 0,
    publicContact: p.organiser_contact_public && p.organiser_contact ? p.organiser_contact : undefined,
  };
}

/** Countries by name with the chosen one first; cities by name; protests soonest first (the query's order). */
export function groupProtests(protests: ProtestView[], chosen: string | undefined, locale: Locale): CountryGroup[] {
  const byCountry = new Map<string, Map<string, ProtestView[]>>();
  for (const p of [...protests].sort((a, b) => new Date(a.starts_at).getTime() - new Date(b.starts_at).getTime() || a.id - b.id)) {
    const cities = byCountry.get(p.country) ?? new Map<string, ProtestView[]>();
    byCountry.set(p.country, cities);
    const city = cities.get(p.city) ?? [];
    cities.set(p.city, city);
    city.push(p);
  }
  return [...byCountry.entries()]
    .map(([code, cities]) => ({
      code,
      name: countryName(locale, code),
      chosen: code === chosen,
      cities: [...cities.entries()].map(([city, list]) => ({ city, protests: list })).sort((a, b) => a.city.localeCompare(b.city, locale)),
    }))
    .sort((a, b) => Number(b.chosen) - Number(a.chosen) || a.name.localeCompare(b.name, locale));
}

/** The protest-call part of an action's page, or undefined when the call has no settings yet (never opened). */
export async function callPageView(
  db: Queryable,
  action: { id: number; slug: string; title: string },
  input: CallPageInput,
  locale: Locale,
  form: RsvpFormState = {},
): Promise<CallPageView | undefined> {
  const code = chosenCountry(input.country, input.acceptLanguage);
  const [call, protests, letter] = await Promise.all([
    repo.callOfAction(db, action.id),
    repo.publicProtestsOfCall(db, action.id),
    letterPanelView(db, action.id, { country: code ?? '' }, locale, input.now),
  ]);
  if (!call) return undefined;
  const views = protests.map((p) => ({
    ...protestView(p, action, input, locale),
    form: form.protestId === p.id ? { values: form.values, errors: form.errors } : undefined,
    letterAlongside: letter !== undefined && p.recipient_id !== null,
    recipientName: p.recipient_name ?? '',
  }));
  const groups = groupProtests(views, code, locale);
  const listedIn = new Set(views.filter((p) => !p.cancelled).map((p) => p.country));
  const countryCodes = new Set([...groups.map((g) => g.code), ...(code ? [code] : [])]);
  return {
    call,
    day: DateTime.fromISO(isoDay(call.day), { zone: 'UTC' }).setLocale('en-GB').toFormat('d MMMM yyyy'),
    chosen: code ? { code, name: countryName(locale, code) } : undefined,
    noneInChosen: code !== undefined && !listedIn.has(code),
    groups,
    countries: [...countryCodes]
      .map((c) => ({ code: c, name: countryName(locale, c), selected: c === code }))
      .sort((a, b) => a.name.localeCompare(b.name, locale)),
    going: views.filter((p) => !p.cancelled).reduce((sum, p) => sum + p.confirmed, 0),
    proposePath: call.proposals_open && input.open ? paths.actionProposeProtest(action.slug) : undefined,
    letter,
  };
}

/** A date column arrives from pg as a Date at local midnight of the server: its calendar day, as written. */
export function isoDay(day: Date | string): string {
  if (typeof day === 'string') return day.slice(0, 10);
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
}
