// The supporter's copy of a letter fails, again and again, after the letter
// itself was sent: when the sender gives up, the log says the letter was sent
// (what the recipient got), with the copy's failure beside it, not "failed".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliverBatch } from '../../src/letters/deliver.task.ts';
import * as sentEmails from '../../src/mail/sent-emails.repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { addRecipient, createLetterAction, deliveriesOf, senderContext, signAndConfirm } from './delivery-seed.ts';

describe('a letter whose copy to the supporter keeps failing', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let context: ReturnType<typeof senderContext>;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_CONFIRM_PER_MINUTE: '10000' } });
    context = senderContext(t, smtp.url);
  });
  after(async () => {
    context.close();
    await t.close();
    await smtp.stop();
  });

  it('is logged sent when the sender gives up on the copy', async () => {
    const council = await addRecipient(t, { name: 'Bar Council', emails: ['council@example.org'] });
    const actionId = await createLetterAction(t, { slug: 'copy-fails', recipients: [council.id], copyToSupporter: true });
    await signAndConfirm(t, actionId, { email: 'signer@example.org', name: 'Signer' });
    const [delivery] = await deliveriesOf(t, actionId);
    // The letter went at an earlier attempt (its record says sent); this is the last attempt the sender makes.
    const claim = await sentEmails.claimEmail(t.db.pool, `letter:${delivery!.id}`, 'letter-signature', '<earlier@example.org>');
    assert.equal(claim.state, 'claimed');
    await sentEmails.finishEmail(t.db.pool, `letter:${delivery!.id}`, 'sent', '250 2.0.0 queued as EARLIER');
    await t.db.pool.query('UPDATE letter_deliveries SET attempts = 19 WHERE id = $1', [delivery!.id]);

    smtp.rejectWith = 451;
    await deliverBatch(context, new Date(), { pacing: false });
    smtp.rejectWith = undefined;

    assert.equal(smtp.to('council@example.org').length, 0, 'the letter is not sent again');
    assert.equal(smtp.refused.length, 1, 'the copy was tried');
    const [after] = await deliveriesOf(t, actionId);
    assert.equal(after!.state, 'sent');
    assert.equal(after!.smtp_response, '250 2.0.0 queued as EARLIER');
    assert.match(after!.last_error, /copy was not sent/);
  });
});
