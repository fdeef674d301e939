// The form of a recipient's response and its attachment, validated apart from
// storage. The attachment's type is read from its first bytes, never from its
// name or the browser's word: a program renamed .pdf is refused.
import { DateTime } from 'luxon';
import { Invalid, type FieldErrors } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { Attachment, AttachmentType, RecipientChoice, ResponseFields } from './responses.repo.ts';

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_FROM = 200;
export const MAX_BODY = 20_000;

const ONE_LINE = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|\u200C|\u200D)*$/u;
const LINES = /^(?:[^\p{Cc}\p{Cf}\u2028\u2029]|[\t\n]|\u200C|\u200D)*$/u;

const EXTENSIONS: Record<AttachmentType, string> = { 'application/pdf': '.pdf', 'image/png': '.png', 'image/jpeg': '.jpg' };

/** PDF, PNG or JPEG by their signatures; undefined for anything else. */
export function sniffAttachment(bytes: Buffer): AttachmentType | undefined {
  if (bytes.length >= 5 && bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/**
 * The name to download it as: the uploaded name without any folder, control
 * characters or quotes, at most 200 characters, ending in the extension of
 * what it is (a PNG called "reply.pdf" downloads as "reply.pdf.png").
 */
export function attachmentName(original: string, type: AttachmentType): string {
  const ext = EXTENSIONS[type];
  let name = (original.split(/[/\\]/).pop() ?? '')
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}"]/gu, '')
    .trim();
  const lower = name.toLowerCase();
  if (!(lower.endsWith(ext) || (type === 'image/jpeg' && lower.endsWith('.jpeg')))) name = `${name || 'response'}${ext}`;
  if (name.length > 200) name = name.slice(0, 200 - ext.length) + ext;
  return name;
}

export function parseAttachment(file: { buffer: Buffer; originalname: string } | undefined): Attachment | undefined {
  if (!file || file.buffer.length === 0) return undefined;
  if (file.buffer.length > MAX_ATTACHMENT_BYTES) throw new Invalid({ attachment: 'admin.responses.errors.tooBig' }, 'admin.responses.errors.summary');
  const type = sniffAttachment(file.buffer);
  if (!type) throw new Invalid({ attachment: 'admin.responses.errors.format' }, 'admin.responses.errors.summary');
  return { bytes: file.buffer, name: attachmentName(file.originalname, type), type };
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * `choices`: the recipients the response may be from (those of the action's
 * letter); `today`: the campaign's date, so a response is not dated tomorrow.
 */
export function parseResponseForm(body: unknown, choices: readonly RecipientChoice[], today: string): ResponseFields {
  const r = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const errors: FieldErrors = {};
  const received = str(r.received_on).trim();
  const day = DateTime.fromISO(received, { zone: 'UTC' });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(received) || !day.isValid) errors.received_on = 'admin.responses.errors.date';
  else if (received > today) errors.received_on = 'admin.responses.errors.dateFuture';
  else if (received < '1990-01-01') errors.received_on = 'admin.responses.errors.date';

  // None (''), or one of the choices: an id of another action's recipient, or of no one, is refused.
  let recipientId: number | null = null;
  if (r.recipient_id !== undefined && r.recipient_id !== '') {
    const given = str(r.recipient_id);
    const choice = /^[1-9]\d{0,15}$/.test(given) ? choices.find((c) => c.id === Number(given)) : undefined;
    if (!choice) errors.recipient_id = 'admin.responses.errors.recipient';
    else recipientId = choice.id;
  }

  let from = str(r.from_whom).trim();
  // Left empty for a recipient of the directory: it is from them.
  if (from === '' && recipientId !== null) {
    const c = choices.find((x) => x.id === recipientId)!;
    from = c.organisation && !c.name.includes(c.organisation) ? `${c.name}, ${c.organisation}` : c.name;
  }
  const fromProblem: MessageKey | undefined = from === '' ? 'admin.responses.errors.fromRequired' : from.length > MAX_FROM ? 'admin.responses.errors.tooLong' : !ONE_LINE.test(from) ? 'admin.responses.errors.characters' : undefined;
  if (fromProblem) errors.from_whom = fromProblem;

  const text = str(r.body).replace(/\r\n?/g, '\n').trim();
  const bodyProblem: MessageKey | undefined = text === '' ? 'admin.responses.errors.bodyRequired' : text.length > MAX_BODY ? 'admin.responses.errors.tooLong' : !LINES.test(text) ? 'admin.responses.errors.characters' : undefined;
  if (bodyProblem) errors.body = bodyProblem;

  if (Object.keys(errors).length) throw new Invalid(errors, 'admin.responses.errors.summary');
  return { recipient_id: recipientId, received_on: received, from_whom: from.slice(0, MAX_FROM), body: text, public: r.public === 'yes' };
}
