// Organisers' work on an action's signatures: find them, hide a name from the
// public list, invalidate signatures (one, or in bulk by criteria after a
// preview) and revert that, and export them. Every change is one transaction
// with its audit entry, and a change to what counts recounts the action in that
// transaction (src/actions/counts.ts), so the count is right when it commits.
import type pg from 'pg';
import type QueryStream from 'pg-query-stream';
import { recountAction } from '../actions/counts.ts';
import { recordAudit } from '../admin/audit.ts';
import type { SignedInOrganiser } from '../admin/kit.ts';
import { checkOut, withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid, NotFound } from '../errors.ts';
import { hashIp } from './ip-hash.ts';
import * as repo from './signatures.admin.repo.ts';
import type { InvalidationCriteria, SignatureSearch } from './signatures.admin.schema.ts';

export const PAGE_SIZE = 50;
export const SAMPLE_SIZE = 10;
export const INVALIDATIONS_SHOWN = 50;
// A bulk change over a million signatures takes about a minute (21,000 took 2 s on a laptop).
const BULK_STATEMENT_TIMEOUT = '5min';

export async function requireAction(db: Queryable, id: string): Promise<repo.AdminAction> {
  const action = await repo.getAction(db, id);
  if (!action) throw new NotFound();
  return action;
}

export type SignaturePage = { rows: repo.SignatureRow[]; nextAfter: string | null };

/** One page of the search, and the cursor of the next (null on the last page). */
export async function searchSignatures(db: Queryable, actionId: repo.Id, search: Pick<SignatureSearch, 'filter' | 'after'>): Promise<SignaturePage> {
  // One more than a page tells whether another follows, without counting them all.
  const rows = await repo.searchSignatures(db, actionId, search.filter, search.after, PAGE_SIZE + 1);
  const more = rows.length > PAGE_SIZE;
  const page = rows.slice(0, PAGE_SIZE);
  return { rows: page, nextAfter: more ? String(page[page.length - 1]!.id) : null };
}

async function requireSignature(db: Queryable, id: string): Promise<repo.AdminSignature> {
  const signature = await repo.getSignature(db, id);
  if (!signature) throw new NotFound();
  return signature;
}

/** Hides a name from the public list, or shows it again. The count does not change. */
export async function setVisibility(db: Pool, organiser: SignedInOrganiser, signatureId: string, hidden: boolean): Promise<{ actionId: repo.Id }> {
  return withTransaction(db, async (client) => {
    const signature = await requireSignature(client, signatureId);
    if (Boolean(signature.hidden_at) !== hidden) {
      await repo.setHidden(client, signature.id, hidden);
      await recordAudit(client, {
        organiserId: organiser.id,
        event: hidden ? 'signature.hide' : 'signature.show',
        subject: { type: 'signature', id: signature.id },
        summary: `${hidden ? 'Hid' : 'Showed'} the name of signature ${signature.id} on “${signature.action_title}” ${hidden ? 'from' : 'in'} the public list`,
        before: { hidden: !hidden },
        after: { hidden },
      });
    }
    return { actionId: signature.action_id };
  });
}

export const BY_HAND_REASON = 'Invalidated by hand';

/** Invalidates one signature (an invalidation of its own, revertible like any) or counts it again. */
export async function setValidity(db: Pool, organiser: SignedInOrganiser, signatureId: string, valid: boolean): Promise<{ actionId: repo.Id; count: number }> {
  return withTransaction(db, async (client) => {
    const signature = await requireSignature(client, signatureId);
    const isValid = signature.invalidated_at === null;
    if (isValid === valid) return { actionId: signature.action_id, count: await currentCount(client, signature.action_id) };
    let invalidationId: repo.Id | null = signature.invalidation_id;
    if (valid) {
      await repo.restoreSignature(client, signature.id, organiser.id);
    } else {
      const criteria = { domain: null, ipHash: null, country: null, from: null, before: null, signatureId: signature.id };
      invalidationId = (await repo.applyInvalidation(client, signature.action_id, criteria, { signature: signature.id }, BY_HAND_REASON, organiser.id)).id;
    }
    const count = await recountAction(client, signature.action_id);
    await recordAudit(client, {
      organiserId: organiser.id,
      event: valid ? 'signature.restore' : 'signature.invalidate',
      subject: { type: 'signature', id: signature.id },
      summary: `${valid ? 'Restored' : 'Invalidated'} signature ${signature.id} on “${signature.action_title}”; the count is now ${count}`,
      before: { invalidated: !valid },
      after: { invalidated: !valid, invalidation: invalidationId, count },
    });
    return { actionId: signature.action_id, count };
  });
}

