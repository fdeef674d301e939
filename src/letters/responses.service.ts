// Recipients' responses to a letter action: organisers record one (date, from
// whom, the text or a summary, an optional PDF or image), edit or delete it,
// each change audited; the action page shows the public ones, and for each
// recipient a letter was sent to who has not answered, how many days it has
// been ("the embassy has not replied in 30 days"): campaign material.
import { DateTime } from 'luxon';
import { recordAudit, changedFields } from '../admin/audit.ts';
import { withTransaction, type Pool, type Queryable } from '../db/pool.ts';
import { NotFound } from '../errors.ts';
import { translate, type Locale } from '../i18n/index.ts';
import { paths } from '../urls.ts';
import * as repo from './responses.repo.ts';

type Actor = { organiserId: number };

const DAY_MS = 24 * 60 * 60 * 1000;
// The text carried to the new update's form by its address: enough to start from, short enough for any browser.
const MAX_PREFILL = 1500;

/** Today's date where the campaign is ('YYYY-MM-DD'): a response is not received tomorrow. */
export function campaignToday(now: Date, timeZone: string): string {
  return DateTime.fromJSDate(now, { zone: timeZone }).toISODate() ?? now.toISOString().slice(0, 10);
}

const auditFields = (r: repo.ResponseFields & { attachment_name?: string | null; attachment_size?: number | null }) => ({
  recipient_id: r.recipient_id,
  received_on: r.received_on,
  from_whom: r.from_whom,
  body: r.body,
  public: r.public,
  attachment_name: r.attachment_name ?? null,
  attachment_size: r.attachment_size ?? null,
});

export const listResponsesOfAction = repo.listResponsesOfAction;
export const responseRecipientChoices = repo.responseRecipientChoices;

export async function getResponse(db: Queryable, id: number): Promise<repo.StoredResponse> {
  const response = await repo.getResponse(db, id);
  if (!response) throw new NotFound();
  return response;
}

export async function createResponse(db: Pool, actor: Actor, actionId: number, fields: repo.ResponseFields, attachment: repo.Attachment | undefined): Promise<number> {
  return withTransaction(db, async (client) => {
    const id = await repo.insertResponse(client, actionId, fields, attachment, actor.organiserId);
    await recordAudit(client, {
      organiserId: actor.organiserId,
      event: 'response.create',
      subject: { type: 'letter_response', id },
      summary: `Recorded a response from ${fields.from_whom} (action ${actionId})`,
      after: { action_id: actionId, ...auditFields({ ...fields, attachment_name: attachment?.name, attachment_size: attachment?.bytes.length }) },
    });
    return id;
  });
}

export type AttachmentChange = { kind: 'keep' } | { kind: 'remove' } | { kind: 'replace'; attachment: repo.Attachment };

export async function editResponse(db: Pool, actor: Actor, id: number, fields: repo.ResponseFields, change: AttachmentChange): Promise<void> {
  await withTransaction(db, async (client) => {
    const stored = await repo.lockResponse(client, id);
    if (!stored) throw new NotFound();
    await repo.updateResponse(client, id, fields);
    let attachment = { attachment_name: stored.attachment_name, attachment_size: stored.attachment_size };
    if (change.kind === 'remove' && stored.attachment_name !== null) {
      await repo.setResponseAttachment(client, id, null);
      attachment = { attachment_name: null, attachment_size: null };
    } else if (change.kind === 'replace') {
      await repo.setResponseAttachment(client, id, change.attachment);
      attachment = { attachment_name: change.attachment.name, attachment_size: change.attachment.bytes.length };
    }
    const { before, after } = changedFields(auditFields(stored), auditFields({ ...fields, ...attachment }));
    if (Object.keys(after).length === 0) return;
    await recordAudit(client, { organiserId: actor.organiserId, event: 'response.update', subject: { type: 'letter_response', id }, summary: `Edited the response from ${fields.from_whom}`, before, after });
  });
}

