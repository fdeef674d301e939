// The formats of the signatures exports: every field as CSV, and the list of
// signatories (name, town, country, date) as CSV or as lines of the PDF. Each
// is a stream stage, so rows from the cursor pass through one at a time.
import { Transform } from 'node:stream';
import { stringify, type Stringifier } from 'csv-stringify';
import { DateTime } from 'luxon';
import { translate, type Locale } from '../i18n/index.ts';
import { countryName } from './countries.ts';
import type { SignatoryLine, SignatoriesPdf } from './signatories-pdf.ts';
import type { AdminAction, SignatureRow } from './signatures.admin.repo.ts';

/** Where a signature stands (a filter may also ask for hidden ones: SignatureState in the repo). */
export type Standing = 'confirmed' | 'pending' | 'invalidated';

/** What a signature is now: invalidated (whatever else), else confirmed or pending. */
export function stateOf(row: Pick<SignatureRow, 'confirmed_at' | 'invalidated_at'>): Standing {
  if (row.invalidated_at) return 'invalidated';
  return row.confirmed_at ? 'confirmed' : 'pending';
}

/** The date a signature was made, in the campaign's zone ("2026-12-01"). */
export function campaignDate(date: Date | string, timeZone: string): string {
  return DateTime.fromJSDate(new Date(date), { zone: timeZone }).toFormat('yyyy-MM-dd');
}

// Both CSVs: a byte-order mark, so spreadsheets read the file as UTF-8
// (Cyrillic and Kazakh names intact); and a cell that starts with = + - @ (or
// a tab or CR) is prefixed with ', so a name like =HYPERLINK(...) is text in a
// spreadsheet, never a formula.
const SPREADSHEET_SAFE = { bom: true, header: true, escape_formulas: true } as const;

export const SIGNATURE_COLUMNS = [
  'id', 'state', 'email', 'name', 'country', 'locality', 'comment', 'show_name', 'wants_updates',
  'created_at', 'confirmed_at', 'hidden_at', 'invalidated_at', 'invalidation_id', 'ip_hash',
] as const;

/** Rows of export-signatories with their state added. */
export function withState(): Transform {
  return new Transform({
    objectMode: true,
    transform(row: SignatureRow & Record<string, unknown>, _encoding, callback) {
      callback(null, { ...row, state: stateOf(row) });
    },
  });
}

/** Every field, instants in UTC (ISO 8601), booleans as yes/no. */
export function signaturesCsv(): Stringifier {
  return stringify({
    ...SPREADSHEET_SAFE,
    columns: [...SIGNATURE_COLUMNS],
    cast: { date: (d) => d.toISOString(), boolean: (b) => (b ? 'yes' : 'no') },
  });
}

/**
 * Rows of export-signatories as the list shows them: the country's name, the
 * date in the campaign's zone, "Name withheld" for an anonymised signature (it
 * still counts, so the list keeps its line and its length matches the count).
 */
export function signatoryLines(locale: Locale, timeZone: string): Transform {
  const withheld = translate(locale, 'signatures.nameWithheld');
  return new Transform({
    objectMode: true,
    transform(row: { name: string | null; locality: string; country: string; created_at: Date }, _encoding, callback) {
      const line: SignatoryLine = { name: row.name ?? withheld, town: row.locality, country: countryName(locale, row.country), date: campaignDate(row.created_at, timeZone) };
      callback(null, line);
    },
  });
}

function headings(locale: Locale): SignatoriesPdf['headings'] {
  return {
    name: translate(locale, 'admin.signatories.col.name'),
    town: translate(locale, 'admin.signatories.col.town'),
    country: translate(locale, 'admin.signatories.col.country'),
    date: translate(locale, 'admin.signatories.col.date'),
  };
}

/** The list of signatories as CSV, with headings in the organiser's language. */
export function signatoriesCsv(locale: Locale): Stringifier {
  const heading = headings(locale);
  return stringify({
    ...SPREADSHEET_SAFE,
    columns: (['name', 'town', 'country', 'date'] as const).map((key) => ({ key, header: heading[key] })),
  });
}

/** The PDF's title, subtitle (count and date), headings and page label. */
export function signatoriesPdf(locale: Locale, action: Pick<AdminAction, 'title'>, count: number, timeZone: string): SignatoriesPdf {
  return {
    title: translate(locale, 'admin.signatories.title', { action: action.title }),
    subtitle: translate(locale, 'admin.signatories.subtitle', { count: count.toLocaleString(locale), date: campaignDate(new Date(), timeZone) }),
    headings: headings(locale),
    pageLabel: translate(locale, 'admin.signatories.page'),
  };
}
