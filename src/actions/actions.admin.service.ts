// Actions as organisers run them: create, edit, open, close, mark as won,
// reopen. Every change is one transaction with its audit entry.
//
// The life of an action: draft → open → closed or won. A closed action may be
// reopened (the campaign goes on); a won one only when the organiser ticks that
// they mean it, since the public page has told everyone "we won". The slug
// (its address) and the kind are fixed once the action has been opened: links
// to it are out, and people signed it as what it was.
//
// Opening does not wait for the post: an action on a draft post may be opened
// and becomes visible when the post is published (public pages show no action
// of an unpublished post); the admin says so meanwhile.
import type { PoolClient } from 'pg';
import { changedFields, recordAudit } from '../admin/audit.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid, NotFound, type FieldErrors } from '../errors.ts';
import type { ActionStatus } from './actions.repo.ts';
import { insertAction } from './actions.repo.ts';
import * as repo from './actions.admin.repo.ts';
import { slugify, type ActionInput, type StatusInput } from './actions.schema.ts';
import { effectiveStatus } from './actions.service.ts';
import { getLetter } from '../letters/letters.repo.ts';
import { getCall } from '../protests/protests-admin.repo.ts';

/** What the admin shows as an action's state: draft, or what the public sees (a passed deadline shows closed). */
export type ShownStatus = 'draft' | 'open' | 'closed' | 'won';

export function shownStatus(action: Pick<repo.StoredAction, 'status' | 'deadline'>, now = new Date()): ShownStatus {
  return action.status === 'draft' ? 'draft' : effectiveStatus(action, now);
}

export type ActionSummary = Awaited<ReturnType<typeof repo.listActions>>[number] & {
  shown: ShownStatus;
  /** Stored open, but its deadline has passed: closed to the public. */
  deadlinePassed: boolean;
  /** Open to signatures, but not visible, because its post is not published. */
  hiddenByPost: boolean;
};

function describe<T extends Omit<repo.AdminAction, 'demand' | 'target'>>(action: T, now: Date): T & Omit<ActionSummary, keyof T> {
  const shown = shownStatus(action, now);
  return {
    ...action,
    shown,
    deadlinePassed: action.status === 'open' && shown === 'closed',
    hiddenByPost: action.status !== 'draft' && !action.post_public,
  };
}

export async function listActions(db: Queryable, now = new Date()): Promise<ActionSummary[]> {
  return (await repo.listActions(db)).map((action) => describe(action, now));
}

export type ActionDetail = repo.AdminAction & Omit<ActionSummary, keyof repo.AdminAction>;

export async function getAction(db: Queryable, id: number, now = new Date()): Promise<ActionDetail> {
  const action = await repo.getAction(db, id);
  if (!action) throw new NotFound();
  return describe(action, now);
}

export const listPostChoices = repo.listPostChoices;

/** The transitions an organiser may make from each stored status (leaving 'won' also needs `confirmed`). */
export const TRANSITIONS: Record<ActionStatus, readonly Exclude<ActionStatus, 'draft'>[]> = {
  draft: ['open'],
  open: ['closed', 'won'],
  // The same status again keeps it and changes only the outcome.
  closed: ['open', 'closed', 'won'],
  won: ['won', 'open', 'closed'],
};

type Actor = { organiserId: number };

async function requirePost(db: Queryable, postId: number | null): Promise<void> {
  if (postId !== null && !(await repo.getPostChoice(db, postId))) throw new Invalid({ post: 'admin.actions.errors.post' }, 'admin.actions.errors.summary');
}

/** The slug made from `title`, numbered (-2, -3 …) past those in use. */
async function freeSlugFor(db: Queryable, title: string, exceptSlug?: string): Promise<string> {
  const base = slugify(title);
  const taken = await repo.similarSlugs(db, base);
  if (exceptSlug) taken.delete(exceptSlug);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

const slugTakenError = () => new Invalid({ slug: 'admin.actions.errors.slugTaken' }, 'admin.actions.errors.summary');

/** A unique violation on the slug (another organiser took it between our check and our write). */
function isSlugConflict(error: unknown): boolean {
  return (error as { code?: string; constraint?: string })?.code === '23505';
}

function auditFields(a: repo.ActionFields) {
  return { post_id: a.post_id, kind: a.kind, slug: a.slug, title: a.title, demand: a.demand, target: a.target, goal: a.goal, deadline: a.deadline };
}

/** A new action, always a draft: opening it is a step of its own. Returns its id. */
export async function createAction(db: Pool, actor: Actor, input: ActionInput): Promise<number> {
  try {
    return await withTransaction(db, async (client) => {
      await requirePost(client, input.postId);
      let slug = input.slug;
      if (slug === '') slug = await freeSlugFor(client, input.title);
      else if (await repo.slugTaken(client, slug, null)) throw slugTakenError();
      const fields: repo.ActionFields = { post_id: input.postId, kind: input.kind, slug, title: input.title, demand: input.demand, target: input.target, goal: input.goal, deadline: input.deadline };
      const id = await insertAction(client, {
        postId: fields.post_id, kind: fields.kind, slug, title: fields.title, demand: fields.demand,
        target: fields.target, goal: fields.goal, deadline: fields.deadline, status: 'draft',
      });
      if (id === undefined) throw slugTakenError();
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'action.create',
        subject: { type: 'action', id },
        summary: `Created the draft action “${input.title}”`,
        after: { ...auditFields(fields), status: 'draft' },
      });
      return id;
    });
  } catch (error) {
    if (isSlugConflict(error)) throw slugTakenError();
    throw error;
  }
}

