// The letter's settings form (adminActionLetter), checked and normalised apart
// from storage. The templates are compiled here, so a template that cannot be
// used is refused at save time, beside its field, with its line and reason.
import { DateTime } from 'luxon';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { LetterDelivery, LetterRouting, LetterSettings } from './letters.repo.ts';
import { compileLetterTemplate, LetterTemplateError } from './template.ts';

export const MAX_SUBJECT = 500;
export const MAX_BODY = 50_000;
export const MAX_PER_HOUR = 1000;
const ROUTINGS: readonly LetterRouting[] = ['fixed', 'by_country'];
const DELIVERIES: readonly LetterDelivery[] = ['each', 'digest', 'scheduled', 'none'];
const DIGEST_EVERY = ['daily', 'weekly'] as const;
const CHECKBOXES = ['attach_pdf', 'personal_paragraph', 'copy_to_supporter'] as const;
// More recipients than a directory could sensibly give one letter: a form with more is not ours.
const MAX_RECIPIENTS = 1000;

/** The form's single-valued fields, as the page shows them again. */
export const LETTER_FORM_FIELDS = [
  'subject_template', 'body_template', 'routing', 'fallback', 'delivery', 'digest_every', 'digest_hour',
  'scheduled_local', 'per_hour', ...CHECKBOXES,
] as const;

export type LetterTemplateProblem = { line: number; reason: string };

/** A refused form; a template's problem carries its line and reason, which the message key alone cannot. */
export class InvalidLetter extends Invalid {
  constructor(
    fields: FieldErrors,
    readonly templateProblems: Partial<Record<'subject_template' | 'body_template', LetterTemplateProblem>> = {},
  ) {
    super(fields, 'admin.letter.errors.summary');
  }
}

export type LetterForm = LetterSettings & { recipientIds: number[] };

const ID = /^[1-9]\d{0,15}$/;

function asFields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

/** A checkbox's value: present (any of the values a browser sends) or absent. */
function ticked(value: unknown): boolean {
  return value === 'on' || value === 'true' || value === '1' || value === 'yes';
}

/** The ids ticked in the recipients list; undefined when something other than ids came. */
export function recipientIdsOf(value: unknown): number[] | undefined {
  if (value === undefined || value === '') return [];
  const values = Array.isArray(value) ? value : [value];
  if (values.length > MAX_RECIPIENTS || !values.every((v) => typeof v === 'string' && ID.test(v))) return undefined;
  return [...new Set(values.map(Number))].sort((a, b) => a - b);
}

function checkTemplate(source: string, what: 'subject' | 'body', field: 'subject_template' | 'body_template', fields: FieldErrors, problems: InvalidLetter['templateProblems']): void {
  try {
    compileLetterTemplate(source, what);
  } catch (error) {
    if (!(error instanceof LetterTemplateError)) throw error;
    fields[field] = 'admin.letter.errors.template';
    problems[field] = { line: error.line, reason: error.reason };
  }
}

