// Campaign updates as organisers run them: compose (a draft, rendered once),
// preview, a test to oneself, send now or at a time, cancel. Every change is
// one transaction with its audit entry; sending starts the fan-out job in the
// same transaction. Organisers and admins alike may do all of it: writing to
// supporters is the campaign's work, as posts are, and the audit log says who
// sent what.
import { randomUUID } from 'node:crypto';
import { changedFields, recordAudit } from '../admin/audit.ts';
import type { Config } from '../config.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { Invalid, NotFound } from '../errors.ts';
import type { Queue } from '../jobs/queue.ts';
import { liftSuppressions, suppress, suppressionHash } from '../mail/suppressions.ts';
import type { EmailRenderer } from '../mail/templates.ts';
import { campaignForEmail } from '../settings/campaign.ts';
import { findSupporterByEmail, withdrawConsent } from '../supporters/supporters.repo.ts';
import { composeUpdateEmail, renderUpdateBody } from './compose.ts';
import * as repo from './updates.repo.ts';
import type { SendInput, SuppressionInput, UpdateInput } from './updates.schema.ts';

export type Actor = { organiserId: number };

export type UpdateView = repo.StoredUpdate & { total: number; running: boolean; editable: boolean; actionIds: number[] };

function fieldsOf(input: UpdateInput, baseUrl: string): repo.UpdateFields {
  const { html, text } = renderUpdateBody(input.body, baseUrl);
  return { subject: input.subject, bodyMarkdown: input.body, bodyHtml: html, bodyText: text, audience: input.audience, actionIds: input.actionIds };
}

const auditFields = (f: repo.UpdateFields) => ({ subject: f.subject, body: f.bodyMarkdown, audience: f.audience, action_ids: f.actionIds });

export const total = (p: repo.Progress) => p.queued + p.sent + p.failed + p.suppressed + p.unsubscribed;

export async function listUpdates(db: Queryable) {
  return (await repo.listUpdates(db)).map((u) => ({ ...u, total: total(u), running: u.state === 'sending' }));
}

export async function getUpdate(db: Queryable, id: number): Promise<UpdateView> {
  const update = await repo.getUpdate(db, id);
  if (!update) throw new NotFound();
  return {
    ...update,
    actionIds: update.action_ids.map(Number),
    total: total(update),
    running: update.state === 'sending',
    editable: update.state === 'draft' || update.state === 'scheduled',
  };
}

export const listActionChoices = repo.listActionChoices;

export async function knownActionIds(db: Queryable): Promise<Set<number>> {
  return new Set((await repo.listActionChoices(db)).map((a) => Number(a.id)));
}

/** How many would receive an update to this audience, if it were sent now. */
export function countAudience(db: Queryable, input: Pick<UpdateInput, 'audience' | 'actionIds'>): Promise<number> {
  return repo.countAudience(db, input.audience === 'actions' ? input.actionIds : null);
}

export async function createUpdate(db: Pool, actor: Actor, input: UpdateInput, baseUrl: string): Promise<number> {
  const fields = fieldsOf(input, baseUrl);
  return withTransaction(db, async (client) => {
    const id = await repo.insertUpdate(client, fields, actor.organiserId);
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: 'update.create',
      subject: { type: 'update', id },
      summary: `Wrote the update “${input.subject}”`,
      after: { ...auditFields(fields), state: 'draft' },
    });
    return id;
  });
}

const notEditable = () => new Invalid({ form: 'admin.updates.errors.notEditable' }, 'admin.updates.errors.notEditable');

export async function editUpdate(db: Pool, actor: Actor, id: number, input: UpdateInput, baseUrl: string): Promise<void> {
  const fields = fieldsOf(input, baseUrl);
  await withTransaction(db, async (client) => {
    const current = await repo.getUpdate(client, id);
    if (!current || !(await repo.lockUpdate(client, id))) throw new NotFound();
    if (!(await repo.editUpdate(client, id, fields))) throw notEditable();
    const before = { subject: current.subject, body: current.body_markdown, audience: current.audience, action_ids: current.action_ids.map(Number) };
    const diff = changedFields(before, auditFields(fields));
    if (Object.keys(diff.after).length === 0) return;
    await recordAudit(client, { organiserId: actor.organiserId, event: 'update.edit', subject: { type: 'update', id }, summary: `Edited the update “${input.subject}”`, ...diff });
  });
}

/** Sends now (the fan-out job is queued with the change) or schedules. */
export async function sendUpdate(deps: { db: Pool; queue: Pick<Queue, 'enqueue'> }, actor: Actor, id: number, input: SendInput): Promise<void> {
  await withTransaction(deps.db, async (client) => {
    const update = await repo.lockUpdate(client, id);
    if (!update) throw new NotFound();
    if (input.when === 'later') {
      if (!(await repo.scheduleUpdate(client, id, input.sendAt))) throw notEditable();
      await recordAudit(client, {
        organiserId: actor.organiserId,
        event: 'update.schedule',
        subject: { type: 'update', id },
        summary: `Scheduled the update “${update.subject}”`,
        before: { state: update.state, send_at: update.send_at },
        after: { state: 'scheduled', send_at: input.sendAt },
      });
      return;
    }
    if (!(await repo.startUpdate(client, id))) throw notEditable();
    await deps.queue.enqueue(client, 'email-supporters', { updateId: id });
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: 'update.send',
      subject: { type: 'update', id },
      summary: `Started sending the update “${update.subject}”`,
      before: { state: update.state },
      after: { state: 'sending' },
    });
  });
}

