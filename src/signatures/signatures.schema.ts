// The signing form, validated and normalised apart from storage (as in
// e-petitions' SignatureCreator). Each failure names its field and a message key.
import { z } from 'zod';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import { FORM_TIME_FIELD } from '../http/form-timing.ts';
import { isCountryCode } from './countries.ts';

// No control or format characters: they have no place in a name, could break a
// mail header, and bidirectional overrides (U+202A-E, U+2066-9), invisible tag
// characters (U+E0000 block) and the like could disguise what a name says.
// Zero-width non-joiner and joiner (U+200C, U+200D) are the exception: Persian
// and Indic scripts need them to spell names, and emoji sequences use them.
const NO_CONTROL = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
// A name is restated in the confirmation email that goes to the address typed
// with it, so a stranger could make the campaign mail any text to anyone: a name
// holding a web or email address ("verify at https://evil.example/login") is
// refused. A dot between letters with no space ("evil.example") counts as a
// domain; "Dr. A. Smith" and "J.R.R. Tolkien" are names.
const ADDRESS_LIKE = /:\/\/|www\.|@|[\p{L}\p{N}-]{2,}\.[\p{L}]{2,}/iu;
// A comment may also have line breaks and tabs (PostgreSQL refuses NUL).
const NO_CONTROL_BUT_WHITESPACE = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|[\t\n\r]|\u200C|\u200D)*$/u;
const checkbox = z
  .union([z.literal('on'), z.literal('true'), z.literal('1'), z.literal('yes')])
  .optional()
  .transform((v) => v !== undefined);
const optionalText = (max: number) => z.string().trim().max(max, `max:${max}`).optional().default('');

const signatureForm = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'required')
    .max(100, 'max:100')
    .regex(NO_CONTROL, 'invalidCharacters')
    // Joiners join: a name of nothing else would show as a blank.
    .refine((name) => /[^\s\u200C\u200D]/u.test(name), 'required')
    .refine((name) => !ADDRESS_LIKE.test(name), 'addressInName'),
  email: z
    .string()
    .trim()
    .min(1, 'required')
    .max(254, 'max:254')
    .toLowerCase()
    .pipe(z.email('email')),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine((code) => code.length > 0, 'required')
    .refine((code) => code.length === 0 || isCountryCode(code), 'country'),
  locality: optionalText(100).refine((v) => NO_CONTROL.test(v), 'invalidCharacters'),
  comment: z.string().trim().max(1000, 'max:1000').regex(NO_CONTROL_BUT_WHITESPACE, 'invalidCharacters').optional().default(''),
  show_name: checkbox,
  wants_updates: checkbox,
  letter_reply_to: checkbox,
});

/** The name and email of every pledge's form (an RSVP's too: src/protests/rsvp.schema.ts), with the same checks and messages. */
export const pledgeFields = { name: signatureForm.shape.name, email: signatureForm.shape.email, checkbox };

/** The form's visible fields, in the order a person fills them in. */
export const SIGNATURE_FIELDS = ['name', 'email', 'country', 'locality', 'comment'] as const;

export type SignatureInput = {
  name: string;
  email: string;
  country: string;
  locality: string;
  comment: string;
  showName: boolean;
  wantsUpdates: boolean;
  /** A letter action's signer lets the recipient reply to them (Reply-To: their address). Always false on other kinds. */
  letterReplyTo: boolean;
};

/**
 * Whether a name and town would be taken by the signing form: the letter's
 * preview (src/letters/letter-panel.ts) fills in only what could be signed, so
 * a crafted link cannot make the site show a letter "signed" with a web address.
 */
export function isSignableName(name: string, town = ''): boolean {
  return signatureForm.shape.name.safeParse(name).success && signatureForm.shape.locality.safeParse(town).success;
}

/** The honeypot: a field hidden from people; a bot that fills it is turned away quietly. */
export const HONEYPOT_FIELD = 'website';

