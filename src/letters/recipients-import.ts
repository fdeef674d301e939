// Importing the directory from a CSV file: read (csv-parse, 1 MB, 5,000 rows),
// check each row as the form would, match it to a recipient (by organisation,
// country and name, or else by an address already known), and show what would
// be added, changed (field by field), left unchanged, or refused (and why);
// then Apply, in one transaction with one audit entry.
//
// Between the preview and Apply nothing is kept on the server: the page
// carries the file back (base64, so no browser rewrites its line breaks) with
// a token, an HMAC under a key derived from the app secret, of the organiser,
// the time, the file's hash and the digest of the plan shown. So any instance
// can apply it, nothing needs purging, and neither another organiser nor an
// edited hidden field can apply a file the preview did not show (ImportTampered,
// a 400). Apply recomputes the plan with the directory locked: if the
// directory changed meanwhile so that the plan differs, nothing is written and
// the new preview is shown instead ('stale').
//
// A cell is stored as text, whatever it starts with (=HYPERLINK(…) included):
// pages escape it, and a CSV export must prefix such cells (csv-stringify's
// escape_formulas, as src/signatures/signatures.exports.ts does).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { CsvError, parse } from 'csv-parse/sync';
import { recordAudit } from '../admin/audit.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import * as repo from './recipients.repo.ts';
import { checkRecipientFields, RECIPIENT_FIELDS } from './recipients.schema.ts';

export const MAX_BYTES = 1024 * 1024;
export const MAX_ROWS = 5000;
export const COLUMNS = [...RECIPIENT_FIELDS, 'emails'] as const;
type Column = (typeof COLUMNS)[number];
type Field = (typeof RECIPIENT_FIELDS)[number];
// A preview is applied within the hour, or uploaded again.
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const MAC_BYTES = 32;

/** The file, the token or the plan sent back with Apply is not what the preview issued. */
export class ImportTampered extends Error {}

/** A file refused as a whole (the reason beside the file field; `line` where the reader stopped). */
export class ImportRefused extends Invalid {
  constructor(
    key: MessageKey,
    readonly line?: number,
  ) {
    super({ file: key }, 'admin.recipients.errors.summary');
  }
}

export function deriveImportKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('placard:recipients-import:v1').digest();
}

type Row = { row: number; cells: Partial<Record<Column, string>>; extraCells?: boolean };

/** The file's rows, each with its row number as a spreadsheet shows it (the header is row 1). */
export function readCsv(bytes: Buffer): Row[] {
  if (bytes.length === 0) throw new ImportRefused('admin.recipients.import.errors.empty');
  if (bytes.length > MAX_BYTES) throw new ImportRefused('admin.recipients.import.errors.tooBig');
  let textContent: string;
  try {
    textContent = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImportRefused('admin.recipients.import.errors.notUtf8');
  }
  // A NUL is in no CSV a person saves: this is a spreadsheet's binary file, an image, a program.
  if (textContent.includes('\u0000')) throw new ImportRefused('admin.recipients.import.errors.notCsv');
  let records: string[][];
  try {
    records = parse(textContent, { bom: true, skip_empty_lines: true, relax_column_count: true, max_record_size: 64 * 1024, to: MAX_ROWS + 2 });
  } catch (error) {
    if (error instanceof CsvError) throw new ImportRefused('admin.recipients.import.errors.malformed', typeof error.lines === 'number' ? error.lines : undefined);
    throw error;
  }
  if (records.length === 0) throw new ImportRefused('admin.recipients.import.errors.empty');
  const header = records[0]!.map((h) => h.trim().toLowerCase());
  if (header.some((h) => !(COLUMNS as readonly string[]).includes(h))) throw new ImportRefused('admin.recipients.import.errors.unknownColumn');
  if (new Set(header).size !== header.length) throw new ImportRefused('admin.recipients.import.errors.repeatedColumn');
  if (!header.includes('name')) throw new ImportRefused('admin.recipients.import.errors.noName');
  if (records.length - 1 > MAX_ROWS) throw new ImportRefused('admin.recipients.import.errors.tooManyRows');
  return records.slice(1).map((record, i) => {
    const cells: Partial<Record<Column, string>> = {};
    // A row with more cells than the header has a value that belongs to no column: refused in the plan.
    if (record.length > header.length) return { row: i + 2, cells, extraCells: true };
    header.forEach((column, j) => {
      cells[column as Column] = record[j] ?? '';
    });
    return { row: i + 2, cells };
  });
}

export type FieldChange = { field: Field; before: string; after: string };
export type Refusal = { field: string; reason: MessageKey; otherRow?: number };
export type MatchedBy = { by: 'identity' } | { by: 'email'; email: string };

export type Plan = {
  added: { row: number; fields: repo.RecipientFields; emails: string[] }[];
  changed: { row: number; id: number; name: string; matched: MatchedBy; changes: FieldChange[]; newEmails: string[]; fields: repo.RecipientFields }[];
  unchanged: { row: number; id: number; name: string; matched: MatchedBy }[];
  refused: { row: number; reasons: Refusal[] }[];
};

