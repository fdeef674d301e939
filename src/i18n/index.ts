// The one translation helper. Strings live in per-locale dictionaries; dates are
// formatted with Intl for the locale. English is the only locale so far.
import { en, type MessageKey } from './en.ts';

export type Locale = 'en';
export const DEFAULT_LOCALE: Locale = 'en';
const dictionaries: Record<Locale, Record<string, string>> = { en };

export type { MessageKey };

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** The string for key in locale, with {name} placeholders filled from vars. */
export function translate(locale: Locale, key: MessageKey, vars: Record<string, unknown> = {}): string {
  const template = dictionaries[locale][key] ?? dictionaries[DEFAULT_LOCALE][key];
  if (template === undefined) throw new Error(`Missing translation: ${key}`);
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name in vars ? String(vars[name]) : `{${name}}`));
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

export function formatDate(locale: Locale, date: Date | string | null | undefined): string {
  if (!date) return '';
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    dateFormats.set(locale, format);
  }
  return format.format(new Date(date));
}

type ZoneFormats = { dateTime: Intl.DateTimeFormat; name: Intl.DateTimeFormat; offset: Intl.DateTimeFormat; short: Intl.DateTimeFormat };
const dateTimeFormats = new Map<string, ZoneFormats>();

function zonePart(format: Intl.DateTimeFormat, date: Date): string {
  return format.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? '';
}

/**
 * Date, time and time zone, as a deadline is shown: "December 17, 2030 at
 * 01:00 (Almaty Time, GMT+5)", "December 16, 2030 at 20:00 (UTC)". A 24-hour
 * clock; the zone by its name where Intl has one, with its offset for readers
 * elsewhere; otherwise by its short form ("UTC", "GMT-5").
 */
export function formatDateTime(locale: Locale, date: Date | string | null | undefined, timeZone: string): string {
  if (!date) return '';
  const key = `${locale}|${timeZone}`;
  let formats = dateTimeFormats.get(key);
  if (!formats) {
    formats = {
      dateTime: new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', hourCycle: 'h23', timeZone }),
      name: new Intl.DateTimeFormat(locale, { timeZoneName: 'shortGeneric', timeZone }),
      offset: new Intl.DateTimeFormat(locale, { timeZoneName: 'shortOffset', timeZone }),
      short: new Intl.DateTimeFormat(locale, { timeZoneName: 'short', timeZone }),
    };
    dateTimeFormats.set(key, formats);
  }
  const moment = new Date(date);
  const name = zonePart(formats.name, moment); // "Almaty Time"; "GMT+0" when the zone has no name
  const zone = name && !name.startsWith('GMT') ? `${name}, ${zonePart(formats.offset, moment)}` : zonePart(formats.short, moment);
  return `${formats.dateTime.format(moment)} (${zone})`;
}

// Made once per locale, as the date formats are: an Intl.NumberFormat costs
// far more to make than to use, and an action page formats some fifty numbers.
const numberFormats = new Map<string, Intl.NumberFormat>();

export function formatNumber(locale: Locale, value: number): string {
  let format = numberFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale);
    numberFormats.set(locale, format);
  }
  return format.format(value);
}
