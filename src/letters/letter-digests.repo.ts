// SQL for collective letters: digests, scheduled letters and the printed
// letter (sql/letter-digests.sql). xid8 values travel as text.
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import type { Queryable } from '../db/pool.ts';
import { loadQueries } from '../db/queries.ts';

const sql = loadQueries('letter-digests.sql', [
  'letters-to-digest',
  'letters-scheduled',
  'routed-recipients',
  'get-recipient',
  'cursor-recipients',
  'ensure-cursor',
  'lock-cursor',
  'digest-range',
  'scheduled-range',
  'count-routed-upto',
  'move-cursor',
  'insert-collective-deliveries',
  'count-active-addresses',
  'claim-scheduled-run',
  'finish-scheduled-run',
  'collective-signatories',
  'collective-comments',
  'printed-signatories',
  'count-printed-signatories',
  'count-collective-signatories',
]);

export type DigestLetter = { action_id: number; delivery: 'digest' | 'each'; digest_every: 'daily' | 'weekly'; digest_hour: number; attach_pdf: boolean };
export type ScheduledLetter = { action_id: number; scheduled_local: string; attach_pdf: boolean };
export type CollectiveRecipient = { id: number; name: string; title: string; organisation: string; country: string | null; time_zone: string; postal_address: string };
/** A point in confirmation order: (confirmed_xid, id). */
export type Position = { xid: string; id: number };
export type Cursor = { last: Position; next_due_at: Date | null };
export type SignatoryRow = { name: string | null; locality: string; country: string };
export type CommentRow = SignatoryRow & { comment: string };

const num = (v: unknown) => Number(v);

export async function lettersToDigest(db: Queryable): Promise<DigestLetter[]> {
  return (await db.query<DigestLetter>(sql['letters-to-digest'])).rows.map((r) => ({ ...r, action_id: num(r.action_id) }));
}

export async function scheduledLetters(db: Queryable): Promise<ScheduledLetter[]> {
  return (await db.query<ScheduledLetter>(sql['letters-scheduled'])).rows.map((r) => ({ ...r, action_id: num(r.action_id) }));
}

export async function routedRecipients(db: Queryable, actionId: number): Promise<CollectiveRecipient[]> {
  return (await db.query<CollectiveRecipient>({ ...sql['routed-recipients'], values: [actionId] })).rows.map((r) => ({ ...r, id: num(r.id) }));
}

export async function getRecipient(db: Queryable, id: number): Promise<CollectiveRecipient | undefined> {
  const row = (await db.query<CollectiveRecipient>({ ...sql['get-recipient'], values: [id] })).rows[0];
  return row && { ...row, id: num(row.id) };
}

export async function cursorRecipients(db: Queryable, actionId: number): Promise<number[]> {
  return (await db.query<{ recipient_id: string }>({ ...sql['cursor-recipients'], values: [actionId] })).rows.map((r) => num(r.recipient_id));
}

export async function ensureCursor(db: Queryable, actionId: number, recipientId: number, nextDueAt: Date | null): Promise<void> {
  await db.query({ ...sql['ensure-cursor'], values: [actionId, recipientId, nextDueAt] });
}

export async function lockCursor(db: Queryable, actionId: number, recipientId: number): Promise<Cursor | undefined> {
  const row = (await db.query<{ last_xid: string; last_id: string; next_due_at: Date | null }>({ ...sql['lock-cursor'], values: [actionId, recipientId] })).rows[0];
  return row && { last: { xid: row.last_xid, id: num(row.last_id) }, next_due_at: row.next_due_at };
}

/** upto: the last signature walked that is routed to the recipient; passed: the action's last below the horizon, routed here or not. */
export type Range = { newCount: number; upto: Position | null; passed: Position | null };

export async function digestRange(db: Queryable, actionId: number, recipientId: number, after: Position): Promise<Range> {
  const row = (await db.query<{ new_count: number; upto_xid: string | null; upto_id: string | null; passed_xid: string | null; passed_id: string | null }>({ ...sql['digest-range'], values: [actionId, recipientId, after.xid, after.id] })).rows[0]!;
  return {
    newCount: row.new_count,
    upto: row.upto_xid === null ? null : { xid: row.upto_xid, id: num(row.upto_id) },
    passed: row.passed_xid === null ? null : { xid: row.passed_xid, id: num(row.passed_id) },
  };
}

export async function scheduledRange(db: Queryable, actionId: number, recipientId: number): Promise<{ total: number; upto: Position | null }> {
  const row = (await db.query<{ total: number; upto_xid: string | null; upto_id: string | null }>({ ...sql['scheduled-range'], values: [actionId, recipientId] })).rows[0]!;
  return { total: row.total, upto: row.upto_xid === null ? null : { xid: row.upto_xid, id: num(row.upto_id) } };
}