const identity = (r: { organisation: string; country: string | null; name: string }) =>
  [r.organisation, r.country ?? '', r.name].map((s) => s.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase()).join('\u0001');

/** What the rows would do to the directory as it is now. */
export async function planImport(db: Queryable, rows: Row[]): Promise<Plan> {
  const [recipients, addresses] = await Promise.all([repo.listRecipients(db), repo.listAllAddresses(db)]);
  const byIdentity = new Map<string, repo.Recipient[]>();
  for (const r of recipients) byIdentity.set(identity(r), [...(byIdentity.get(identity(r)) ?? []), r]);
  const byId = new Map(recipients.map((r) => [r.id, r]));
  const ownersOf = new Map<string, Set<number>>();
  const emailsOf = new Map<number, Set<string>>();
  for (const a of addresses) {
    ownersOf.set(a.email, (ownersOf.get(a.email) ?? new Set()).add(a.recipient_id));
    emailsOf.set(a.recipient_id, (emailsOf.get(a.recipient_id) ?? new Set()).add(a.email));
  }

  const plan: Plan = { added: [], changed: [], unchanged: [], refused: [] };
  // Earlier rows of the file: a recipient or an address may be in it once.
  const rowOfRecipient = new Map<number, number>();
  const rowOfNewIdentity = new Map<string, number>();
  const rowOfEmail = new Map<string, number>();

  for (const { row, cells, extraCells } of rows) {
    if (extraCells) {
      plan.refused.push({ row, reasons: [{ field: 'row', reason: 'admin.recipients.import.refused.extraCells' }] });
      continue;
    }
    const { fields, errors } = checkRecipientFields(cells);
    const reasons: Refusal[] = Object.entries(errors).map(([field, reason]) => ({ field, reason }));
    if (reasons.length) {
      plan.refused.push({ row, reasons });
      continue;
    }
    const emails = fields.emails;
    const earlierEmail = emails.find((e) => rowOfEmail.has(e));
    if (earlierEmail) {
      plan.refused.push({ row, reasons: [{ field: 'emails', reason: 'admin.recipients.import.refused.emailEarlier', otherRow: rowOfEmail.get(earlierEmail)! }] });
      continue;
    }
    const owners = new Set(emails.flatMap((e) => [...(ownersOf.get(e) ?? [])]));
    const sameIdentity = byIdentity.get(identity(fields)) ?? [];
    let match: { recipient: repo.Recipient; matched: MatchedBy } | undefined;
    let refusal: Refusal | undefined;
    if (sameIdentity.length > 1) refusal = { field: 'name', reason: 'admin.recipients.import.refused.ambiguous' };
    else if (sameIdentity.length === 1) {
      const recipient = sameIdentity[0]!;
      if ([...owners].some((id) => id !== recipient.id)) refusal = { field: 'emails', reason: 'admin.recipients.import.refused.emailOfAnother' };
      else match = { recipient, matched: { by: 'identity' } };
    } else if (owners.size > 1) refusal = { field: 'emails', reason: 'admin.recipients.import.refused.emailsOfSeveral' };
    else if (owners.size === 1) {
      const recipient = byId.get([...owners][0]!)!;
      match = { recipient, matched: { by: 'email', email: emails.find((e) => ownersOf.get(e)?.has(recipient.id))! } };
    }
    if (!refusal && match && rowOfRecipient.has(match.recipient.id)) refusal = { field: 'name', reason: 'admin.recipients.import.refused.sameRecipient', otherRow: rowOfRecipient.get(match.recipient.id)! };
    if (!refusal && !match && rowOfNewIdentity.has(identity(fields))) refusal = { field: 'name', reason: 'admin.recipients.import.refused.sameRecipient', otherRow: rowOfNewIdentity.get(identity(fields))! };
    if (refusal) {
      plan.refused.push({ row, reasons: [refusal] });
      continue;
    }
    for (const e of emails) rowOfEmail.set(e, row);

    if (!match) {
      rowOfNewIdentity.set(identity(fields), row);
      const { name, title, organisation, country, language, time_zone, postal_address } = fields;
      plan.added.push({ row, fields: { name, title, organisation, country, language, time_zone, postal_address }, emails });
      continue;
    }
    const stored = match.recipient;
    rowOfRecipient.set(stored.id, row);
    // An empty or absent cell keeps what is stored: an import adds and corrects, it does not erase.
    const merged: repo.RecipientFields = { name: stored.name, title: stored.title, organisation: stored.organisation, country: stored.country, language: stored.language, time_zone: stored.time_zone, postal_address: stored.postal_address };
    const changes: FieldChange[] = [];
    for (const field of RECIPIENT_FIELDS) {
      if ((cells[field] ?? '').trim() === '') continue;
      const value = fields[field];
      if (value !== merged[field]) {
        changes.push({ field, before: merged[field] ?? '', after: value ?? '' });
        (merged as Record<Field, string | null>)[field] = value;
      }
    }
    const known = emailsOf.get(stored.id) ?? new Set<string>();
    const newEmails = emails.filter((e) => !known.has(e));
    if (changes.length === 0 && newEmails.length === 0) plan.unchanged.push({ row, id: stored.id, name: stored.name, matched: match.matched });
    else plan.changed.push({ row, id: stored.id, name: stored.name, matched: match.matched, changes, newEmails, fields: merged });
  }
  return plan;
}

