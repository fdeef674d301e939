// SQL for organisers' work on signatures: search, hide, invalidate, export
// (sql/signatures.sql's admin part, sql/invalidations.sql).
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import { loadQueries } from '../db/queries.ts';
import type { Queryable } from '../db/pool.ts';

const sql = loadQueries('signatures.sql', [
  'admin-get-action',
  'search-signatures',
  'admin-get-signature',
  'set-signature-hidden',
  'restore-signature',
  'export-signatures',
  'export-signatories',
  'count-signatories',
]);
const inv = loadQueries('invalidations.sql', [
  'count-invalidation-matches',
  'sample-invalidation-matches',
  'apply-invalidation',
  'revert-invalidation',
  'get-invalidation',
  'list-invalidations',
  'allow-long-statements',
]);

/**
 * A statement planned afresh for its values: the search and the invalidation
 * criteria switch filters on and off with NULLs, and a prepared statement's
 * generic plan (which PostgreSQL may settle on after five runs) would be made
 * for none of them in particular. Organisers run these rarely; planning costs
 * a fraction of a millisecond.
 */
const unprepared = (query: { text: string }) => ({ text: query.text });

/** Ids of rows, as pg returns bigints in this app (numbers; see src/db/pool.ts). */
export type Id = number;

export type AdminAction = { id: Id; slug: string; title: string; kind: string; status: string; signature_count: number };

export async function getAction(db: Queryable, id: string): Promise<AdminAction | undefined> {
  return (await db.query<AdminAction>({ ...sql['admin-get-action'], values: [id] })).rows[0];
}

export type SignatureState = 'confirmed' | 'pending' | 'invalidated' | 'hidden';

export type SignatureFilter = {
  contains: string | null;
  country: string | null;
  from: Date | null;
  before: Date | null;
  state: SignatureState | null;
};

export type SignatureRow = {
  id: Id;
  /** NULL once anonymised (src/supporters/anonymise.task.ts), as email is. */
  name: string | null;
  email: string | null;
  country: string;
  locality: string;
  created_at: Date;
  confirmed_at: Date | null;
  show_name: boolean;
  hidden_at: Date | null;
  invalidated_at: Date | null;
  invalidation_id: Id | null;
};

export async function searchSignatures(db: Queryable, actionId: Id, f: SignatureFilter, afterId: string | null, limit: number): Promise<SignatureRow[]> {
  const values = [actionId, f.contains, f.country, f.from, f.before, f.state, afterId, limit];
  return (await db.query<SignatureRow>({ ...unprepared(sql['search-signatures']), values })).rows;
}

export type AdminSignature = {
  id: Id;
  action_id: Id;
  name: string | null;
  email: string | null;
  hidden_at: Date | null;
  invalidated_at: Date | null;
  invalidation_id: Id | null;
  confirmed_at: Date | null;
  action_title: string;
};

export async function getSignature(db: Queryable, id: string): Promise<AdminSignature | undefined> {
  return (await db.query<AdminSignature>({ ...sql['admin-get-signature'], values: [id] })).rows[0];
}

export async function setHidden(db: Queryable, id: Id, hidden: boolean): Promise<void> {
  await db.query({ ...sql['set-signature-hidden'], values: [id, hidden] });
}

/** Counts one invalidated signature again (and marks its invalidation reverted once none of it is left). */
export async function restoreSignature(db: Queryable, id: Id, organiserId: number): Promise<void> {
  await db.query({ ...sql['restore-signature'], values: [id, organiserId] });
}

/** What an invalidation matches; every criterion null is off (all null: nothing matches). */
export type Criteria = {
  domain: string | null;
  ipHash: Buffer | null;
  country: string | null;
  from: Date | null;
  before: Date | null;
  signatureId: Id | null;
};

const criteriaValues = (actionId: Id, c: Criteria) => [actionId, c.domain, c.ipHash, c.country, c.from, c.before, c.signatureId];

export async function countMatches(db: Queryable, actionId: Id, c: Criteria): Promise<number> {
  return (await db.query<{ matched: number }>({ ...unprepared(inv['count-invalidation-matches']), values: criteriaValues(actionId, c) })).rows[0]!.matched;
}

export type MatchSample = Pick<SignatureRow, 'id' | 'name' | 'email' | 'country' | 'locality' | 'created_at' | 'confirmed_at'>;

export async function sampleMatches(db: Queryable, actionId: Id, c: Criteria, limit: number): Promise<MatchSample[]> {
  return (await db.query<MatchSample>({ ...unprepared(inv['sample-invalidation-matches']), values: [...criteriaValues(actionId, c), limit] })).rows;
}

export async function applyInvalidation(
  db: Queryable,
  actionId: Id,
  c: Criteria,
  shown: Record<string, unknown>,
  reason: string,
  organiserId: number,
): Promise<{ id: Id; matched: number }> {
  const values = [...criteriaValues(actionId, c), JSON.stringify(shown), reason, organiserId];
  return (await db.query<{ id: Id; matched: number }>({ ...unprepared(inv['apply-invalidation']), values })).rows[0]!;
}

/** Lifts the statement timeout for the rest of this transaction to `timeout` ('5min'). */
export async function allowLongStatements(db: Queryable, timeout: string): Promise<void> {
  await db.query({ ...inv['allow-long-statements'], values: [timeout] });
}

export async function revertInvalidation(db: Queryable, id: Id, organiserId: number): Promise<{ id: Id; action_id: Id; restored: number } | undefined> {
  return (await db.query<{ id: Id; action_id: Id; restored: number }>({ ...inv['revert-invalidation'], values: [id, organiserId] })).rows[0];
}

export type Invalidation = {
  id: Id;
  action_id: Id;
  criteria: Record<string, unknown>;
  reason: string;
  matched: number;
  created_at: Date;
  reverted_at: Date | null;
  action_title: string;
};

export async function getInvalidation(db: Queryable, id: string): Promise<Invalidation | undefined> {
  return (await db.query<Invalidation>({ ...inv['get-invalidation'], values: [id] })).rows[0];
}

export type InvalidationListed = Omit<Invalidation, 'action_id' | 'action_title'> & { created_by_name: string; reverted_by_name: string };

export async function listInvalidations(db: Queryable, actionId: Id, limit: number): Promise<InvalidationListed[]> {
  return (await db.query<InvalidationListed>({ ...inv['list-invalidations'], values: [actionId, limit] })).rows;
}

export async function countSignatories(db: Queryable, actionId: Id): Promise<number> {
  return (await db.query<{ n: number }>({ ...sql['count-signatories'], values: [actionId] })).rows[0]!.n;
}

/** Every field of an action's signatures, as a stream of rows from a cursor on `client` (a client of its own). */
export function streamExport(client: pg.PoolClient, actionId: Id): QueryStream {
  return client.query(new QueryStream(sql['export-signatures'].text, [actionId], { batchSize: 500 }));
}

/** The presentable list (name, town, country, date), streamed likewise. */
export function streamSignatories(client: pg.PoolClient, actionId: Id): QueryStream {
  return client.query(new QueryStream(sql['export-signatories'].text, [actionId], { batchSize: 500 }));
}
