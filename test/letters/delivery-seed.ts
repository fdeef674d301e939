// Letters for the delivery tests, made in SQL where the admin's forms belong to
// another part (letter settings, the directory); signatures are signed in SQL
// and confirmed through the real confirmation page, so that the confirm
// transaction is the one that queues their letters.
import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/app.ts';
import { pressButtonBehind } from '../helpers/forms.ts';
import { newToken } from '../../src/http/link-tokens.ts';
import type { WorkerContext } from '../../src/jobs/job.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { insertConfirmationToken, insertSignature } from '../../src/signatures/signatures.repo.ts';

export type LetterOptions = {
  slug: string;
  title?: string;
  subject?: string;
  body?: string;
  routing?: 'fixed' | 'by_country';
  fallback?: number | null;
  personalParagraph?: boolean;
  copyToSupporter?: boolean;
  perHour?: number;
  recipients?: number[];
};

export const BODY = `Dear {{recipient_title}} {{recipient_name}},

I write to you from {{signer_town}}, {{signer_country}}, about {{action_title}}.
{{#if signer_comment}}
In my own words: {{signer_comment}}
{{/if}}
Yours sincerely,
{{signer_name}}
{{date}}`;

/** An open letter action with its letter; returns the action's id. */
export async function createLetterAction(t: Pick<TestApp, 'db'>, o: LetterOptions): Promise<number> {
  const { rows } = await t.db.pool.query<{ id: number }>("INSERT INTO actions (kind, slug, title, status) VALUES ('letter', $1, $2, 'open') RETURNING id", [o.slug, o.title ?? o.slug]);
  const actionId = rows[0]!.id;
  await t.db.pool.query(
    `INSERT INTO letters (action_id, subject_template, body_template, routing, fallback_recipient_id, personal_paragraph, copy_to_supporter, per_hour)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [actionId, o.subject ?? 'Free them, {{recipient_name}}', o.body ?? BODY, o.routing ?? 'fixed', o.fallback ?? null, o.personalParagraph ?? false, o.copyToSupporter ?? false, o.perHour ?? 30],
  );
  for (const id of o.recipients ?? []) await t.db.pool.query('INSERT INTO letter_recipients (action_id, recipient_id) VALUES ($1, $2)', [actionId, id]);
  return actionId;
}

export type SeededRecipient = { id: number; addressIds: number[] };

export async function addRecipient(t: Pick<TestApp, 'db'>, r: { name: string; title?: string; organisation?: string; country?: string | null; timeZone?: string; emails: string[] }): Promise<SeededRecipient> {
  const { rows } = await t.db.pool.query<{ id: number }>(
    'INSERT INTO recipients (name, title, organisation, country, time_zone) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [r.name, r.title ?? '', r.organisation ?? '', r.country ?? null, r.timeZone ?? 'UTC'],
  );
  const id = rows[0]!.id;
  const addressIds: number[] = [];
  for (const email of r.emails) {
    addressIds.push((await t.db.pool.query<{ id: number }>('INSERT INTO recipient_addresses (recipient_id, email) VALUES ($1, $2) RETURNING id', [id, email])).rows[0]!.id);
  }
  return { id, addressIds };
}

export type Signer = { email: string; name?: string; country?: string; locality?: string; comment?: string; letterReplyTo?: boolean };

/** A pending signature with its submission and a confirmation link (the token), as signing leaves them. */
export async function signPending(t: Pick<TestApp, 'db'>, actionId: number, s: Signer): Promise<{ signatureId: number; submissionId: number; token: string }> {
  const made = await insertSignature(t.db.pool, actionId, {
    email: s.email, name: s.name ?? 'Aigerim Sarsenova', country: s.country ?? 'KZ', locality: s.locality ?? 'Almaty', comment: s.comment ?? '', showName: false, wantsUpdates: false, letterReplyTo: s.letterReplyTo ?? false,
  }, null);
  assert.ok(made, `${s.email} signed`);
  const { token, hash } = newToken();
  await insertConfirmationToken(t.db.pool, hash, made.signatureId, made.submissionId, 7);
  return { ...made, token };
}

/** Signs and confirms through the confirmation page's button; returns the signature's id. */
export async function signAndConfirm(t: Pick<TestApp, 'db' | 'app' | 'config'>, actionId: number, s: Signer): Promise<number> {
  const pending = await signPending(t, actionId, s);
  const res = await pressButtonBehind(t.app, `${t.config.baseUrl}/confirm/${pending.token}`);
  assert.equal(res.status, 303, `confirmed: ${res.status} ${res.text.slice(0, 300)}`);
  return pending.signatureId;
}

/** What a worker gives a task, on the test's database and SMTP server (no worker runs in these tests: they run the sender themselves, with their own clock). */
export function senderContext(t: Pick<TestApp, 'db' | 'config' | 'queue'>, smtpUrl: string): WorkerContext & { close: () => void } {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const mailer = createMailer({ smtpUrl, from: t.config.mailFrom, dataDir: t.config.dataDir, env: 'test', log });
  return { db: t.db.pool, mailer, renderEmail: createEmailRenderer(), config: t.config, log, queue: t.queue, close: () => mailer.close() };
}

export type DeliveryRow = { id: number; state: string; email: string; signature_id: number | null; recipient_id: number | null; address_id: number | null; attempts: number; last_error: string; smtp_response: string; message_id: string | null; not_before: Date; sent_at: Date | null };

export async function deliveriesOf(t: Pick<TestApp, 'db'>, actionId: number): Promise<DeliveryRow[]> {
  return (await t.db.pool.query<DeliveryRow>('SELECT id, state, email, signature_id, recipient_id, address_id, attempts, last_error, smtp_response, message_id, not_before, sent_at FROM letter_deliveries WHERE action_id = $1 ORDER BY id', [actionId])).rows;
}
