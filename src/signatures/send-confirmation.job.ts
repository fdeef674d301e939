// The send-confirmation job: one email to one signer, either the confirmation
// link or "you have already signed". Idempotent by key: a retried job whose
// email went out is not sent again. A fresh token is made at send time, so the
// token itself is never stored, not even in the job's data.
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
  if (await sentEmails.wasHandled(db, key)) return 'skipped';
  const signature = await repo.getSignatureForNotice(db, data.signatureId);
  // Removed ("it wasn't me") or already confirmed since: nothing to ask for.
  if (!signature || (data.notice === 'confirm' && signature.confirmed_at)) return 'skipped';

  const context = {
    locale: 'en' as const,
    name: signature.name,
    action: signature.action_title,
    actionUrl: `${config.baseUrl}/actions/${signature.action_slug}`,
    days: config.confirmationTtlDays,
    confirmUrl: '',
    cancelUrl: '',
  };
  const template = data.notice === 'confirm' ? 'confirm-signature' : 'already-signed';
  if (data.notice === 'confirm') {
    const { token, hash } = newToken();
    await repo.insertConfirmationToken(db, hash, signature.id, config.confirmationTtlDays);
    context.confirmUrl = `${config.baseUrl}/confirm/${token}`;
    context.cancelUrl = `${config.baseUrl}/cancel/${token}`;
  }
  const { subject, html, text } = deps.renderEmail(template, context);
  const messageId = `<${key.replace(/:/g, '.')}@${new URL(config.baseUrl).hostname}>`;
  try {
    const result = await deps.mailer.send({ to: { name: signature.name, address: signature.email }, subject, html, text, messageId });
    await sentEmails.recordEmail(db, { key, template, status: 'sent', messageId, response: result.response });
    return 'sent';
  } catch (error) {
    if (error instanceof SmtpError && error.permanent) {
      await sentEmails.recordEmail(db, { key, template, status: 'failed', messageId, response: error.response });
      log.warn({ key, response: error.response }, 'email rejected for good; not retrying');
      return 'failed';
    }
    throw error; // temporary: the queue retries with back-off
  }
}