export async function countRoutedUpto(db: Queryable, actionId: number, recipientId: number, upto: Position): Promise<number> {
  return (await db.query<{ n: number }>({ ...sql['count-routed-upto'], values: [actionId, recipientId, upto.xid, upto.id] })).rows[0]!.n;
}

/** Moves the cursor to `to` (unchanged when null) and sets when the next digest is due (null: none, the letter left digest mode). */
export async function moveCursor(db: Queryable, actionId: number, recipientId: number, to: Position | null, nextDueAt: Date | null): Promise<void> {
  await db.query({ ...sql['move-cursor'], values: [actionId, recipientId, to?.xid ?? null, to?.id ?? null, nextDueAt] });
}

export type NewCollectiveDeliveries = {
  actionId: number;
  recipientId: number;
  kind: 'digest' | 'scheduled';
  after: Position | null;
  upto: Position;
  signatoryCount: number;
  totalCount: number;
  attachPdf: boolean;
  notBefore: Date;
};

/** Queues one delivery per active address of the recipient; returns their ids. */
export async function insertCollectiveDeliveries(db: Queryable, d: NewCollectiveDeliveries): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>({
    ...sql['insert-collective-deliveries'],
    values: [d.actionId, d.recipientId, d.kind, d.after?.xid ?? null, d.after?.id ?? null, d.upto.xid, d.upto.id, d.signatoryCount, d.totalCount, d.attachPdf, d.notBefore],
  });
  return rows.map((r) => num(r.id));
}

export async function countActiveAddresses(db: Queryable, recipientId: number): Promise<number> {
  return (await db.query<{ n: number }>({ ...sql['count-active-addresses'], values: [recipientId] })).rows[0]!.n;
}

/** True when this run is the one that sends the scheduled letter to the recipient for that time. */
export async function claimScheduledRun(db: Queryable, actionId: number, recipientId: number, scheduledLocal: string, now: Date): Promise<boolean> {
  return ((await db.query({ ...sql['claim-scheduled-run'], values: [actionId, recipientId, scheduledLocal, now] })).rowCount ?? 0) > 0;
}

export async function finishScheduledRun(db: Queryable, actionId: number, recipientId: number, scheduledLocal: string, deliveries: number): Promise<void> {
  await db.query({ ...sql['finish-scheduled-run'], values: [actionId, recipientId, scheduledLocal, deliveries] });
}

/** Which signatories a collective delivery names: a range in confirmation order, digests leaving out those who had a letter of their own. */
export type Signatories = { actionId: number; recipientId: number; after: Position | null; upto: Position; unnamedOnly: boolean };

const rangeValues = (s: Signatories) => [s.actionId, s.recipientId, s.after?.xid ?? null, s.after?.id ?? null, s.upto.xid, s.upto.id, s.unnamedOnly];

export async function collectiveSignatories(db: Queryable, s: Signatories, limit: number): Promise<SignatoryRow[]> {
  return (await db.query<SignatoryRow>({ ...sql['collective-signatories'], values: [...rangeValues(s), limit] })).rows;
}

export async function countCollectiveSignatories(db: Queryable, s: Signatories): Promise<number> {
  return (await db.query<{ n: number }>({ ...sql['count-collective-signatories'], values: rangeValues(s) })).rows[0]!.n;
}

export async function collectiveComments(db: Queryable, s: Signatories, limit: number): Promise<CommentRow[]> {
  return (await db.query<CommentRow>({ ...sql['collective-comments'], values: [...rangeValues(s), limit] })).rows;
}

/** The same signatories as a stream from a cursor on `client` (a client of its own), for the PDF. */
export function streamCollectiveSignatories(client: pg.PoolClient, s: Signatories): QueryStream {
  return client.query(new QueryStream(sql['collective-signatories'].text, [...rangeValues(s), null], { batchSize: 500 }));
}

/** Everyone routed to the recipient now, streamed (the printed letter an organiser downloads). */
export function streamPrintedSignatories(client: pg.PoolClient, actionId: number, recipientId: number): QueryStream {
  return client.query(new QueryStream(sql['printed-signatories'].text, [actionId, recipientId], { batchSize: 500 }));
}

export async function countPrintedSignatories(db: Queryable, actionId: number, recipientId: number): Promise<number> {
  return (await db.query<{ n: number }>({ ...sql['count-printed-signatories'], values: [actionId, recipientId] })).rows[0]!.n;
}
