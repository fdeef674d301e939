// What organisers send about signatures, validated apart from storage: the
// search's filters (a query string), hide/show, invalidate/restore, and the
// criteria of a bulk invalidation. A field arrives as a string, an array of
// strings when repeated, or not at all; anything but a string is that field's
// error, never a crash. Each failure names its field and a message key.
import { Invalid, NotFound, type FieldErrors } from '../errors.ts';
import { parseLocalDateTime, toLocalDateTimeInput } from '../i18n/local-time.ts';
import { isCountryCode } from './countries.ts';
import { normaliseIp } from './ip-hash.ts';
import type { SignatureFilter, SignatureState } from './signatures.admin.repo.ts';

type Fields = Record<string, unknown>;
const asFields = (value: unknown): Fields => (typeof value === 'object' && value !== null ? (value as Fields) : {});

const MAX_ID = 9223372036854775807n;

/** A row's id from the URL or a form, as a decimal string; a 404 for anything that cannot be one. */
export function requireId(value: unknown): string {
  if (typeof value !== 'string' || !/^[1-9]\d{0,18}$/.test(value) || BigInt(value) > MAX_ID) throw new NotFound();
  return value;
}

// Control characters but tab and line breaks are never typed; NUL would reach PostgreSQL, which refuses it (a 500).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Reads one text field: '' when absent; undefined (and an error recorded) when it is not a string, too long, or holds a control character. */
function text(fields: Fields, name: string, errors: FieldErrors, max = 200): string | undefined {
  const value = fields[name];
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.length > max || CONTROL.test(value)) {
    errors[name] = 'admin.signatures.errors.invalid';
    return undefined;
  }
  return value.trim();
}

function country(fields: Fields, errors: FieldErrors): string | null {
  const value = text(fields, 'country', errors)?.toUpperCase();
  if (!value) return null;
  if (!isCountryCode(value)) {
    errors.country = 'admin.signatures.errors.country';
    return null;
  }
  return value;
}

function dateTime(fields: Fields, name: string, timeZone: string, errors: FieldErrors): Date | null {
  const value = text(fields, name, errors, 40);
  if (!value) return null;
  const date = parseLocalDateTime(value, timeZone);
  if (!date) errors[name] = 'admin.signatures.errors.dateTime';
  return date ?? null;
}

function timeWindow(fields: Fields, timeZone: string, errors: FieldErrors): { from: Date | null; before: Date | null } {
  const from = dateTime(fields, 'from', timeZone, errors);
  const before = dateTime(fields, 'to', timeZone, errors);
  if (from && before && from >= before) errors.to = 'admin.signatures.errors.windowOrder';
  return { from, before };
}

export const STATES: readonly SignatureState[] = ['confirmed', 'pending', 'invalidated', 'hidden'];

export type SignatureSearch = {
  filter: SignatureFilter;
  /** The keyset cursor: show signatures older than this id. */
  after: string | null;
  /** The filters as typed, for the form and the next page's link. */
  values: Record<'q' | 'country' | 'from' | 'to' | 'state', string>;
};

/** The search form's query string. Throws Invalid (with `values` on it) when a filter is bad. */
export function parseSignatureSearch(query: unknown, timeZone: string): SignatureSearch {
  const fields = asFields(query);
  const errors: FieldErrors = {};
  const q = text(fields, 'q', errors) ?? '';
  const stateText = text(fields, 'state', errors) ?? '';
  let state: SignatureState | null = null;
  if (stateText) {
    if ((STATES as readonly string[]).includes(stateText)) state = stateText as SignatureState;
    else errors.state = 'admin.signatures.errors.invalid';
  }
  const countryCode = country(fields, errors);
  const { from, before } = timeWindow(fields, timeZone, errors);
  let after: string | null = null;
  const afterText = text(fields, 'after', errors, 40);
  if (afterText) {
    try {
      after = requireId(afterText);
    } catch {
      errors.after = 'admin.signatures.errors.invalid';
    }
  }
  const values = {
    q,
    country: countryCode ?? (typeof fields.country === 'string' ? fields.country : ''),
    from: typeof fields.from === 'string' ? fields.from : '',
    to: typeof fields.to === 'string' ? fields.to : '',
    state: stateText,
  };
  if (Object.keys(errors).length > 0) throw Object.assign(new Invalid(errors, 'admin.signatures.errors.summary'), { values });
  return { filter: { contains: q ? q.toLowerCase() : null, country: countryCode, from, before, state }, after, values };
}