export async function cancelUpdate(db: Pool, actor: Actor, id: number): Promise<void> {
  await withTransaction(db, async (client) => {
    const update = await repo.lockUpdate(client, id);
    if (!update) throw new NotFound();
    if (!(await repo.cancelUpdate(client, id))) throw new Invalid({ form: 'admin.updates.errors.notCancellable' }, 'admin.updates.errors.notCancellable');
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: 'update.cancel',
      subject: { type: 'update', id },
      summary: `Cancelled the update “${update.subject}”`,
      before: { state: update.state },
      after: { state: 'cancelled' },
    });
  });
}

/** Queues the test send to the organiser's own address. */
export async function sendTest(deps: { db: Pool; queue: Pick<Queue, 'enqueue'> }, actor: Actor, id: number): Promise<void> {
  await withTransaction(deps.db, async (client) => {
    const update = await repo.lockUpdate(client, id);
    if (!update) throw new NotFound();
    await deps.queue.enqueue(client, 'send-update-test', { updateId: id, organiserId: actor.organiserId, requestId: randomUUID() });
    await recordAudit(client, { organiserId: actor.organiserId, event: 'update.test', subject: { type: 'update', id }, summary: `Sent a test of the update “${update.subject}” to themselves` });
  });
}

export type Preview = { subject: string; html: string; text: string; audienceCount: number };

/**
 * The email as a supporter would get it, rendered here, saving nothing: a
 * sample consent (today, the first chosen action) and a link that goes nowhere
 * real. The organiser sees the real layout, footer and headers' link.
 */
export async function preview(
  deps: { db: Queryable; renderEmail: EmailRenderer; config: Config; unsubscribeKey: Buffer },
  input: UpdateInput,
): Promise<Preview> {
  const { html: bodyHtml, text: bodyText } = renderUpdateBody(input.body, deps.config.baseUrl);
  const choices = await repo.listActionChoices(deps.db);
  const firstAction = input.audience === 'actions' ? choices.find((a) => Number(a.id) === input.actionIds[0]) : choices[0];
  const email = composeUpdateEmail(deps, {
    subject: input.subject,
    bodyHtml,
    bodyText,
    to: 'supporter@example.org',
    campaign: await campaignForEmail(deps.db, deps.config.baseUrl),
    // Id 0 is no supporter: the link in the preview unsubscribes nobody.
    supporterId: 0,
    consent: { givenAt: new Date(), actionTitle: firstAction?.title ?? null },
  });
  return { subject: email.subject, html: email.html, text: email.text, audienceCount: await countAudience(deps.db, input) };
}

// Suppressions, by hand.

export async function suppressionCounts(db: Queryable) {
  return repo.suppressionCounts(db);
}

/**
 * A complaint (reported by a provider's feedback loop or by the person) stops
 * every update and any mail but what they ask for; it also withdraws their
 * consent, in the ledger. Lifting a bounce lets mail to a fixed mailbox through
 * again. Only the address's hash is stored; the audit entry names neither.
 */
export async function changeSuppression(db: Pool, actor: Actor, input: SuppressionInput): Promise<void> {
  const hash = suppressionHash(input.email).toString('hex').slice(0, 12);
  await withTransaction(db, async (client) => {
    if (input.change === 'complaint') {
      await suppress(client, input.email, 'complaint', input.detail);
      const supporter = await findSupporterByEmail(client, input.email);
      if (supporter) await withdrawConsent(client, supporter.id, 'campaign-updates', 'complaint');
      await recordAudit(client, { organiserId: actor.organiserId, event: 'suppression.complaint', subject: { type: 'suppression', id: hash }, summary: 'Added a complaint to the suppression list' });
    } else if (input.change === 'unsubscribe') {
      // Someone asked to leave by writing (the mailto: of List-Unsubscribe, or a
      // reply): the same as pressing the link, recorded as the organiser's doing.
      await suppress(client, input.email, 'unsubscribe', input.detail);
      const supporter = await findSupporterByEmail(client, input.email);
      if (supporter) await withdrawConsent(client, supporter.id, 'campaign-updates', 'organiser');
      await recordAudit(client, { organiserId: actor.organiserId, event: 'suppression.unsubscribe', subject: { type: 'suppression', id: hash }, summary: 'Unsubscribed an address on its owner’s request' });
    } else {
      await liftSuppressions(client, input.email, ['bounce']);
      await recordAudit(client, { organiserId: actor.organiserId, event: 'suppression.lift_bounce', subject: { type: 'suppression', id: hash }, summary: 'Removed a bounce from the suppression list' });
    }
  });
}
