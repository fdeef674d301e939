// Protest calls as organisers run them: the call's settings (its day, zone,
// what it commemorates, proposals, the thank-you), and its protests: added,
// edited, approved or rejected when a supporter proposed one, cancelled, or
// moved. Every change is one transaction with its audit entry; a move or a
// cancellation queues its notice to the RSVPs (queueNotice) in that same
// transaction, so the change never commits without the notice, nor twice.
import { changedFields, recordAudit } from '../admin/audit.ts';
import { getAction, type ActionDetail } from '../actions/actions.admin.service.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid, NotFound, type FieldErrors } from '../errors.ts';
import { listRecipients, type Recipient } from '../letters/recipients.repo.ts';
import { queueNotice } from './protest-notices.repo.ts';
import * as repo from './protests-admin.repo.ts';
import type { ProtestDecision } from './protests.schema.ts';

type Actor = { organiserId: number };

/** A refused protest form; a capacity below the RSVPs carries their count, which the message key alone cannot. */
export class InvalidProtest extends Invalid {
  constructor(
    fields: FieldErrors,
    readonly confirmed?: number,
  ) {
    super(fields, 'admin.protests.errors.summary');
  }
}

const editedMeanwhile = () => new InvalidProtest({ edited_from: 'admin.protests.errors.editedMeanwhile' });

/** The action behind a call's page: one of kind protest_call, else there is no such page. */
export async function requireCallAction(db: Queryable, actionId: number): Promise<ActionDetail> {
  const action = await getAction(db, actionId);
  if (action.kind !== 'protest_call') throw new NotFound();
  return action;
}

/** The version a form was opened on: the row's updated_at, or 'new' while there was none. */
export function versionOf(row: { updated_at: Date } | undefined): string {
  return row ? new Date(row.updated_at).toISOString() : 'new';
}

export type CallView = { action: ActionDetail; call: repo.ProtestCall | undefined };

export async function callSettings(db: Queryable, actionId: number): Promise<CallView> {
  const action = await requireCallAction(db, actionId);
  return { action, call: await repo.getCall(db, actionId) };
}

function auditableCall(s: repo.CallSettings) {
  return {
    day: s.day,
    time_zone: s.timeZone,
    commemorates: s.commemorates,
    proposals_open: s.proposalsOpen,
    thank_you_message: s.thankYouMessage,
    thank_you_link: s.thankYouLink,
  };
}

function storedCall(c: repo.ProtestCall): repo.CallSettings {
  return {
    day: c.day,
    timeZone: c.time_zone,
    commemorates: c.commemorates,
    proposalsOpen: c.proposals_open,
    thankYouMessage: c.thank_you_message,
    thankYouLink: c.thank_you_link,
  };
}

/**
 * Saves the call of action `actionId` (it must be a protest call). `editedFrom`
 * (versionOf when the form was opened): when given and the call has changed
 * since, the save is refused rather than undo another organiser's change.
 */
export async function saveCall(db: Pool, actor: Actor, actionId: number, form: repo.CallSettings, editedFrom?: string): Promise<'created' | 'saved' | 'unchanged'> {
  return withTransaction(db, async (client) => {
    const action = await requireCallAction(client, actionId);
    const locked = await repo.lockCall(client, actionId);
    if (editedFrom && editedFrom !== versionOf(locked)) throw editedMeanwhile();
    const subject = { type: 'action', id: actionId };
    if (!locked) {
      if (!(await repo.insertCall(client, actionId, form))) throw editedMeanwhile();
      await recordAudit(client, { organiserId: actor.organiserId, event: 'protest_call.create', subject, summary: `Set the day of action of “${action.title}”`, after: auditableCall(form) });
      return 'created';
    }
    const changed = changedFields(auditableCall(storedCall(locked)), auditableCall(form));
    if (Object.keys(changed.after).length === 0) return 'unchanged';
    await repo.updateCall(client, actionId, form);
    await recordAudit(client, { organiserId: actor.organiserId, event: 'protest_call.update', subject, summary: `Changed the day of action of “${action.title}”`, ...changed });
    return 'saved';
  });
}

/** Whether a protest call may open: it needs its call (src/actions/actions.admin.service.ts changeStatus). */
export async function hasCall(db: Queryable, actionId: number): Promise<boolean> {
  return (await repo.getCall(db, actionId)) !== undefined;
}

export type CityGroup = { city: string; protests: repo.ProtestRow[] };
export type CountryGroup = { country: string; cities: CityGroup[] };