// GOV.UK's rule: a message says what to do about this field, in its words
// ("Enter your name", "Choose your country"), never "this field is invalid".
const FIELD_MESSAGES: Record<(typeof SIGNATURE_FIELDS)[number], Partial<Record<string, MessageKey>> & { invalid: MessageKey }> = {
  name: {
    required: 'signature.errors.name.required',
    max: 'signature.errors.name.tooLong',
    invalidCharacters: 'signature.errors.name.invalidCharacters',
    addressInName: 'signature.errors.name.addressInName',
    invalid: 'signature.errors.name.invalid',
  },
  email: {
    required: 'signature.errors.email.required',
    max: 'signature.errors.email.tooLong',
    email: 'signature.errors.email.format',
    invalid: 'signature.errors.email.invalid',
  },
  country: { required: 'signature.errors.country.required', country: 'signature.errors.country.unknown', invalid: 'signature.errors.country.invalid' },
  locality: { max: 'signature.errors.locality.tooLong', invalidCharacters: 'signature.errors.locality.invalidCharacters', invalid: 'signature.errors.locality.invalid' },
  comment: { max: 'signature.errors.comment.tooLong', invalidCharacters: 'signature.errors.comment.invalidCharacters', invalid: 'signature.errors.comment.invalid' },
};

function isVisibleField(field: string): field is (typeof SIGNATURE_FIELDS)[number] {
  return (SIGNATURE_FIELDS as readonly string[]).includes(field);
}

/** The message for a field's problem; a field the form does not show (a repeated checkbox, a stray key) gets the form's. */
export function fieldMessage(field: string, message: string): MessageKey {
  if (!isVisibleField(field)) return 'signature.errors.form';
  const messages = FIELD_MESSAGES[field];
  const code = message.startsWith('max:') ? 'max' : message;
  return messages[code] ?? messages.invalid;
}

/** `letter`: the action is a letter, whose form has the reply-to box; elsewhere the box is ignored if sent. */
export function parseSignature(body: unknown, options: { letter?: boolean } = {}): SignatureInput {
  const raw = asFields(body);
  // A repeated field arrives as an array: that is a bad value for its own field, not a crash.
  const fields: FieldErrors = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && typeof value !== 'string') fields[key] = fieldMessage(key, 'invalid');
  }
  const parsed = signatureForm.safeParse(raw);
  if (!parsed.success || Object.keys(fields).length > 0) {
    for (const issue of parsed.error?.issues ?? []) {
      const field = String(issue.path[0] ?? 'form');
      fields[field] ??= fieldMessage(field, issue.message);
    }
    throw new Invalid(fields, 'signature.errors.summary');
  }
  const v = parsed.data;
  return {
    name: v.name,
    email: v.email,
    country: v.country,
    locality: v.locality,
    comment: v.comment,
    showName: v.show_name,
    wantsUpdates: v.wants_updates,
    letterReplyTo: options.letter === true && v.letter_reply_to,
  };
}

/** True when the hidden field was filled in: a bot, not a person. */
export function isHoneypotFilled(body: unknown): boolean {
  const value = asFields(body)[HONEYPOT_FIELD];
  return typeof value === 'string' && value.trim() !== '';
}

/** The form's signed render time (src/http/form-timing.ts), as sent. */
export function formTimeOf(body: unknown): unknown {
  return asFields(body)[FORM_TIME_FIELD];
}

/** A country code from a query string: an ISO 3166 alpha-2 code we know, else nothing (never the raw value). */
export function countryOfQuery(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z]{2}$/.test(value)) return undefined;
  const code = value.toUpperCase();
  return isCountryCode(code) ? code : undefined;
}

/** What the form shows again when it comes back with mistakes: the values as typed. */
export function formValues(body: unknown): Record<string, unknown> {
  const fields = asFields(body);
  return { ...fields, showName: fields.show_name !== undefined, wantsUpdates: fields.wants_updates !== undefined, letterReplyTo: fields.letter_reply_to !== undefined };
}

function asFields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}
