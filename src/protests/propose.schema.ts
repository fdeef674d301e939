// A supporter's proposal of a protest ("tell us about your protest"),
// validated apart from storage. Times are typed as the proposer reads them, in
// the protest's own zone; luxon turns them into moments. Each failure names
// its field and a message to show beside it.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import { isCountryCode } from '../signatures/countries.ts';
import { isSignableName } from '../signatures/signatures.schema.ts';

// No control or format characters (bidirectional overrides could disguise a place's name); a description may break lines.
const NO_CONTROL = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
const NO_CONTROL_BUT_LINES = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|[\t\n\r]|\u200C|\u200D)*$/u;

/** The form's fields, in the order a person fills them in (the error summary's order). */
export const PROPOSAL_FIELDS = ['name', 'email', 'country', 'city', 'place', 'address', 'meeting_point', 'date', 'start', 'end', 'time_zone', 'description'] as const;
type Field = (typeof PROPOSAL_FIELDS)[number];

const line = (max: number, required: boolean) => {
  const base = z.string().trim().max(max, 'tooLong').regex(NO_CONTROL, 'invalid');
  return required ? base.min(1, 'required') : base.optional().default('');
};

const proposalForm = z.object({
  name: line(100, true).refine((name) => isSignableName(name), 'invalid'),
  email: z.string().trim().min(1, 'required').max(254, 'invalid').toLowerCase().pipe(z.email('invalid')),
  country: z.string().trim().toUpperCase().min(1, 'required').refine((code) => isCountryCode(code), 'required'),
  city: line(100, true),
  place: line(200, true),
  address: line(500, false),
  meeting_point: line(500, false),
  date: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, 'invalid'),
  start: z.string().trim().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'invalid'),
  end: z.string().trim().regex(/^(([01]?\d|2[0-3]):[0-5]\d)?$/, 'invalid').optional().default(''),
  time_zone: z.string().trim().refine(isTimeZone, 'invalid'),
  description: z.string().trim().max(2000, 'tooLong').regex(NO_CONTROL_BUT_LINES, 'invalid').optional().default(''),
});

let zones: Set<string> | undefined;
/** An IANA zone this runtime knows ("Europe/Berlin"); not a bare offset a person cannot check. */
export function isTimeZone(value: string): boolean {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return zones.has(value);
}

/** The zones for the form's select, by name. */
export function timeZoneList(): string[] {
  return [...Intl.supportedValuesOf('timeZone')].sort();
}

export type ProposalInput = {
  name: string;
  email: string;
  country: string;
  city: string;
  place: string;
  address: string;
  meetingPoint: string;
  startsAt: Date;
  endsAt: Date;
  timeZone: string;
  note: string;
};

// A protest with no end given lasts two hours: a plausible slot for a calendar, and the organisers can change it.
const DEFAULT_LENGTH = { hours: 2 };
// Further ahead than this is a mistyped year, not a plan.
const FURTHEST = { years: 3 };

const MESSAGES: Record<Field, Partial<Record<string, MessageKey>> & { invalid: MessageKey }> = {
  name: { required: 'protests.propose.errors.name.required', tooLong: 'protests.propose.errors.text.tooLong', invalid: 'protests.propose.errors.name.invalid' },
  email: { required: 'protests.propose.errors.email.required', invalid: 'protests.propose.errors.email.invalid' },
  country: { invalid: 'protests.propose.errors.country.required' },
  city: { required: 'protests.propose.errors.city.required', tooLong: 'protests.propose.errors.text.tooLong', invalid: 'protests.propose.errors.text.invalid' },
  place: { required: 'protests.propose.errors.place.required', tooLong: 'protests.propose.errors.text.tooLong', invalid: 'protests.propose.errors.text.invalid' },
  address: { tooLong: 'protests.propose.errors.text.tooLong', invalid: 'protests.propose.errors.text.invalid' },
  meeting_point: { tooLong: 'protests.propose.errors.text.tooLong', invalid: 'protests.propose.errors.text.invalid' },
  date: { past: 'protests.propose.errors.date.past', invalid: 'protests.propose.errors.date.invalid' },
  start: { invalid: 'protests.propose.errors.start.invalid' },
  end: { invalid: 'protests.propose.errors.end.invalid' },
  time_zone: { invalid: 'protests.propose.errors.zone.invalid' },
  description: { tooLong: 'protests.propose.errors.text.tooLong', invalid: 'protests.propose.errors.text.invalid' },
};

function messageFor(field: string, code: string): MessageKey {
  if (!(PROPOSAL_FIELDS as readonly string[]).includes(field)) return 'protests.propose.errors.form';
  const messages = MESSAGES[field as Field];
  return messages[code] ?? messages.invalid;
}

/** The proposal, or Invalid with a message per field. `now` from the caller: a date must be to come. */
export function parseProposal(body: unknown, now: Date): ProposalInput {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const fields: FieldErrors = {};
  // A repeated field arrives as an array: a bad value for that field, not a crash.
  for (const [key, value] of Object.entries(raw)) if (value !== undefined && typeof value !== 'string') fields[key] = messageFor(key, 'invalid');
  const parsed = proposalForm.safeParse(raw);
  for (const issue of parsed.error?.issues ?? []) {
    const field = String(issue.path[0] ?? 'form');
    fields[field] ??= messageFor(field, issue.message);
  }
  if (!parsed.success || Object.keys(fields).length > 0) throw new Invalid(fields, 'signature.errors.summary');
  const v = parsed.data;
  const start = DateTime.fromISO(`${v.date}T${v.start.padStart(5, '0')}`, { zone: v.time_zone });
  if (!start.isValid) throw new Invalid({ date: messageFor('date', 'invalid') }, 'signature.errors.summary');
  const nowInZone = DateTime.fromJSDate(now, { zone: v.time_zone });
  if (start <= nowInZone) throw new Invalid({ date: messageFor('date', 'past') }, 'signature.errors.summary');
  if (start > nowInZone.plus(FURTHEST)) throw new Invalid({ date: messageFor('date', 'invalid') }, 'signature.errors.summary');
  const end = v.end ? DateTime.fromISO(`${v.date}T${v.end.padStart(5, '0')}`, { zone: v.time_zone }) : start.plus(DEFAULT_LENGTH);
  if (!end.isValid || end <= start) throw new Invalid({ end: messageFor('end', 'invalid') }, 'signature.errors.summary');
  return {
    name: v.name,
    email: v.email,
    country: v.country,
    city: v.city,
    place: v.place,
    address: v.address,
    meetingPoint: v.meeting_point,
    startsAt: start.toJSDate(),
    endsAt: end.toJSDate(),
    timeZone: v.time_zone,
    note: v.description,
  };
}
