// The admin's forms of protest calls (the call's settings, a protest, a
// protest's status), checked and normalised apart from storage. A protest's
// times are typed as wall-clock times in the protest's own zone; a time that
// zone skips or repeats at a daylight-saving change is refused, never guessed.
import { DateTime, IANAZone } from 'luxon';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import { isTimeZone } from '../letters/recipients.schema.ts';
import { isCountryCode } from '../signatures/countries.ts';
import type { CallSettings, ProtestFields } from './protests-admin.repo.ts';

export const MAX_COMMEMORATES = 2000;
export const MAX_THANK_YOU = 5000;
export const MAX_LINK = 2000;
export const MAX_CAPACITY = 1_000_000;

// One line: no control or format characters; text with lines: line breaks too.
const ONE_LINE = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
const LINES = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\n|\u200C|\u200D)*$/u;
const ID = /^[1-9]\d{0,15}$/;

type Raw = Record<string, unknown>;
const asFields = (body: unknown): Raw => (typeof body === 'object' && body !== null ? (body as Raw) : {});

/** A checkbox's value: present (any of the values a browser sends) or absent. */
const ticked = (value: unknown): boolean => value === 'on' || value === 'true' || value === '1' || value === 'yes';

/**
 * A reader of single-valued fields that records, beside the field, one sent
 * twice (an array): a bad value for that field, never a crash nor a silent pick.
 */
function reader(raw: Raw, fields: FieldErrors) {
  return (name: string): string => {
    const value = raw[name];
    if (value === undefined) return '';
    if (typeof value !== 'string') {
      fields[name] = 'admin.protests.errors.repeated';
      return '';
    }
    return value;
  };
}

/** Stored as Intl spells it ('europe/london' is Europe/London), so two spellings are one zone. */
function canonicalZone(zone: string): string {
  return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
}

export type LocalTime = { at: Date } | { problem: 'format' | 'gap' | 'ambiguous' };

/**
 * The instant a wall-clock time ("2026-12-16T12:00", as a datetime-local
 * input sends it) names in `zone`. Every offset the zone has within a day of
 * it is tried: none that gives back the same wall time is a gap (the clocks
 * jumped over it), two is an overlap (the clocks went back and it happened
 * twice). luxon alone would quietly move a gap forward and pick one of two.
 */
export function localTimeIn(value: string, zone: string): LocalTime {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return { problem: 'format' };
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  // The wall time read as if it were UTC: checks the calendar (30 February) too.
  const wall = DateTime.fromObject({ year, month, day, hour, minute }, { zone: 'UTC' });
  // luxon reads 24:00 as the next day's midnight: a datetime-local input never sends it.
  if (!wall.isValid || hour > 23 || year < 2000 || year > 2100) return { problem: 'format' };
  const iana = IANAZone.create(zone);
  const naive = wall.toMillis();
  const offsets = new Set([-1, 0, 1].map((days) => iana.offset(naive + days * 86_400_000)));
  // An offset fits when the instant it gives is one at which the zone has that offset.
  const found = [...offsets].map((offset) => ({ offset, ms: naive - offset * 60_000 })).filter(({ offset, ms }) => iana.offset(ms) === offset).map(({ ms }) => ms);
  if (found.length === 0) return { problem: 'gap' };
  if (found.length > 1) return { problem: 'ambiguous' };
  return { at: new Date(found[0]!) };
}

