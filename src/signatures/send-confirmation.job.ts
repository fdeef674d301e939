// The send-confirmation job: one email to one signer, either the confirmation
// link or "you have already signed". Idempotent by key: the key is claimed
// before sending, so neither a retried job nor a second worker sends it again.
// A fresh token is made at send time, so the token itself is never stored, not
// even in the job's data.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Pool } from '../db/pool.ts';
import type { JobPayloads } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import { SmtpError, type Mailer } from '../mail/mailer.ts';
import * as sentEmails from '../mail/sent-emails.repo.ts';
import type { EmailRenderer } from '../mail/templates.ts';
import * as repo from './signatures.repo.ts';
import { newToken } from './tokens.ts';

export type MailJobDeps = {
  db: Pool;
  mailer: Mailer;
  renderEmail: EmailRenderer;
  config: Pick<Config, 'baseUrl' | 'confirmationTtlDays'>;
  log: Logger;
};

export async function sendConfirmation(deps: MailJobDeps, data: JobPayloads['send-confirmation']): Promise<'sent' | 'skipped' | 'failed'> {
  const { db, config, log } = deps;
  const key = `${data.notice}:${data.signatureId}:${data.sequence}`;
  const signature = await repo.getSignatureForNotice(db, data.signatureId);
  // Removed ("it wasn't me") or already confirmed since: nothing to ask for.
  if (!signature || (data.notice === 'confirm' && signature.confirmed_at)) return 'skipped';
  const template = data.notice === 'confirm' ? 'confirm-signature' : 'already-signed';
  // Random, so that no two messages share an id (mail services drop repeats) and ids reveal no counts.
  const messageId = `<${randomBytes(12).toString('hex')}@${new URL(config.baseUrl).hostname}>`;
  const claim = await sentEmails.claimEmail(db, key, template, messageId);
  if (claim === 'done') return 'skipped';
  if (claim === 'busy') throw new Error(`email ${key} is being sent by another worker; will check again`);

  let response: string;
  try {
    response = await composeAndSend(deps, signature, template, data.notice === 'confirm', messageId);
  } catch (error) {
    if (error instanceof SmtpError && error.permanent) {
      await sentEmails.finishEmail(db, key, 'failed', error.response);
      // The reply's code only: the rest often repeats the address.
      log.warn({ key, code: error.response.slice(0, 3) }, 'email rejected for good; not retrying');
      return 'failed';
    }
    await sentEmails.releaseEmail(db, key);
    throw error; // temporary: the queue retries with back-off
  }
  await sentEmails.finishEmail(db, key, 'sent', response);
  return 'sent';
}

async function composeAndSend(
  deps: MailJobDeps,
  signature: repo.SignatureForNotice,
  template: 'confirm-signature' | 'already-signed',
  withLink: boolean,
  messageId: string,
): Promise<string> {
  const { config } = deps;
  const context = {
    locale: 'en' as const,
    name: signature.name,
    action: signature.action_title,
    actionUrl: `${config.baseUrl}/actions/${signature.action_slug}`,
    days: config.confirmationTtlDays,
    confirmUrl: '',
    cancelUrl: '',
  };
  if (withLink) {
    const { token, hash } = newToken();
    await repo.insertConfirmationToken(deps.db, hash, signature.id, config.confirmationTtlDays);
    context.confirmUrl = `${config.baseUrl}/confirm/${token}`;
    context.cancelUrl = `${config.baseUrl}/cancel/${token}`;
  }
  const { subject, html, text } = deps.renderEmail(template, context);
  const result = await deps.mailer.send({ to: { name: signature.name, address: signature.email }, subject, html, text, messageId });
  return result.response;
}