/** Deletes a response; returns its action's id (to go back to its list). */
export async function deleteResponse(db: Pool, actor: Actor, id: number): Promise<number> {
  return withTransaction(db, async (client) => {
    const stored = await repo.lockResponse(client, id);
    if (!stored) throw new NotFound();
    await repo.deleteResponse(client, id);
    await recordAudit(client, { organiserId: actor.organiserId, event: 'response.delete', subject: { type: 'letter_response', id }, summary: `Deleted the response from ${stored.from_whom}`, before: { action_id: stored.action_id, ...auditFields(stored) } });
    return stored.action_id;
  });
}

/**
 * "Tell supporters": the new update's form, filled in with the response (its
 * subject, its text quoted, the action ticked), for the organiser to rewrite.
 */
export function tellSupportersHref(locale: Locale, response: Pick<repo.StoredResponse, 'from_whom' | 'body' | 'received_on' | 'action_id'>, actionTitle: string): string {
  const quoted = response.body.length > MAX_PREFILL ? `${response.body.slice(0, MAX_PREFILL)}…` : response.body;
  const query = new URLSearchParams({
    subject: translate(locale, 'admin.responses.tell.subject', { from: response.from_whom, action: actionTitle }).slice(0, 200),
    body: `${translate(locale, 'admin.responses.tell.body', { from: response.from_whom, date: response.received_on, action: actionTitle })}\n\n${quoted.replace(/^/gm, '> ')}`,
    action: String(response.action_id),
  });
  return `${paths.adminNewUpdate()}?${query.toString()}`;
}

export type ActionPageResponse = {
  id: number;
  receivedOn: string;
  fromWhom: string;
  recipientName: string | null;
  body: string;
  /** The body in paragraphs (at blank lines), as the page shows it. */
  paragraphs: string[];
  attachment?: { href: string; name: string; type: repo.AttachmentType };
};

export type AwaitingReply = { recipientId: number; name: string; organisation: string; firstSentAt: Date; days: number };

export type ActionPageResponses = { responses: ActionPageResponse[]; awaiting: AwaitingReply[]; any: boolean };

/**
 * For the action page (views/partials/letter-responses.hbs): the public
 * responses, newest first, and each recipient a letter of the action was sent
 * to (state 'sent') who has not answered, with the whole days since the first
 * letter was sent to them, counted at `now`.
 */
export async function responsesForActionPage(db: Queryable, actionId: number, now: Date): Promise<ActionPageResponses> {
  const [responses, unanswered] = await Promise.all([repo.publicResponsesOfAction(db, actionId), repo.sentWithoutResponse(db, actionId, now)]);
  const shown = responses.map((r) => ({
    id: r.id,
    receivedOn: r.received_on,
    fromWhom: r.from_whom,
    recipientName: r.recipient_name,
    body: r.body,
    paragraphs: r.body.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p !== ''),
    ...(r.attachment_name && r.attachment_type ? { attachment: { href: paths.responseAttachment(r.id), name: r.attachment_name, type: r.attachment_type } } : {}),
  }));
  const awaiting = unanswered.map((u) => ({
    recipientId: u.recipient_id,
    name: u.name,
    organisation: u.organisation,
    firstSentAt: u.first_sent_at,
    days: Math.max(0, Math.floor((now.getTime() - u.first_sent_at.getTime()) / DAY_MS)),
  }));
  return { responses: shown, awaiting, any: shown.length + awaiting.length > 0 };
}

export type AttachmentFile = { bytes: Buffer; name: string; type: repo.AttachmentType };

/** The file of a public response of a public action; NotFound otherwise (private, draft, none, never existed: the same 404). */
export async function publicAttachment(db: Queryable, id: number): Promise<AttachmentFile> {
  const file = await repo.publicAttachment(db, id);
  if (!file) throw new NotFound();
  return { bytes: file.attachment, name: file.attachment_name, type: file.attachment_type };
}

/** The file of any response, for organisers (a private one included). */
export async function organiserAttachment(db: Queryable, id: number): Promise<AttachmentFile> {
  const file = await repo.responseAttachment(db, id);
  if (!file) throw new NotFound();
  return { bytes: file.attachment, name: file.attachment_name, type: file.attachment_type };
}