async function currentCount(db: Queryable, actionId: repo.Id): Promise<number> {
  const action = await repo.getAction(db, String(actionId));
  return action?.signature_count ?? 0;
}

/** What the organiser typed, as the query's criteria (the IP hashed as at signing). */
function toQueryCriteria(ipKey: Buffer, c: InvalidationCriteria): repo.Criteria {
  const ipHash = c.ip ? (hashIp(ipKey, c.ip) ?? null) : null;
  // Parsing let no IP through that hashIp refuses; if one did, the criterion must not fall away silently.
  if (c.ip && !ipHash) throw new Invalid({ ip: 'admin.signatures.errors.ip' });
  return { domain: c.domain, ipHash, country: c.country, from: c.from, before: c.before, signatureId: null };
}

function isEmpty(c: InvalidationCriteria): boolean {
  return !c.domain && !c.ip && !c.country && !c.from && !c.before;
}

/**
 * The criteria as recorded on the invalidation and in the audit log. An IP is
 * kept as its hash only (what the signatures hold), never as typed.
 */
export function describeCriteria(ipKey: Buffer, c: InvalidationCriteria): Record<string, string> {
  const shown: Record<string, string> = {};
  if (c.domain) shown.domain = c.domain;
  if (c.ip) shown.ipHash = hashIp(ipKey, c.ip)!.toString('hex');
  if (c.country) shown.country = c.country;
  if (c.from) shown.from = c.from.toISOString();
  if (c.before) shown.before = c.before.toISOString();
  return shown;
}

export type Preview = { matched: number; sample: repo.MatchSample[] };

/** How many signatures the criteria match now, and a few of them. */
export async function previewInvalidation(db: Queryable, ipKey: Buffer, actionId: repo.Id, c: InvalidationCriteria): Promise<Preview> {
  if (isEmpty(c)) throw new Invalid({ criteria: 'admin.signatures.errors.noCriteria' });
  const criteria = toQueryCriteria(ipKey, c);
  const [matched, sample] = await Promise.all([repo.countMatches(db, actionId, criteria), repo.sampleMatches(db, actionId, criteria, SAMPLE_SIZE)]);
  return { matched, sample };
}

/** Invalidates every signature of the action that matches, in one statement; the count is corrected in the same transaction. */
export async function applyInvalidation(
  db: Pool,
  ipKey: Buffer,
  organiser: SignedInOrganiser,
  action: repo.AdminAction,
  c: InvalidationCriteria,
  reason: string,
): Promise<{ id: repo.Id; matched: number; count: number }> {
  if (isEmpty(c)) throw new Invalid({ criteria: 'admin.signatures.errors.noCriteria' });
  if (!reason.trim()) throw new Invalid({ reason: 'admin.signatures.errors.reasonRequired' });
  const shown = describeCriteria(ipKey, c);
  return withTransaction(db, async (client) => {
    await repo.allowLongStatements(client, BULK_STATEMENT_TIMEOUT);
    const applied = await repo.applyInvalidation(client, action.id, toQueryCriteria(ipKey, c), shown, reason, organiser.id);
    // Nothing matches now (a second press of Apply, or another organiser was first): no empty invalidation, no audit entry.
    if (applied.matched === 0) throw new Invalid({ criteria: 'admin.signatures.errors.nothingMatches' }, 'admin.signatures.errors.summary');
    const count = await recountAction(client, action.id);
    await recordAudit(client, {
      organiserId: organiser.id,
      event: 'signatures.invalidate',
      subject: { type: 'invalidation', id: applied.id },
      summary: `Invalidated ${applied.matched} signatures on “${action.title}” (${reason}); the count is now ${count}`,
      after: { action: action.id, criteria: shown, reason, matched: applied.matched, count },
    });
    return { ...applied, count };
  });
}