/** Rows sorted by country then city (as list-protests returns them), grouped so. */
export function groupByPlace(rows: repo.ProtestRow[]): CountryGroup[] {
  const groups: CountryGroup[] = [];
  for (const row of rows) {
    let country = groups.at(-1);
    if (country?.country !== row.country) groups.push((country = { country: row.country, cities: [] }));
    let city = country.cities.at(-1);
    if (city?.city !== row.city) country.cities.push((city = { city: row.city, protests: [] }));
    city.protests.push(row);
  }
  return groups;
}

export type ProtestsView = CallView & {
  /** Supporters' proposals waiting for an organiser, oldest first. */
  proposals: repo.ProtestRow[];
  /** Listed and cancelled protests, by country and city. */
  groups: CountryGroup[];
  rejected: repo.ProtestRow[];
};

export async function protestsOfCall(db: Queryable, actionId: number): Promise<ProtestsView> {
  const view = await callSettings(db, actionId);
  const rows = view.call ? await repo.listProtests(db, actionId) : [];
  return {
    ...view,
    proposals: rows.filter((r) => r.status === 'proposed').sort((a, b) => a.created_at.getTime() - b.created_at.getTime()),
    groups: groupByPlace(rows.filter((r) => r.status === 'listed' || r.status === 'cancelled')),
    rejected: rows.filter((r) => r.status === 'rejected'),
  };
}

export type ProtestView = { protest: repo.Protest & { confirmed: number }; action: ActionDetail; call: repo.ProtestCall; directory: Recipient[] };

export async function protestPage(db: Queryable, protestId: number): Promise<ProtestView> {
  const protest = await repo.getProtest(db, protestId);
  if (!protest) throw new NotFound();
  const [action, call, directory] = await Promise.all([getAction(db, protest.action_id), repo.getCall(db, protest.action_id), listRecipients(db)]);
  return { protest, action, call: call!, directory };
}

/** The form of a new protest: the call's action, and the directory to choose the embassy from. */
export async function newProtestPage(db: Queryable, actionId: number): Promise<CallView & { directory: Recipient[] }> {
  const view = await callSettings(db, actionId);
  return { ...view, directory: view.call ? await listRecipients(db) : [] };
}

/** An embassy the form names must be in the directory, and in the protest's country: the call's letter goes by it. */
async function checkRecipient(db: Queryable, form: repo.ProtestFields): Promise<void> {
  if (form.recipientId === null) return;
  const recipient = await repo.getRecipientChoice(db, form.recipientId);
  if (!recipient) throw new InvalidProtest({ recipient: 'admin.protests.errors.unknownRecipient' });
  if (recipient.country !== null && recipient.country !== form.country) throw new InvalidProtest({ recipient: 'admin.protests.errors.recipientCountry' });
}

function auditableProtest(f: repo.ProtestFields) {
  return {
    country: f.country,
    city: f.city,
    place: f.place,
    address: f.address,
    meeting_point: f.meetingPoint,
    latitude: f.latitude,
    longitude: f.longitude,
    starts_at: f.startsAt.toISOString(),
    ends_at: f.endsAt.toISOString(),
    time_zone: f.timeZone,
    capacity: f.capacity,
    accessibility: f.accessibility,
    organiser_name: f.organiserName,
    organiser_contact: f.organiserContact,
    organiser_contact_public: f.organiserContactPublic,
    recipient_id: f.recipientId,
  };
}

function storedProtest(p: repo.Protest): repo.ProtestFields {
  return {
    country: p.country,
    city: p.city,
    place: p.place,
    address: p.address,
    meetingPoint: p.meeting_point,
    latitude: p.latitude === null ? null : Number(p.latitude).toFixed(6),
    longitude: p.longitude === null ? null : Number(p.longitude).toFixed(6),
    startsAt: new Date(p.starts_at),
    endsAt: new Date(p.ends_at),
    timeZone: p.time_zone,
    capacity: p.capacity,
    accessibility: p.accessibility,
    organiserName: p.organiser_name,
    organiserContact: p.organiser_contact,
    organiserContactPublic: p.organiser_contact_public,
    recipientId: p.recipient_id,
  };
}

/**
 * What makes a change a move: where and when people are to be. Its RSVPs are
 * told, and their reminders follow the new version. The zone alone is not one
 * (the same instant, shown another way); a zone changed with the same wall
 * time typed changes starts_at, which is.
 */
export const MOVE_FIELDS = ['country', 'city', 'place', 'address', 'meeting_point', 'latitude', 'longitude', 'starts_at', 'ends_at'] as const;