function planDigest(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('base64url');
}

function macOf(key: Buffer, organiserId: number, issuedAt: number, content: Buffer, digest: string): Buffer {
  const fileHash = createHash('sha256').update(content).digest('hex');
  return createHmac('sha256', key).update(`${organiserId}\n${issuedAt}\n${fileHash}\n${digest}`).digest();
}

export type ImportPreview = Plan & {
  /** The file again, for Apply. */
  content: string;
  token: string;
  counts: { added: number; changed: number; unchanged: number; refused: number };
  applicable: boolean;
};

function previewOf(key: Buffer, organiserId: number, content: Buffer, plan: Plan, now: Date): ImportPreview {
  const issuedAt = now.getTime();
  const digest = planDigest(plan);
  const token = `${issuedAt}.${digest}.${macOf(key, organiserId, issuedAt, content, digest).toString('base64url')}`;
  return {
    ...plan,
    content: content.toString('base64'),
    token,
    counts: { added: plan.added.length, changed: plan.changed.length, unchanged: plan.unchanged.length, refused: plan.refused.length },
    applicable: plan.added.length + plan.changed.length > 0,
  };
}

/** The preview of an uploaded file: nothing is written. */
export async function previewImport(db: Queryable, key: Buffer, organiserId: number, file: Buffer, now = new Date()): Promise<ImportPreview> {
  const plan = await planImport(db, readCsv(file));
  return previewOf(key, organiserId, file, plan, now);
}

/** The file and the digest of the plan that the token was issued for; ImportTampered for anything else. */
function verify(key: Buffer, organiserId: number, sent: { content: unknown; token: unknown }, now: Date): { content: Buffer; digest: string } {
  if (typeof sent.content !== 'string' || typeof sent.token !== 'string') throw new ImportTampered();
  const match = /^(\d{13})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(sent.token);
  if (!match || sent.content.length > Math.ceil((MAX_BYTES * 4) / 3) + 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(sent.content)) throw new ImportTampered();
  const issuedAt = Number(match[1]);
  if (now.getTime() - issuedAt > TOKEN_LIFETIME_MS || issuedAt > now.getTime() + 60_000) throw new ImportTampered();
  const content = Buffer.from(sent.content, 'base64');
  const given = Buffer.from(match[3]!, 'base64url');
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, macOf(key, organiserId, issuedAt, content, match[2]!))) throw new ImportTampered();
  return { content, digest: match[2]! };
}

export type ApplyOutcome = { kind: 'applied'; added: number; changed: number } | { kind: 'stale'; preview: ImportPreview };

/**
 * Applies the previewed file in one transaction with one audit entry. The
 * directory is locked against writes for that moment, so the plan applied is
 * the plan computed; if it is no longer the one shown, nothing is written.
 */
export async function applyImport(db: Pool, key: Buffer, organiserId: number, sent: { content: unknown; token: unknown }, now = new Date()): Promise<ApplyOutcome> {
  const { content, digest } = verify(key, organiserId, sent, now);
  const rows = readCsv(content);
  return withTransaction(db, async (client) => {
    await client.query('LOCK TABLE recipients, recipient_addresses IN SHARE ROW EXCLUSIVE MODE');
    const plan = await planImport(client, rows);
    if (planDigest(plan) !== digest) return { kind: 'stale', preview: previewOf(key, organiserId, content, plan, now) };
    const added: { row: number; id: number; name: string }[] = [];
    for (const a of plan.added) {
      const id = await repo.insertRecipient(client, {
        name: a.fields.name,
        title: a.fields.title,
        organisation: a.fields.organisation,
        country: a.fields.country,
        language: a.fields.language,
        timeZone: a.fields.time_zone,
        postalAddress: a.fields.postal_address,
        demo: false,
        emails: a.emails,
      });
      added.push({ row: a.row, id, name: a.fields.name });
    }
    for (const c of plan.changed) {
      if (c.changes.length) await repo.updateRecipient(client, c.id, c.fields);
      for (const email of c.newEmails) await repo.addAddress(client, c.id, email);
    }
    await recordAudit(client, {
      organiserId,
      event: 'recipients.import',
      subject: { type: 'recipients', id: '' },
      summary: `Imported recipients from a CSV file: ${plan.added.length} added, ${plan.changed.length} changed, ${plan.unchanged.length} unchanged, ${plan.refused.length} rows refused`,
      after: {
        added,
        changed: plan.changed.map((c) => ({ row: c.row, id: c.id, matched_by: c.matched.by, changes: c.changes, new_emails: c.newEmails })),
        refused_rows: plan.refused.map((r) => r.row),
      },
    });
    return { kind: 'applied', added: plan.added.length, changed: plan.changed.length };
  });
}
