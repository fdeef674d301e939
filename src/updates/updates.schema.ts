// The forms of campaign updates (compose, send, suppressions), validated and
// normalised apart from storage. A stranger's bad input is an Invalid with a
// message for the field, never a 500.
import { z } from 'zod';
import { Invalid, type FieldErrors } from '../errors.ts';
import { parseLocalDateTime } from '../i18n/local-time.ts';
import type { Audience } from './updates.repo.ts';

export const MAX_SUBJECT = 200;
export const MAX_BODY = 50_000;
const MAX_ACTIONS = 200;

// The subject is a header: no control or format characters (a line break would add a header).
const NO_CONTROL = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
const NO_CONTROL_BUT_WHITESPACE = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|[\t\n\r]|\u200C|\u200D)*$/u;

export type UpdateInput = { subject: string; body: string; audience: Audience; actionIds: number[] };

export const UPDATE_FIELDS = ['subject', 'body', 'audience'] as const;

const raw = (body: unknown): Record<string, unknown> => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {});

/** The ticked actions: one checkbox sends a string, several an array. */
function actionIdsOf(value: unknown): number[] | undefined {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (list.length > MAX_ACTIONS || !list.every((v) => typeof v === 'string' && /^[1-9]\d{0,15}$/.test(v))) return undefined;
  return [...new Set(list.map(Number))];
}

/** `knownActionIds`: the actions an update may be addressed to (opened ones). */
export function parseUpdateForm(body: unknown, knownActionIds: ReadonlySet<number>): UpdateInput {
  const r = raw(body);
  const fields: FieldErrors = {};
  const subject = typeof r.subject === 'string' ? r.subject.trim() : '';
  if (subject === '') fields.subject = 'admin.updates.errors.subjectRequired';
  else if (subject.length > MAX_SUBJECT) fields.subject = 'admin.updates.errors.tooLong';
  else if (!NO_CONTROL.test(subject)) fields.subject = 'admin.updates.errors.invalidCharacters';
  const text = typeof r.body === 'string' ? r.body.replace(/\r\n/g, '\n').trim() : '';
  if (text === '') fields.body = 'admin.updates.errors.bodyRequired';
  else if (text.length > MAX_BODY) fields.body = 'admin.updates.errors.tooLong';
  else if (!NO_CONTROL_BUT_WHITESPACE.test(text)) fields.body = 'admin.updates.errors.invalidCharacters';
  const audience = z.enum(['campaign', 'actions']).safeParse(r.audience);
  let actionIds: number[] = [];
  if (!audience.success) fields.audience = 'admin.updates.errors.audience';
  else if (audience.data === 'actions') {
    const ids = actionIdsOf(r.actions);
    if (!ids || ids.some((id) => !knownActionIds.has(id))) fields.actions = 'admin.updates.errors.unknownAction';
    else if (ids.length === 0) fields.actions = 'admin.updates.errors.noAction';
    else actionIds = ids;
  }
  if (Object.keys(fields).length) throw new Invalid(fields, 'admin.updates.errors.summary');
  return { subject, body: text, audience: audience.data!, actionIds };
}

export type SendInput = { when: 'now' } | { when: 'later'; sendAt: Date };

/** "Send now", or "at" a local time in the campaign's zone that is still to come. */
export function parseSendForm(body: unknown, timeZone: string, now = new Date()): SendInput {
  const r = raw(body);
  if (r.when === 'now') return { when: 'now' };
  if (r.when !== 'later') throw new Invalid({ when: 'admin.updates.errors.when' }, 'admin.updates.errors.summary');
  const sendAt = typeof r.send_at === 'string' ? parseLocalDateTime(r.send_at, timeZone) : undefined;
  if (!sendAt) throw new Invalid({ send_at: 'admin.updates.errors.sendAt' }, 'admin.updates.errors.summary');
  if (sendAt.getTime() <= now.getTime()) throw new Invalid({ send_at: 'admin.updates.errors.sendAtPast' }, 'admin.updates.errors.summary');
  return { when: 'later', sendAt };
}

export type SuppressionInput = { change: 'complaint' | 'unsubscribe'; email: string; detail: string } | { change: 'lift-bounce'; email: string };

const email = z.string().trim().toLowerCase().max(254).pipe(z.email());

export function parseSuppressionForm(body: unknown): SuppressionInput {
  const r = raw(body);
  const parsed = email.safeParse(r.email);
  if (!parsed.success) throw new Invalid({ email: 'admin.suppressions.errors.email' }, 'admin.suppressions.errors.summary');
  if (r.change === 'lift-bounce') return { change: 'lift-bounce', email: parsed.data };
  if (r.change !== 'complaint' && r.change !== 'unsubscribe') throw new Invalid({ change: 'admin.suppressions.errors.change' }, 'admin.suppressions.errors.summary');
  const detail = typeof r.detail === 'string' ? r.detail.trim() : '';
  if (detail.length > 500 || !NO_CONTROL_BUT_WHITESPACE.test(detail)) throw new Invalid({ detail: 'admin.suppressions.errors.detail' }, 'admin.suppressions.errors.summary');
  return { change: r.change, email: parsed.data, detail };
}