/** Adds a listed protest to the call of `actionId`; its id. */
export async function createProtest(db: Pool, actor: Actor, actionId: number, form: repo.ProtestFields): Promise<number> {
  return withTransaction(db, async (client) => {
    const action = await requireCallAction(client, actionId);
    if (!(await repo.getCall(client, actionId))) throw new NotFound();
    await checkRecipient(client, form);
    const id = await repo.insertProtest(client, actionId, form);
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: 'protest.create',
      subject: { type: 'protest', id },
      summary: `Added the protest at ${form.place}, ${form.city} to “${action.title}”`,
      after: { action_id: actionId, status: 'listed', ...auditableProtest(form) },
    });
    return id;
  });
}

/**
 * The protest and the form must be of the same call (`actionId`, sent by the
 * form): a page of another call's protest, or a guessed id, changes nothing.
 */
async function lockProtestOf(client: Queryable, protestId: number, actionId: number): Promise<repo.Protest> {
  const protest = await repo.lockProtest(client, protestId);
  if (!protest || protest.action_id !== actionId) throw new NotFound();
  return protest;
}

/**
 * Saves a protest's fields. A listed protest whose place or time changed is
 * moved: its version goes up and a 'moved' notice for that version is queued,
 * in this transaction. A capacity below the confirmed RSVPs is refused with
 * their count (the row lock is the one a confirmation counts under).
 */
export async function updateProtest(db: Pool, actor: Actor, protestId: number, actionId: number, form: repo.ProtestFields, editedFrom?: string): Promise<'saved' | 'moved' | 'unchanged'> {
  return withTransaction(db, async (client) => {
    const current = await lockProtestOf(client, protestId, actionId);
    if (editedFrom && editedFrom !== versionOf(current)) throw editedMeanwhile();
    if (current.status === 'cancelled' || current.status === 'rejected') throw new InvalidProtest({ status: `admin.protests.errors.closed.${current.status}` });
    await checkRecipient(client, form);
    if (form.capacity !== null) {
      const confirmed = await repo.confirmedCount(client, protestId);
      if (form.capacity < confirmed) throw new InvalidProtest({ capacity: 'admin.protests.errors.capacityBelowRsvps' }, confirmed);
    }
    const changed = changedFields(auditableProtest(storedProtest(current)), auditableProtest(form));
    if (Object.keys(changed.after).length === 0) return 'unchanged';
    const moved = current.status === 'listed' && MOVE_FIELDS.some((field) => field in changed.after);
    const version = moved ? current.version + 1 : current.version;
    await repo.updateProtest(client, protestId, form, version);
    if (moved) await queueNotice(client, protestId, 'moved', version);
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: moved ? 'protest.move' : 'protest.update',
      subject: { type: 'protest', id: protestId },
      summary: moved ? `Moved the protest at ${form.place}, ${form.city} (version ${version}); its RSVPs are told` : `Edited the protest at ${form.place}, ${form.city}`,
      before: moved ? { ...changed.before, version: current.version } : changed.before,
      after: moved ? { ...changed.after, version } : changed.after,
    });
    return moved ? 'moved' : 'saved';
  });
}

export type DecisionDone = 'approved' | 'rejected' | 'cancelled';

/**
 * A proposal approved (listed, and who proposed it forgotten) or rejected; a
 * listed protest cancelled, its RSVPs told by a 'cancelled' notice for its
 * current version, queued in this transaction. Anything else (a decision
 * already taken, by another organiser or a second press) is refused.
 */
export async function decideProtest(db: Pool, actor: Actor, protestId: number, actionId: number, decision: ProtestDecision, now: Date): Promise<DecisionDone> {
  return withTransaction(db, async (client) => {
    const current = await lockProtestOf(client, protestId, actionId);
    const where = `${current.place}, ${current.city}`;
    const subject = { type: 'protest', id: protestId };
    const refuse = () => new InvalidProtest({ decision: `admin.protests.errors.decided.${current.status}` });
    if (decision === 'cancel') {
      if (!(await repo.cancelProtest(client, protestId, now))) throw refuse();
      await queueNotice(client, protestId, 'cancelled', current.version);
      await recordAudit(client, {
        organiserId: actor.organiserId, event: 'protest.cancel', subject, summary: `Cancelled the protest at ${where}; its RSVPs are told`,
        before: { status: current.status }, after: { status: 'cancelled', cancelled_at: now.toISOString() },
      });
      return 'cancelled';
    }
    const status = decision === 'approve' ? 'listed' : 'rejected';
    if (!(await repo.decideProposal(client, protestId, status))) throw refuse();
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: decision === 'approve' ? 'protest.approve' : 'protest.reject',
      subject,
      summary: decision === 'approve' ? `Approved the proposed protest at ${where}: it is listed` : `Rejected the proposed protest at ${where}`,
      // Who proposed it is not copied into the log: it is cleared so that it is kept nowhere.
      before: { status: 'proposed' },
      after: { status },
    });
    return decision === 'approve' ? 'approved' : 'rejected';
  });
}
