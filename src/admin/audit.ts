// The audit log: who changed what and when. Written in the same transaction as
// the change it records (pass the transaction's client), so neither exists
// without the other.
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('audit.sql', ['insert-audit-entry', 'list-audit-entries']);

export type AuditEntryInput = {
  /** Who: the signed-in organiser's id; null for the command line or the system. */
  organiserId: number | null;
  /** What happened, as `thing.verb`: 'post.publish', 'action.update', 'signatures.invalidate'. */
  event: string;
  subject?: { type: string; id: string | number };
  /** One line for a person reading the log: "Published “Free Max Bokayev”". */
  summary?: string;
  /** The changed fields only, before and after. */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
};

export type AuditEntry = {
  id: number;
  organiser_id: number | null;
  organiser_name: string;
  event: string;
  subject_type: string;
  subject_id: number;
  summary: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  created_at: Date;
};

export async function recordAudit(db: Queryable, entry: AuditEntryInput): Promise<void> {
  await db.query({
    ...sql['insert-audit-entry'],
    values: [
      entry.organiserId,
      entry.event,
      entry.subject?.type ?? '',
      entry.subject ? String(entry.subject.id) : '',
      entry.summary ?? '',
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
    ],
  });
}

/** Only the fields whose values differ, as { before, after }: what an audit entry keeps. */
export function changedFields<T extends Record<string, unknown>>(before: T, after: Partial<T>): { before: Partial<T>; after: Partial<T> } {
  const was: Partial<T> = {};
  const now: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    const a = before[key] instanceof Date ? (before[key] as Date).toISOString() : before[key];
    const b = after[key] instanceof Date ? (after[key] as Date).toISOString() : after[key];
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      was[key] = before[key];
      now[key] = after[key] as T[keyof T];
    }
  }
  return { before: was, after: now };
}

export async function listAuditEntries(
  db: Queryable,
  filter: { beforeId?: string; subjectType?: string; subjectId?: string; limit: number },
): Promise<AuditEntry[]> {
  const { rows } = await db.query<AuditEntry>({
    ...sql['list-audit-entries'],
    values: [filter.beforeId ?? null, filter.subjectType ?? null, filter.subjectId ?? null, filter.limit],
  });
  return rows;
}
