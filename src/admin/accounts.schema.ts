// The forms of organisers' accounts, validated apart from storage. A field sent
// twice (an array) or not at all is simply not a valid value.
import { z } from 'zod';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { Role } from './kit.ts';

const text = (max: number) => z.string().max(max);
const email = z.string().trim().toLowerCase().max(254).pipe(z.email());
// Passwords are taken as typed: no trimming (a space may be part of one).
const password = z.string().max(1000);

function parse<T>(schema: z.ZodType<T>, body: unknown, messages: Record<string, MessageKey>): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    fields[field] ??= messages[field] ?? 'errors.invalid';
  }
  throw new Invalid(fields);
}

export function parseSignIn(body: unknown): { email: string; password: string } {
  // Any string is tried (and fails the same way): only a missing field is an error of the form.
  return parse(z.object({ email: text(1000), password }), body, { email: 'admin.signIn.emailRequired', password: 'admin.signIn.passwordRequired' });
}

export function parseResetRequest(body: unknown): { email: string } {
  return parse(z.object({ email }), body, { email: 'admin.field.email' });
}

export function parseNewPassword(body: unknown): { password: string; confirmation: string } {
  return parse(z.object({ password, confirmation: password }), body, { password: 'admin.password.tooShort', confirmation: 'admin.password.mismatch' });
}

export function parsePasswordChange(body: unknown): { current: string; password: string; confirmation: string } {
  return parse(z.object({ current: password, password, confirmation: password }), body, { current: 'admin.password.currentWrong', password: 'admin.password.tooShort', confirmation: 'admin.password.mismatch' });
}

const name = z.string().trim().min(1).max(200).regex(/^[^\p{Cc}\p{Cf}]*$/u);
const role = z.enum(['admin', 'organiser']);

export function parseNewOrganiser(body: unknown): { email: string; name: string; role: Role } {
  return parse(z.object({ email, name, role }), body, { email: 'admin.field.email', name: 'admin.field.name', role: 'admin.field.role' });
}

export function parseOrganiserChange(body: unknown): { name: string; role: Role; disabled: boolean } {
  const form = parse(z.object({ name, role, disabled: z.literal('on').optional() }), body, { name: 'admin.field.name', role: 'admin.field.role', disabled: 'errors.invalid' });
  return { name: form.name, role: form.role, disabled: form.disabled === 'on' };
}
