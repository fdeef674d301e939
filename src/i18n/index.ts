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

export function formatNumber(locale: Locale, value: number): string {
  return new Intl.NumberFormat(locale).format(value);
}
