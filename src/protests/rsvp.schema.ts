// The RSVP form: a name to be called by and an email, nothing more about the
// person (people who protest at an embassy may face reprisals at home), and
// three boxes. The name and email are checked as a signature's are, with the
// same messages (src/signatures/signatures.schema.ts pledgeFields).
import { z } from 'zod';
import { Invalid, type FieldErrors } from '../errors.ts';
import { fieldMessage, pledgeFields } from '../signatures/signatures.schema.ts';

const rsvpForm = z.object({
  name: pledgeFields.name,
  email: pledgeFields.email,
  share_with_organiser: pledgeFields.checkbox,
  wants_updates: pledgeFields.checkbox,
  sign_letter: pledgeFields.checkbox,
});

export type RsvpInput = { name: string; email: string; share: boolean; wantsUpdates: boolean; signLetter: boolean };

export const RSVP_FIELDS = ['name', 'email'] as const;

function asFields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

export function parseRsvp(body: unknown): RsvpInput {
  const raw = asFields(body);
  const fields: FieldErrors = {};
  // A repeated field arrives as an array: a bad value for its own field (or the form's), never a crash.
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && typeof value !== 'string') fields[key] = fieldMessage(key, 'invalid');
  }
  const parsed = rsvpForm.safeParse(raw);
  if (!parsed.success || Object.keys(fields).length > 0) {
    for (const issue of parsed.error?.issues ?? []) {
      const field = String(issue.path[0] ?? 'form');
      fields[field] ??= fieldMessage(field, issue.message);
    }
    throw new Invalid(fields, 'signature.errors.summary');
  }
  const v = parsed.data;
  return { name: v.name, email: v.email, share: v.share_with_organiser, wantsUpdates: v.wants_updates, signLetter: v.sign_letter };
}

/** What the form shows again: the values as typed (strings only), and which protest's form it was. */
export function rsvpFormValues(body: unknown, protestId: number): Record<string, unknown> {
  const f = asFields(body);
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    protest: String(protestId),
    name: text(f.name),
    email: text(f.email),
    share: f.share_with_organiser !== undefined,
    wantsUpdates: f.wants_updates !== undefined,
    signLetter: f.sign_letter !== undefined,
  };
}