/** The settings as typed, or InvalidLetter naming each bad field. Recipients are checked against the directory by the service. */
export function parseLetterForm(body: unknown): LetterForm {
  const raw = asFields(body);
  const fields: FieldErrors = {};
  const problems: InvalidLetter['templateProblems'] = {};
  // A repeated single field arrives as an array: a bad value for that field, never a crash.
  const text = (name: (typeof LETTER_FORM_FIELDS)[number]): string => {
    const value = raw[name];
    if (value === undefined) return '';
    if (typeof value !== 'string') {
      fields[name] = 'admin.letter.errors.repeated';
      return '';
    }
    return value;
  };

  // Line ends as a browser sends them (CRLF) become \n: the letter is text.
  const subject = text('subject_template').trim();
  const bodyTemplate = text('body_template').replace(/\r\n?/g, '\n').trimEnd();
  if (subject === '') fields.subject_template ??= 'admin.letter.errors.subjectRequired';
  else if (subject.length > MAX_SUBJECT) fields.subject_template ??= 'admin.letter.errors.subjectTooLong';
  else if (!fields.subject_template) checkTemplate(subject, 'subject', 'subject_template', fields, problems);
  if (bodyTemplate.trim() === '') fields.body_template ??= 'admin.letter.errors.bodyRequired';
  else if (bodyTemplate.length > MAX_BODY) fields.body_template ??= 'admin.letter.errors.bodyTooLong';
  else if (!fields.body_template) checkTemplate(bodyTemplate, 'body', 'body_template', fields, problems);

  const recipientIds = recipientIdsOf(raw.recipients);
  if (!recipientIds) fields.recipients = 'admin.letter.errors.recipients';

  const routing = text('routing');
  if (!fields.routing && !(ROUTINGS as readonly string[]).includes(routing)) fields.routing = 'admin.letter.errors.routing';

  const fallback = text('fallback');
  if (!fields.fallback && fallback !== '' && !ID.test(fallback)) fields.fallback = 'admin.letter.errors.fallback';

  const delivery = text('delivery');
  if (!fields.delivery && !(DELIVERIES as readonly string[]).includes(delivery)) fields.delivery = 'admin.letter.errors.delivery';

  const digestEvery = text('digest_every') || 'daily';
  if (!fields.digest_every && !(DIGEST_EVERY as readonly string[]).includes(digestEvery)) fields.digest_every = 'admin.letter.errors.digestEvery';

  const hour = text('digest_hour') || '9';
  if (!fields.digest_hour && !(/^\d{1,2}$/.test(hour) && Number(hour) <= 23)) fields.digest_hour = 'admin.letter.errors.digestHour';

  // A wall time in each recipient's zone, so no zone here: checked as a real date and time of day.
  const scheduled = text('scheduled_local').trim();
  let scheduledLocal: string | null = null;
  if (scheduled !== '') {
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(scheduled) ? DateTime.fromISO(scheduled, { zone: 'UTC' }) : undefined;
    if (!at?.isValid) fields.scheduled_local ??= 'admin.letter.errors.scheduledLocal';
    else scheduledLocal = scheduled;
  }
  if (delivery === 'scheduled' && scheduledLocal === null) fields.scheduled_local ??= 'admin.letter.errors.scheduledRequired';

  const perHour = text('per_hour') || '30';
  if (!fields.per_hour && !(/^\d{1,4}$/.test(perHour) && Number(perHour) >= 1 && Number(perHour) <= MAX_PER_HOUR)) fields.per_hour = 'admin.letter.errors.perHour';

  for (const box of CHECKBOXES) if (raw[box] !== undefined && typeof raw[box] !== 'string') fields[box] = 'admin.letter.errors.repeated';

  if (Object.keys(fields).length > 0) throw new InvalidLetter(fields, problems);
  return {
    subjectTemplate: subject,
    bodyTemplate,
    routing: routing as LetterRouting,
    fallbackRecipientId: fallback === '' ? null : Number(fallback),
    delivery: delivery as LetterDelivery,
    digestEvery: digestEvery as 'daily' | 'weekly',
    digestHour: Number(hour),
    // Kept only for a scheduled letter: a date left in the field after switching to digests means nothing.
    scheduledLocal: delivery === 'scheduled' ? scheduledLocal : null,
    attachPdf: ticked(raw.attach_pdf),
    perHour: Number(perHour),
    personalParagraph: ticked(raw.personal_paragraph),
    copyToSupporter: ticked(raw.copy_to_supporter),
    recipientIds: recipientIds ?? [],
  };
}

/** The supporter's details a preview fills in (query of actionLetter or adminActionLetterPreview); anything odd is left out, never refused. */
export type PreviewSigner = { name: string; country: string; town: string; comment: string };

const oneLine = (value: unknown, max: number): string =>
  typeof value === 'string' ? value.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ').trim().slice(0, max) : '';

export function previewSignerOf(query: Record<string, unknown>, isCountry: (code: string) => boolean): PreviewSigner {
  const country = oneLine(query.country, 2).toUpperCase();
  const comment = typeof query.comment === 'string' ? query.comment.replace(/\r\n?/g, '\n').replace(/[^\P{Cc}\n\t]/gu, ' ').trim().slice(0, 1000) : '';
  return { name: oneLine(query.name, 100), country: isCountry(country) ? country : '', town: oneLine(query.town, 100), comment };
}