/** The datetime-local value showing `at` in `zone`. */
export function localInput(at: Date | string, zone: string): string {
  return DateTime.fromJSDate(new Date(at), { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
}

/** The call's settings form (adminActionProtestCall). */
export const CALL_FORM_FIELDS = ['day', 'time_zone', 'commemorates', 'proposals_open', 'thank_you_message', 'thank_you_link'] as const;

export function parseCallForm(body: unknown): CallSettings {
  const raw = asFields(body);
  const fields: FieldErrors = {};
  const text = reader(raw, fields);

  const day = text('day').trim();
  const dayOk = /^\d{4}-\d{2}-\d{2}$/.test(day) && DateTime.fromISO(day, { zone: 'UTC' }).isValid && Number(day.slice(0, 4)) >= 2000 && Number(day.slice(0, 4)) <= 2100;
  if (!fields.day && !dayOk) fields.day = day === '' ? 'admin.protestCall.errors.dayRequired' : 'admin.protestCall.errors.day';

  const zone = text('time_zone').trim();
  if (!fields.time_zone && !isTimeZone(zone)) fields.time_zone = zone === '' ? 'admin.protests.errors.zoneRequired' : 'admin.protests.errors.zone';

  const commemorates = text('commemorates').replace(/\r\n?/g, '\n').trim();
  if (!fields.commemorates && commemorates.length > MAX_COMMEMORATES) fields.commemorates = 'admin.protestCall.errors.commemoratesTooLong';
  else if (!fields.commemorates && !LINES.test(commemorates)) fields.commemorates = 'admin.protests.errors.characters';

  const message = text('thank_you_message').replace(/\r\n?/g, '\n').trim();
  if (!fields.thank_you_message && message.length > MAX_THANK_YOU) fields.thank_you_message = 'admin.protestCall.errors.thankYouTooLong';
  else if (!fields.thank_you_message && !LINES.test(message)) fields.thank_you_message = 'admin.protests.errors.characters';

  const link = text('thank_you_link').trim();
  if (!fields.thank_you_link && link !== '' && !isWebLink(link)) fields.thank_you_link = 'admin.protestCall.errors.link';

  if (raw.proposals_open !== undefined && typeof raw.proposals_open !== 'string') fields.proposals_open = 'admin.protests.errors.repeated';

  if (Object.keys(fields).length > 0) throw new Invalid(fields, 'admin.protests.errors.summary');
  return { day, timeZone: canonicalZone(zone), commemorates, proposalsOpen: ticked(raw.proposals_open), thankYouMessage: message, thankYouLink: link };
}

/** An http(s) address a supporter can open (the database checks the scheme only). */
function isWebLink(value: string): boolean {
  if (value.length > MAX_LINK || !/^https?:\/\//i.test(value) || !ONE_LINE.test(value) || /\s/.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

/** The protest form's fields, as the page shows them again. */
export const PROTEST_FORM_FIELDS = [
  'country', 'city', 'place', 'address', 'meeting_point', 'latitude', 'longitude', 'starts_local', 'ends_local', 'time_zone',
  'capacity', 'accessibility', 'organiser_name', 'organiser_contact', 'organiser_contact_public', 'recipient', 'edited_from',
] as const;

const LIMITS = { city: 100, place: 200, address: 500, meeting_point: 500, accessibility: 1000, organiser_name: 100, organiser_contact: 200 } as const;

/** A coordinate as the database keeps it (numeric(9, 6)), or null for none. */
function coordinate(value: string, max: number): string | null | undefined {
  if (value === '') return null;
  if (!/^-?\d{1,3}(\.\d{1,6})?$/.test(value)) return undefined;
  const n = Number(value);
  return Math.abs(n) <= max ? n.toFixed(6) : undefined;
}

const TIME_PROBLEMS: Record<'format' | 'gap' | 'ambiguous', MessageKey> = {
  format: 'admin.protests.errors.time',
  gap: 'admin.protests.errors.timeGap',
  ambiguous: 'admin.protests.errors.timeAmbiguous',
};

/**
 * A protest as typed, or Invalid naming each bad field. The embassy is
 * checked against the directory, and the capacity against the RSVPs, by the
 * service.
 */
export function parseProtestForm(body: unknown): ProtestFields {
  const raw = asFields(body);
  const fields: FieldErrors = {};
  const text = reader(raw, fields);

  const country = text('country').trim().toUpperCase();
  if (!fields.country && !(/^[A-Z]{2}$/.test(country) && isCountryCode(country))) fields.country = 'admin.protests.errors.country';

  const line = (name: 'city' | 'place' | 'organiser_name' | 'organiser_contact', required: boolean): string => {
    const value = text(name).trim();
    if (fields[name]) return value;
    if (required && value === '') fields[name] = 'admin.protests.errors.required';
    else if (value.length > LIMITS[name]) fields[name] = 'admin.protests.errors.tooLong';
    else if (!ONE_LINE.test(value)) fields[name] = 'admin.protests.errors.characters';
    return value;
  };
  const lines = (name: 'address' | 'meeting_point' | 'accessibility'): string => {
    const value = text(name).replace(/\r\n?/g, '\n').trim();
    if (fields[name]) return value;
    if (value.length > LIMITS[name]) fields[name] = 'admin.protests.errors.tooLong';
    else if (!LINES.test(value)) fields[name] = 'admin.protests.errors.characters';
    return value;
  };
  const city = line('city', true);
  const place = line('place', true);
  const address = lines('address');
  const meetingPoint = lines('meeting_point');
  const accessibility = lines('accessibility');
  const organiserName = line('organiser_name', false);
  const organiserContact = line('organiser_contact', false);

  const latitude = coordinate(text('latitude').trim(), 90);
  if (!fields.latitude && latitude === undefined) fields.latitude = 'admin.protests.errors.latitude';
  const longitude = coordinate(text('longitude').trim(), 180);
  if (!fields.longitude && longitude === undefined) fields.longitude = 'admin.protests.errors.longitude';
  // A pin needs both; one alone would put it on the equator or the meridian.
  if (!fields.latitude && !fields.longitude && (latitude === null) !== (longitude === null)) fields[latitude === null ? 'latitude' : 'longitude'] = 'admin.protests.errors.coordinatesPair';

  const zoneText = text('time_zone').trim();
  const zoneOk = isTimeZone(zoneText);
  if (!fields.time_zone && !zoneOk) fields.time_zone = zoneText === '' ? 'admin.protests.errors.zoneRequired' : 'admin.protests.errors.zone';
  const timeZone = zoneOk ? canonicalZone(zoneText) : 'UTC';

  // Times mean the protest's zone: without a zone they mean nothing yet, and only the zone is marked.
  const time = (name: 'starts_local' | 'ends_local'): Date | undefined => {
    const value = text(name).trim();
    if (fields[name]) return undefined;
    if (value === '') {
      fields[name] = 'admin.protests.errors.timeRequired';
      return undefined;
    }
    if (!zoneOk) return undefined;
    const parsed = localTimeIn(value, timeZone);
    if ('problem' in parsed) {
      fields[name] = TIME_PROBLEMS[parsed.problem];
      return undefined;
    }
    return parsed.at;
  };
  const startsAt = time('starts_local');
  const endsAt = time('ends_local');
  if (startsAt && endsAt && endsAt <= startsAt) fields.ends_local = 'admin.protests.errors.endsBeforeStarts';

  const capacityText = text('capacity').trim();
  let capacity: number | null = null;
  if (!fields.capacity && capacityText !== '') {
    if (/^\d{1,7}$/.test(capacityText) && Number(capacityText) >= 1 && Number(capacityText) <= MAX_CAPACITY) capacity = Number(capacityText);
    else fields.capacity = 'admin.protests.errors.capacity';
  }

  const recipientText = text('recipient').trim();
  if (!fields.recipient && recipientText !== '' && !ID.test(recipientText)) fields.recipient = 'admin.protests.errors.recipient';

  if (raw.organiser_contact_public !== undefined && typeof raw.organiser_contact_public !== 'string') fields.organiser_contact_public = 'admin.protests.errors.repeated';

  if (Object.keys(fields).length > 0) throw new Invalid(fields, 'admin.protests.errors.summary');
  return {
    country,
    city,
    place,
    address,
    meetingPoint,
    latitude: latitude ?? null,
    longitude: longitude ?? null,
    startsAt: startsAt!,
    endsAt: endsAt!,
    timeZone,
    capacity,
    accessibility,
    organiserName,
    organiserContact,
    organiserContactPublic: ticked(raw.organiser_contact_public),
    recipientId: recipientText === '' ? null : Number(recipientText),
  };
}

export type ProtestDecision = 'approve' | 'reject' | 'cancel';
const DECISIONS: readonly ProtestDecision[] = ['approve', 'reject', 'cancel'];

/**
 * The status form (adminProtestStatus): which button was pressed. Cancelling
 * emails everyone who RSVPed and cannot be undone, so it needs its box ticked.
 */
export function parseStatusForm(body: unknown): ProtestDecision {
  const raw = asFields(body);
  const decision = raw.decision;
  if (typeof decision !== 'string' || !(DECISIONS as readonly string[]).includes(decision)) throw new Invalid({ decision: 'admin.protests.errors.decision' }, 'admin.protests.errors.summary');
  if (decision === 'cancel' && !ticked(raw.confirm)) throw new Invalid({ confirm: 'admin.protests.errors.confirmCancel' }, 'admin.protests.errors.summary');
  return decision as ProtestDecision;
}