/** The query string that shows `values` again (for links and for the way back after a change). */
export function searchQuery(values: Partial<SignatureSearch['values']>, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...values, ...extra })) if (value) params.set(key, value);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** The filters a change came from (the form's `back` field), re-read so only known filters return. */
export function backToSearch(body: unknown, timeZone: string): string {
  const back = asFields(body).back;
  if (typeof back !== 'string' || back.length > 1000) return '';
  try {
    const { values } = parseSignatureSearch(Object.fromEntries(new URLSearchParams(back)), timeZone);
    return searchQuery(values);
  } catch {
    return '';
  }
}

/** Hide or show one name in the public list: `hidden` is "true" or "false". */
export function parseVisibility(body: unknown): boolean {
  const hidden = asFields(body).hidden;
  if (hidden === 'true') return true;
  if (hidden === 'false') return false;
  throw new Invalid({ hidden: 'admin.signatures.errors.invalid' });
}

/** Invalidate or restore one signature: `valid` is "false" or "true". */
export function parseValidity(body: unknown): boolean {
  const valid = asFields(body).valid;
  if (valid === 'true') return true;
  if (valid === 'false') return false;
  throw new Invalid({ valid: 'admin.signatures.errors.invalid' });
}

export type InvalidationCriteria = {
  domain: string | null;
  /** The address as typed, normalised (an IPv6 one to its /64); hashed by the service. */
  ip: string | null;
  country: string | null;
  from: Date | null;
  before: Date | null;
};

export type InvalidationForm = {
  criteria: InvalidationCriteria;
  reason: string;
  /** 'preview' shows what would match; 'apply' invalidates it. */
  step: 'preview' | 'apply';
  values: Record<'domain' | 'ip' | 'country' | 'from' | 'to' | 'reason', string>;
};

// A domain as it follows the @ of an address: labels of letters, digits, hyphens.
const DOMAIN = /^(?=.{1,253}$)[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+$/u;

/** The bulk invalidation form. Throws Invalid (with `values`) when a field is bad, every criterion is empty, or the reason is missing. */
export function parseInvalidation(body: unknown, timeZone: string): InvalidationForm {
  const fields = asFields(body);
  const errors: FieldErrors = {};
  let domain: string | null = (text(fields, 'domain', errors, 254) ?? '').toLowerCase().replace(/^@/, '') || null;
  if (domain && !DOMAIN.test(domain)) {
    errors.domain = 'admin.signatures.errors.domain';
    domain = null;
  }
  const ipText = text(fields, 'ip', errors, 100) ?? '';
  let ip: string | null = null;
  if (ipText) {
    ip = normaliseIp(ipText) ?? null;
    if (!ip) errors.ip = 'admin.signatures.errors.ip';
  }
  const countryCode = country(fields, errors);
  const { from, before } = timeWindow(fields, timeZone, errors);
  const reason = text(fields, 'reason', errors, 500) ?? '';
  const stepText = fields.step;
  const step = stepText === 'apply' ? 'apply' : 'preview';
  const typed = (name: string) => (typeof fields[name] === 'string' ? (fields[name] as string) : '');
  const values = { domain: typed('domain'), ip: typed('ip'), country: typed('country'), from: typed('from'), to: typed('to'), reason: typed('reason') };
  const anyTyped = ['domain', 'ip', 'country', 'from', 'to'].some((name) => typed(name).trim() !== '' || errors[name]);
  if (!anyTyped) errors.criteria = 'admin.signatures.errors.noCriteria';
  if (!reason) errors.reason = 'admin.signatures.errors.reasonRequired';
  if (Object.keys(errors).length > 0) throw Object.assign(new Invalid(errors, 'admin.signatures.errors.summary'), { values });
  return { criteria: { domain, ip, country: countryCode, from, before }, reason, step, values };
}

/** The form's values again, from criteria already parsed (a preview's hidden fields). */
export function invalidationValues(form: InvalidationForm, timeZone: string): InvalidationForm['values'] {
  return {
    ...form.values,
    from: toLocalDateTimeInput(form.criteria.from, timeZone),
    to: toLocalDateTimeInput(form.criteria.before, timeZone),
  };
}

/** The values a rejected form showed, if the error carries them. */
export function valuesOf(error: Invalid): Record<string, string> {
  return (error as Invalid & { values?: Record<string, string> }).values ?? {};
}


