// ISO 3166-1 alpha-2 countries with their names, from i18n-iso-countries.
import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import type { Locale } from '../i18n/index.ts';

countries.registerLocale(en);

export type Country = { code: string; name: string };

const lists = new Map<Locale, Country[]>();

export function countryList(locale: Locale): Country[] {
  let list = lists.get(locale);
  if (!list) {
    const names = countries.getNames(locale, { select: 'official' });
    list = Object.entries(names)
      .map(([code, name]) => ({ code, name }))
      .sort((a, b) => a.name.localeCompare(b.name, locale));
    lists.set(locale, list);
  }
  return list;
}

export function isCountryCode(code: string): boolean {
  return countries.isValid(code) && code.length === 2;
}

export function countryName(locale: Locale, code: string): string {
  return countries.getName(code, locale) ?? code;
}