async function lockOrNotFound(client: PoolClient, id: number): Promise<repo.StoredAction & { updated_at: Date }> {
  const action = await repo.lockAction(client, id);
  if (!action) throw new NotFound();
  return action;
}

const deadlineInPast = (deadline: Date | null, now: Date) => deadline !== null && deadline.getTime() <= now.getTime();

/**
 * `editedFrom`: the action's updated_at (ISO 8601) when the edit form was
 * opened; when given and the action has changed since (another organiser saved
 * it or changed its status), the save is refused rather than undo that change.
 */
export async function updateAction(db: Pool, actor: Actor, id: number, input: ActionInput, now = new Date(), editedFrom?: string): Promise<void> {
  try {
    await withTransaction(db, async (client) => {
      const current = await lockOrNotFound(client, id);
      if (editedFrom && editedFrom !== new Date(current.updated_at).toISOString()) {
        throw new Invalid({ edited_from: 'admin.actions.errors.editedMeanwhile' }, 'admin.actions.errors.summary');
      }
      const opened = current.status !== 'draft';
      const fields: FieldErrors = {};
      await requirePost(client, input.postId);
      let slug = input.slug;
      if (opened) {
        // Links to it are out: the address stays. The form shows it read-only and sends it back unchanged.
        if (slug !== '' && slug !== current.slug) fields.slug = 'admin.actions.errors.slugFixed';
        slug = current.slug;
        if (input.kind !== current.kind) fields.kind = 'admin.actions.errors.kindFixed';
      } else if (slug === '') {
        slug = await freeSlugFor(client, input.title, current.slug);
      } else if (slug !== current.slug && (await repo.slugTaken(client, slug, id))) {
        fields.slug = 'admin.actions.errors.slugTaken';
      }
      // An open action's new deadline must be ahead: one in the past would close it as it is saved.
      const deadlineChanged = (input.deadline?.getTime() ?? null) !== (current.deadline ? new Date(current.deadline).getTime() : null);
      if (current.status === 'open' && deadlineChanged && deadlineInPast(input.deadline, now)) fields.deadline = 'admin.actions.errors.deadlinePast';
      if (Object.keys(fields).length > 0) throw new Invalid(fields, 'admin.actions.errors.summary');

      const next: repo.ActionFields = { post_id: input.postId, kind: input.kind, slug, title: input.title, demand: input.demand, target: input.target, goal: input.goal, deadline: input.deadline };
      const { before, after } = changedFields(auditFields(current), auditFields(next));
      if (Object.keys(after).length === 0) return;
      await repo.updateAction(client, id, next);
      // Supporters signed the demand's words: a change to them after opening is
      // called out, and the entry keeps the words before and after.
      const demandChanged = 'demand' in after;
      const summary = opened && demandChanged
        ? `Changed the demand of the ${current.status} action “${next.title}”, which supporters have signed`
        : `Edited the action “${next.title}”`;
      await recordAudit(client, { organiserId: actor.organiserId, event: 'action.update', subject: { type: 'action', id }, summary, before, after });
    });
  } catch (error) {
    if (isSlugConflict(error)) throw slugTakenError();
    throw error;
  }
}

function statusEvent(from: ActionStatus, to: ActionStatus): { event: string; verb: string } {
  if (from === to) return { event: 'action.outcome', verb: 'Updated the outcome of' };
  if (to === 'open') return from === 'draft' ? { event: 'action.open', verb: 'Opened' } : { event: 'action.reopen', verb: 'Reopened' };
  if (to === 'won') return { event: 'action.win', verb: 'Marked as won' };
  return { event: 'action.close', verb: 'Closed' };
}

export async function changeStatus(db: Pool, actor: Actor, id: number, input: StatusInput, now = new Date()): Promise<ShownStatus> {
  return withTransaction(db, async (client) => {
    const current = await lockOrNotFound(client, id);
    if (!TRANSITIONS[current.status].includes(input.status) || (current.status === 'open' && input.status === 'open')) {
      throw new Invalid({ status: 'admin.actions.errors.transition' }, 'admin.actions.errors.summary');
    }
    if (current.status === 'won' && input.status !== 'won' && !input.confirmed) {
      throw new Invalid({ confirm: 'admin.actions.errors.confirmLeaveWon' }, 'admin.actions.errors.summary');
    }
    if (input.status === 'open' && deadlineInPast(current.deadline, now)) {
      throw new Invalid({ status: 'admin.actions.errors.openPastDeadline' }, 'admin.actions.errors.summary');
    }
    // A letter action takes signatures for its letter: open, it would show supporters nothing to sign and queue nothing to send.
    if (input.status === 'open' && current.kind === 'letter' && !(await getLetter(client, id))) {
      throw new Invalid({ status: 'admin.letter.errors.noLetterYet' }, 'admin.actions.errors.summary');
    }
    // A protest call without its day of action would show supporters a call to no day, with nowhere to go.
    if (input.status === 'open' && current.kind === 'protest_call' && !(await getCall(client, id))) {
      throw new Invalid({ status: 'admin.protestCall.errors.noCallYet' }, 'admin.actions.errors.summary');
    }
    // An open action shows no outcome; one left from before would reappear when it closes again.
    const outcome = input.status === 'open' ? '' : input.outcome;
    await repo.setStatus(client, id, input.status, outcome);
    const { event, verb } = statusEvent(current.status, input.status);
    const { before, after } = changedFields({ status: current.status, outcome: current.outcome }, { status: input.status, outcome });
    await recordAudit(client, { organiserId: actor.organiserId, event, subject: { type: 'action', id }, summary: `${verb} the action “${current.title}”`, before, after });
    return shownStatus({ status: input.status, deadline: current.deadline }, now);
  });
}
