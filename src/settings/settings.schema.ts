// The campaign settings form, validated and normalised apart from storage.
import { z } from 'zod';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { CampaignSettings } from './campaign.ts';

export const MAX_NAME = 100;
export const MAX_PRIVACY_NOTICE = 50_000;

// The name and sender name go into every email's From header and every page's
// title: no control or format characters (a line break could add a header).
const NO_CONTROL = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
const NO_CONTROL_BUT_WHITESPACE = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|[\t\n\r]|\u200C|\u200D)*$/u;

const settingsForm = z.object({
  name: z.string('required').trim().min(1, 'required').max(MAX_NAME, 'tooLong').regex(NO_CONTROL, 'invalidCharacters'),
  contact_email: z.string().trim().max(254, 'tooLong').toLowerCase().pipe(z.union([z.literal(''), z.email('email')])).optional().default(''),
  sender_name: z.string().trim().max(MAX_NAME, 'tooLong').regex(NO_CONTROL, 'invalidCharacters').optional().default(''),
  privacy_notice: z.string().trim().max(MAX_PRIVACY_NOTICE, 'tooLong').regex(NO_CONTROL_BUT_WHITESPACE, 'invalidCharacters').optional().default(''),
});

export const SETTINGS_FIELDS = ['name', 'contact_email', 'sender_name', 'privacy_notice'] as const;

const MESSAGES: Record<string, MessageKey> = {
  required: 'admin.settings.errors.required',
  tooLong: 'admin.settings.errors.tooLong',
  invalidCharacters: 'admin.settings.errors.invalidCharacters',
  email: 'admin.settings.errors.email',
};

export function parseSettingsForm(body: unknown): CampaignSettings {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const fields: FieldErrors = {};
  for (const name of SETTINGS_FIELDS) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') fields[name] = 'admin.settings.errors.invalid';
  }
  const parsed = settingsForm.safeParse(Object.fromEntries(SETTINGS_FIELDS.filter((n) => !fields[n]).map((n) => [n, raw[n]])));
  for (const issue of parsed.error?.issues ?? []) {
    const field = String(issue.path[0] ?? 'form');
    // z.union reports its own code: an address that is not one is 'email' whatever the branch said.
    fields[field] ??= field === 'contact_email' && issue.message !== 'tooLong' ? 'admin.settings.errors.email' : (MESSAGES[issue.message] ?? 'admin.settings.errors.invalid');
  }
  if (!parsed.success || Object.keys(fields).length > 0) throw new Invalid(fields, 'admin.settings.errors.summary');
  const v = parsed.data;
  return { name: v.name, contactEmail: v.contact_email, senderName: v.sender_name, privacyNotice: v.privacy_notice };
}