/** Counts again exactly the signatures one invalidation took (those still invalidated by it). */
export async function revertInvalidation(db: Pool, organiser: SignedInOrganiser, invalidationId: string): Promise<{ actionId: repo.Id; restored: number; count: number }> {
  return withTransaction(db, async (client) => {
    const invalidation = await repo.getInvalidation(client, invalidationId);
    if (!invalidation) throw new NotFound();
    await repo.allowLongStatements(client, BULK_STATEMENT_TIMEOUT);
    const reverted = await repo.revertInvalidation(client, invalidation.id, organiser.id);
    // Already reverted (a second press, another organiser): nothing changes, nothing is recorded.
    if (!reverted) return { actionId: invalidation.action_id, restored: 0, count: await currentCount(client, invalidation.action_id) };
    const count = await recountAction(client, invalidation.action_id);
    await recordAudit(client, {
      organiserId: organiser.id,
      event: 'invalidation.revert',
      subject: { type: 'invalidation', id: invalidation.id },
      summary: `Reverted invalidation ${invalidation.id} on “${invalidation.action_title}”: ${reverted.restored} signatures count again; the count is now ${count}`,
      before: { reverted: false },
      after: { reverted: true, restored: reverted.restored, count },
    });
    return { actionId: invalidation.action_id, restored: reverted.restored, count };
  });
}

export async function listInvalidations(db: Queryable, actionId: repo.Id): Promise<repo.InvalidationListed[]> {
  return repo.listInvalidations(db, actionId, INVALIDATIONS_SHOWN);
}

/** How many signatures count (the list's title says so). */
export async function countSignatories(db: Queryable, actionId: repo.Id): Promise<number> {
  return repo.countSignatories(db, actionId);
}

export type ExportKind = 'signatures.csv' | 'signatories.csv' | 'signatories.pdf';

const EXPORT_WHAT: Record<ExportKind, string> = {
  'signatures.csv': 'every field of every signature, as CSV',
  'signatories.csv': 'the list of signatories, as CSV',
  'signatories.pdf': 'the list of signatories, as PDF',
};

export type OpenExport = {
  rows: QueryStream;
  /** Ends the export's connection (it is never reused), however the export ended. */
  release: () => void;
};

/**
 * Records who exports what (the audit entry is written before a byte leaves),
 * then opens a cursor over the rows on a connection of the export's own, so
 * the pool's other connections keep serving while a big export downloads.
 */
export async function openExport(db: Pool, organiser: SignedInOrganiser, action: repo.AdminAction, kind: ExportKind): Promise<OpenExport> {
  await recordAudit(db, {
    organiserId: organiser.id,
    event: kind === 'signatures.csv' ? 'signatures.export' : 'signatories.export',
    subject: { type: 'action', id: action.id },
    summary: `Exported ${EXPORT_WHAT[kind]} of “${action.title}”`,
    after: { format: kind, action: action.id },
  });
  const { client, done } = await checkOut(db);
  // The cursor is one statement from its first row to its last, however slowly
  // the organiser's connection takes them: the pool's statement timeout (30 s)
  // would cut a big export short. An hour, on this connection only, which is
  // never reused (below); a reader that stalls longer than ten minutes between
  // rows lets the server end it.
  try {
    await client.query("SET statement_timeout = '1h'; SET idle_in_transaction_session_timeout = '10min'");
  } catch (error) {
    done(true);
    throw error;
  }
  let released = false;
  const rows = kind === 'signatures.csv' ? repo.streamExport(client as pg.PoolClient, action.id) : repo.streamSignatories(client as pg.PoolClient, action.id);
  return {
    rows,
    release() {
      if (released) return;
      released = true;
      // Not reused: its timeouts are the export's, and a cursor closed mid-way may leave the protocol mid-message.
      done(true);
    },
  };
}
