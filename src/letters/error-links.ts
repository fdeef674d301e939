// The error summary's links (views/partials/error-summary.hbs) for the admin's
// letter forms: each problem, in the order of the form, a link to its field,
// whose id is `<form>-<field>` with dashes (`recipient-time-zone`).
import type { FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';

export type ErrorLink = { href: string; message: MessageKey };

export function errorLinks(errors: FieldErrors | undefined, form: string, order: readonly string[] = []): ErrorLink[] {
  if (!errors) return [];
  const rank = (field: string) => order.indexOf(field) + 1 || order.length + 1;
  return Object.entries(errors)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([field, message]) => ({ href: `#${form}-${field.replace(/_/g, '-')}`, message }));
}
