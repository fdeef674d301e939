// Review of issue 10: a supporter's paragraph goes in a letter only after an
// organiser has read it. Whether a letter is held is decided when it is queued
// (the letter took paragraphs then, and the supporter wrote one), but the
// composer read the letter's setting at send time: letters queued while the
// letter took no paragraphs (their comment was a comment on the page, never
// read as part of the letter) went out with it once an organiser ticked
// "supporters may add a paragraph", without anyone reading it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliverBatch } from '../../src/letters/deliver.task.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { addRecipient, createLetterAction, deliveriesOf, senderContext, signAndConfirm } from '../letters/delivery-seed.ts';

describe('review 10: the paragraph setting changed with letters queued', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let context: ReturnType<typeof senderContext>;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    context = senderContext(t, smtp.url);
  });
  after(async () => {
    context.close();
    await t.close();
    await smtp.stop();
  });

  it('sends no paragraph nobody read', async () => {
    const r = await addRecipient(t, { name: 'Bar Council', country: 'GB', emails: ['chair@bar.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'paragraph-switch', personalParagraph: false, recipients: [r.id] });
    await signAndConfirm(t, actionId, { email: 'commenter@example.org', name: 'Commenter', comment: 'UNREAD-COMMENT-TEXT' });
    assert.deepEqual((await deliveriesOf(t, actionId)).map((d) => d.state), ['queued'], 'no paragraph taken: not held');

    await t.db.pool.query('UPDATE letters SET personal_paragraph = true WHERE action_id = $1', [actionId]);
    while ((await deliverBatch(context, new Date(), { pacing: false })) > 0);
    const [letter] = await smtp.waitFor((m) => m.envelopeTo.includes('chair@bar.example.org'));
    assert.doesNotMatch(letter!.text ?? '', /UNREAD-COMMENT-TEXT/);
  });

  it('still sends a paragraph an organiser approved', async () => {
    const r = await addRecipient(t, { name: 'Bar Council 2', country: 'GB', emails: ['chair2@bar.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'paragraph-approved', personalParagraph: true, recipients: [r.id] });
    await signAndConfirm(t, actionId, { email: 'approved@example.org', name: 'Approved', comment: 'READ-AND-APPROVED' });
    const [held] = await deliveriesOf(t, actionId);
    assert.equal(held!.state, 'held');
    await t.db.pool.query("UPDATE letter_deliveries SET state = 'queued', without_paragraph = false WHERE id = $1", [held!.id]);
    while ((await deliverBatch(context, new Date(), { pacing: false })) > 0);
    const [letter] = await smtp.waitFor((m) => m.envelopeTo.includes('chair2@bar.example.org'));
    assert.match(letter!.text ?? '', /READ-AND-APPROVED/);
  });
});
