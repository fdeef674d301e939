// The admin's action forms (new, edit, status), validated and normalised apart
// from storage. Each failure names its field and a message key; a field sent
// twice (an array) or of the wrong shape is a bad value for that field.
import { z } from 'zod';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import { parseLocalDateTime } from '../i18n/local-time.ts';
import type { ActionKind, ActionStatus } from './actions.repo.ts';

export const ACTION_KINDS = ['petition', 'letter', 'protest_call'] as const satisfies readonly ActionKind[];
/** Big enough for any campaign's ambition; small enough that a typo (an extra few zeros) is caught. */
export const MAX_GOAL = 10_000_000;
export const MAX_TITLE = 300;
export const MAX_SLUG = 200;
export const MAX_DEMAND = 5000;
export const MAX_TARGET = 300;
export const MAX_OUTCOME = 2000;

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// As in the signing form: no control or format characters (bidi overrides could
// disguise what a title says), but joiners, which some scripts need.
const NO_CONTROL = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
const NO_CONTROL_BUT_WHITESPACE = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|[\t\n\r]|\u200C|\u200D)*$/u;

const line = (max: number) => z.string('required').trim().max(max, 'tooLong').regex(NO_CONTROL, 'invalidCharacters');
const text = (max: number) => z.string('required').trim().max(max, 'tooLong').regex(NO_CONTROL_BUT_WHITESPACE, 'invalidCharacters');

const actionForm = z.object({
  kind: z.enum(ACTION_KINDS, 'kind'),
  post: z.string().trim().regex(/^(\d{1,18})?$/, 'post').optional().default(''),
  title: line(MAX_TITLE).min(1, 'required'),
  slug: z.string().trim().toLowerCase().max(MAX_SLUG, 'tooLong').regex(/^([a-z0-9]+(-[a-z0-9]+)*)?$/, 'slug').optional().default(''),
  demand: text(MAX_DEMAND).min(1, 'required'),
  target: line(MAX_TARGET).optional().default(''),
  goal: z.string('required').trim().min(1, 'required').regex(/^\d{1,9}$/, 'goal').transform(Number).refine((n) => n >= 1 && n <= MAX_GOAL, 'goal'),
  deadline: z.string().trim().optional().default(''),
});

export type ActionInput = {
  kind: ActionKind;
  /** A post's id, or null for an action that stands on its own. */
  postId: number | null;
  title: string;
  /** As typed; empty: made from the title. */
  slug: string;
  demand: string;
  target: string;
  goal: number;
  deadline: Date | null;
};

const MESSAGES: Record<string, MessageKey> = {
  required: 'admin.actions.errors.required',
  tooLong: 'admin.actions.errors.tooLong',
  invalidCharacters: 'admin.actions.errors.invalidCharacters',
  kind: 'admin.actions.errors.kind',
  post: 'admin.actions.errors.post',
  slug: 'admin.actions.errors.slug',
  goal: 'admin.actions.errors.goal',
  deadline: 'admin.actions.errors.deadline',
  status: 'admin.actions.errors.status',
};

const fieldMessage = (message: string): MessageKey => MESSAGES[message] ?? 'admin.actions.errors.invalid';

function asFields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

/** Fields that arrived as anything but a string (a repeated field is an array). */
function nonStringFields(raw: Record<string, unknown>, names: readonly string[]): FieldErrors {
  const fields: FieldErrors = {};
  for (const name of names) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') fields[name] = 'admin.actions.errors.invalid';
  }
  return fields;
}

export const ACTION_FIELDS = ['kind', 'post', 'title', 'slug', 'demand', 'target', 'goal', 'deadline'] as const;

/** The new and edit forms. Times in `deadline` mean the campaign's zone. */
export function parseActionForm(body: unknown, timeZone: string): ActionInput {
  const raw = asFields(body);
  const fields = nonStringFields(raw, ACTION_FIELDS);
  const picked = Object.fromEntries(ACTION_FIELDS.filter((name) => !fields[name]).map((name) => [name, raw[name]]));
  const parsed = actionForm.safeParse(picked);
  for (const issue of parsed.error?.issues ?? []) {
    const field = String(issue.path[0] ?? 'form');
    fields[field] ??= fieldMessage(issue.message);
  }
  // Checked whatever else is wrong, so that every bad field is named at once.
  let deadline: Date | null = null;
  const typedDeadline = typeof picked.deadline === 'string' ? picked.deadline.trim() : '';
  if (typedDeadline !== '') {
    deadline = parseLocalDateTime(typedDeadline, timeZone) ?? null;
    if (!deadline) fields.deadline ??= 'admin.actions.errors.deadline';
  }
  if (!parsed.success || Object.keys(fields).length > 0) throw new Invalid(fields, 'admin.actions.errors.summary');
  const v = parsed.data;
  return {
    kind: v.kind,
    postId: v.post === '' ? null : Number(v.post),
    title: v.title,
    slug: v.slug,
    demand: v.demand,
    target: v.target,
    goal: v.goal,
    deadline,
  };
}

export type StatusInput = {
  status: Exclude<ActionStatus, 'draft'>;
  outcome: string;
  /** Ticked to take back a win: leaving 'won' is never one careless press. */
  confirmed: boolean;
};

const statusForm = z.object({
  status: z.enum(['open', 'closed', 'won'], 'status'),
  outcome: text(MAX_OUTCOME).optional().default(''),
  confirm: z.string().optional(),
});

export function parseStatusForm(body: unknown): StatusInput {
  const raw = asFields(body);
  const fields = nonStringFields(raw, ['status', 'outcome', 'confirm']);
  const parsed = statusForm.safeParse({ status: raw.status, outcome: fields.outcome ? undefined : raw.outcome, confirm: fields.confirm ? undefined : raw.confirm });
  for (const issue of parsed.error?.issues ?? []) {
    const field = String(issue.path[0] ?? 'form');
    fields[field] ??= fieldMessage(issue.message);
  }
  if (!parsed.success || Object.keys(fields).length > 0) throw new Invalid(fields, 'admin.actions.errors.summary');
  return { status: parsed.data.status, outcome: parsed.data.outcome, confirmed: parsed.data.confirm === 'yes' };
}

// Latin, Cyrillic (Russian and Kazakh letters) to ASCII, so that a title in
// either script gives a readable address.
const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'yo', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch',
  ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya', ә: 'a', ғ: 'g', қ: 'q', ң: 'n', ө: 'o', ұ: 'u', ү: 'u', һ: 'h', і: 'i',
};

/** An address-safe slug made from a title ("Free Max Bokayev!" → "free-max-bokayev"); "action" when nothing is left. */
export function slugify(title: string): string {
  const ascii = [...title.toLowerCase()].map((c) => CYRILLIC[c] ?? c).join('')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  const slug = ascii.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80).replace(/-+$/, '');
  return SLUG.test(slug) ? slug : 'action';
}
