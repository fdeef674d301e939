// The directory's forms (a recipient, an address's health) and a CSV row of
// the import, validated and normalised apart from storage: the same rules for
// a form and a row, so an import cannot store what the form would refuse.
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import { isCountryCode } from '../signatures/countries.ts';
import type { RecipientFields } from './recipients.repo.ts';

export const MAX_NAME = 200;
export const MAX_POSTAL = 1000;
export const MAX_REASON = 500;
export const MAX_EMAILS = 20;

// Text fields: no control or format characters (a line break only where the field has lines).
const ONE_LINE = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
const LINES = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\n|\u200C|\u200D)*$/u;
const LANGUAGE = /^([a-z]{2,3})(?:-([a-z]{2}))?$/i;

const email = z.string().max(254).pipe(z.email());

export type RecipientInput = RecipientFields & { emails: string[] };

export const RECIPIENT_FIELDS = ['name', 'title', 'organisation', 'country', 'language', 'time_zone', 'postal_address'] as const;

type Raw = Record<string, unknown>;

export const raw = (body: unknown): Raw => (typeof body === 'object' && body !== null ? (body as Raw) : {});

/** A form field as a string: a repeated field (an array) or none is '' (then refused where required). */
export const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** An IANA zone that this Node knows (luxon asks Intl): 'Europe/London', 'UTC'; never 'Mars/Olympus' or 'GMT+5'-like guesses. */
export function isTimeZone(zone: string): boolean {
  return zone.length <= 64 && /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone) && IANAZone.isValidZone(zone);
}

/** The addresses in one field, split at ';', ',' or white space, normalised (trimmed, lower-cased), each once. */
export function splitEmails(value: string): string[] {
  return [...new Set(value.split(/[;,\s]+/).map((e) => e.trim().toLowerCase()).filter((e) => e !== ''))];
}

export function isEmail(value: string): boolean {
  return email.safeParse(value).success;
}

/**
 * A recipient's fields from strings (a form's fields, a CSV row's cells).
 * `partial`: a CSV row of an import, where an absent value keeps what is
 * stored; the defaults (language en, zone UTC) are then filled in later.
 */
export function checkRecipientFields(values: Partial<Record<(typeof RECIPIENT_FIELDS)[number] | 'emails', string>>): { fields: RecipientInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const line = (key: 'name' | 'title' | 'organisation', required: boolean): string => {
    const v = (values[key] ?? '').trim();
    if (required && v === '') errors[key] = 'admin.recipients.errors.nameRequired';
    else if (v.length > MAX_NAME) errors[key] = 'admin.recipients.errors.tooLong';
    else if (!ONE_LINE.test(v)) errors[key] = 'admin.recipients.errors.characters';
    return v;
  };
  const name = line('name', true);
  const title = line('title', false);
  const organisation = line('organisation', false);

  const countryText = (values.country ?? '').trim().toUpperCase();
  let country: string | null = null;
  if (countryText !== '') {
    if (/^[A-Z]{2}$/.test(countryText) && isCountryCode(countryText)) country = countryText;
    else errors.country = 'admin.recipients.errors.country';
  }

  const languageText = (values.language ?? '').trim();
  let language = 'en';
  if (languageText !== '') {
    const match = LANGUAGE.exec(languageText);
    if (match) language = match[2] ? `${match[1]!.toLowerCase()}-${match[2].toUpperCase()}` : match[1]!.toLowerCase();
    else errors.language = 'admin.recipients.errors.language';
  }

  const zone = (values.time_zone ?? '').trim();
  let timeZone = 'UTC';
  if (zone !== '') {
    // Stored as Intl spells it ('europe/london' is Europe/London), so two spellings are one zone.
    if (isTimeZone(zone)) timeZone = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    else errors.time_zone = 'admin.recipients.errors.timeZone';
  }

  const postal = (values.postal_address ?? '').replace(/\r\n?/g, '\n').trim();
  if (postal.length > MAX_POSTAL) errors.postal_address = 'admin.recipients.errors.tooLong';
  else if (!LINES.test(postal)) errors.postal_address = 'admin.recipients.errors.characters';

  const emails = splitEmails(values.emails ?? '');
  if (emails.length > MAX_EMAILS) errors.emails = 'admin.recipients.errors.tooManyEmails';
  else if (!emails.every(isEmail)) errors.emails = 'admin.recipients.errors.email';

  return { fields: { name, title, organisation, country, language, time_zone: timeZone, postal_address: postal, emails }, errors };
}

/** The form of a new recipient (with its addresses) or of an existing one (without: they have their own forms). */
export function parseRecipientForm(body: unknown, options: { withEmails: boolean }): RecipientInput {
  const r = raw(body);
  const values = Object.fromEntries([...RECIPIENT_FIELDS, 'emails'].map((key) => [key, text(r[key])]));
  if (!options.withEmails) delete values.emails;
  const { fields, errors } = checkRecipientFields(values);
  // A field sent twice is no form of ours: refused, not read as empty (which would drop the addresses, say).
  for (const key of Object.keys(values)) if (Array.isArray(r[key])) errors[key] = 'admin.recipients.errors.repeated';
  if (Object.keys(errors).length) throw new Invalid(errors, 'admin.recipients.errors.summary');
  return fields;
}

/** One more address for a recipient. */
export function parseAddressForm(body: unknown): string {
  const value = text(raw(body).email).trim().toLowerCase();
  if (!isEmail(value)) throw new Invalid({ email: 'admin.recipients.errors.email' }, 'admin.recipients.errors.summary');
  return value;
}

export type HealthChange = { change: 'suppress'; reason: string } | { change: 'reactivate' } | { change: 'remove' };

/** Suppressing needs a reason (it is shown beside the address for as long as it lasts). */
export function parseHealthForm(body: unknown): HealthChange {
  const r = raw(body);
  if (r.change === 'reactivate' || r.change === 'remove') return { change: r.change };
  if (r.change !== 'suppress') throw new Invalid({ change: 'admin.recipients.errors.change' }, 'admin.recipients.errors.summary');
  const reason = text(r.reason).trim();
  const problem: MessageKey | undefined = reason === '' ? 'admin.recipients.errors.reasonRequired' : reason.length > MAX_REASON ? 'admin.recipients.errors.tooLong' : !ONE_LINE.test(reason) ? 'admin.recipients.errors.characters' : undefined;
  if (problem) throw new Invalid({ reason: problem }, 'admin.recipients.errors.summary');
  return { change: 'suppress', reason };
}
