// Letters per signature, from the confirm button to the recipient's mailbox on
// a real SMTP server: queued in the confirm transaction, routed fixed or by
// country with the fallback, the email's fields, paced with a clock the test
// runs, cancelled when there is nothing to send, retried after a 4xx. The
// sender is run by the test (deliverBatch with its own `now`); no worker runs.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { deliverBatch } from '../../src/letters/deliver.task.ts';
import { signaturePledge } from '../../src/signatures/signature-pledge.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { addRecipient, createLetterAction, deliveriesOf, senderContext, signAndConfirm, signPending } from './delivery-seed.ts';

const london = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/London' }).toJSDate();
// Monday 7 January 2030, 10:00 in London: office hours, the heaviest hour. Later than any real now, so every queued letter is due.
const MONDAY_10 = london('2030-01-07T10:00');

describe('letters per signature', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let context: ReturnType<typeof senderContext>;
  let seq = 0;
  const email = (what = 'supporter') => `${what}-${++seq}@example.org`;

  /** The sender at `now`, batch after batch, until nothing more is due then. */
  async function runSender(now: Date, pacing = true): Promise<void> {
    while ((await deliverBatch(context, now, { pacing })) > 0);
  }

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_CONFIRM_PER_MINUTE: '10000' } });
    await t.db.pool.query("INSERT INTO settings (key, value) VALUES ('campaign.name', 'Justice for Zhanaozen')");
    context = senderContext(t, smtp.url);
  });
  after(async () => {
    context.close();
    await t.close();
    await smtp.stop();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
    smtp.refused.length = 0;
  });

  it('queues a signature’s letter in the transaction that confirms it, and none when that transaction rolls back', async () => {
    const bar = await addRecipient(t, { name: 'Bar Council', country: 'GB', timeZone: 'Europe/London', emails: ['chair@bar.example.org', 'old@bar.example.org'] });
    await t.db.pool.query("UPDATE recipient_addresses SET health = 'bounced' WHERE id = $1", [bar.addressIds[1]]);
    const actionId = await createLetterAction(t, { slug: 'queue-in-confirm', recipients: [bar.id] });

    const pending = await signPending(t, actionId, { email: email() });
    const pledge = signaturePledge({ queue: t.queue, config: t.config });
    const client = await t.db.pool.connect();
    try {
      await client.query('BEGIN');
      await pledge.confirm(client, { signatureId: pending.signatureId, submissionId: pending.submissionId });
      const inside = await client.query('SELECT state, address_id FROM letter_deliveries WHERE signature_id = $1', [pending.signatureId]);
      assert.deepEqual(inside.rows, [{ state: 'queued', address_id: bar.addressIds[0] }], 'one letter, to the active address only');
      assert.equal((await deliveriesOf(t, actionId)).length, 0, 'not seen outside the transaction before it commits');
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    assert.equal((await deliveriesOf(t, actionId)).length, 0, 'a confirmation rolled back leaves no letter');

    const signatureId = await signAndConfirm(t, actionId, { email: email() });
    const rows = await deliveriesOf(t, actionId);
    assert.deepEqual(rows.map((r) => [r.state, r.signature_id, r.address_id, r.email]), [['queued', signatureId, bar.addressIds[0], 'chair@bar.example.org']]);
    // A petition's confirmation queues nothing.
    const { rows: petition } = await t.db.pool.query<{ id: number }>("INSERT INTO actions (kind, slug, title, status) VALUES ('petition', 'a-petition', 'A petition', 'open') RETURNING id");
    await signAndConfirm(t, petition[0]!.id, { email: email() });
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM letter_deliveries')).rows[0].n, 1);
    await runSender(MONDAY_10);
  });

  it('routes by country to that country’s recipient, else to the fallback, and to nobody without one', async () => {
    const gb = await addRecipient(t, { name: 'Embassy in London', country: 'GB', timeZone: 'Europe/London', emails: ['london@embassy.example.org'] });
    const de = await addRecipient(t, { name: 'Embassy in Berlin', country: 'DE', timeZone: 'Europe/Berlin', emails: ['berlin@embassy.example.org', 'konsulat@embassy.example.org'] });
    const un = await addRecipient(t, { name: 'UN Special Rapporteur', country: 'CH', timeZone: 'Europe/Zurich', emails: ['rapporteur@un.example.org'] });
    const routed = await createLetterAction(t, { slug: 'by-country', routing: 'by_country', fallback: un.id, recipients: [gb.id, de.id] });
    const unrouted = await createLetterAction(t, { slug: 'by-country-no-fallback', routing: 'by_country', recipients: [gb.id, de.id] });

    await signAndConfirm(t, routed, { email: email(), name: 'From Britain', country: 'GB' });
    await signAndConfirm(t, routed, { email: email(), name: 'From Germany', country: 'DE' });
    await signAndConfirm(t, routed, { email: email(), name: 'From Kazakhstan', country: 'KZ' });
    await signAndConfirm(t, unrouted, { email: email(), name: 'Nobody to write to', country: 'KZ' });
    assert.equal((await deliveriesOf(t, unrouted)).length, 0, 'no recipient in KZ and no fallback: no letter');

    await runSender(MONDAY_10);
    await smtp.waitFor(() => true, 4);
    const received = smtp.messages.map((m) => [m.envelopeTo.join(), /^(.*)$/m.exec(m.text!.split('Yours sincerely,')[1]!.trim())![1]]).sort();
    assert.deepEqual(received, [
      ['berlin@embassy.example.org', 'From Germany'],
      ['konsulat@embassy.example.org', 'From Germany'],
      ['london@embassy.example.org', 'From Britain'],
      ['rapporteur@un.example.org', 'From Kazakhstan'],
    ]);
    assert.ok((await deliveriesOf(t, routed)).every((d) => d.state === 'sent'));
  });

  it('fills in the letter: From the campaign, To the recipient by name, Reply-To the signer who agreed, the paragraph once read, and a copy to the supporter', async () => {
    const bar = await addRecipient(t, { name: 'Sam Townend KC', title: 'Chair', organisation: 'Bar Council', country: 'GB', timeZone: 'Europe/London', emails: ['chair@barcouncil.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'fields', title: 'Free the Zhanaozen prisoners', personalParagraph: true, copyToSupporter: true, recipients: [bar.id] });
    const withReply = email('replying');
    const quiet = email('quiet');
    const first = await signAndConfirm(t, actionId, { email: withReply, name: 'Aigerim Sarsenova', locality: 'Aktau', country: 'KZ', comment: 'My uncle is one of them. <b>Free him</b> & the others.' });
    await t.db.pool.query('UPDATE signatures SET letter_reply_to = true WHERE id = $1', [first]);
    await signAndConfirm(t, actionId, { email: quiet, name: 'Ерлан Қасымов', locality: 'Жаңаөзен', country: 'KZ' });

    const [held, queued] = await deliveriesOf(t, actionId);
    assert.equal(held!.state, 'held', 'a paragraph waits for an organiser to read it');
    assert.equal(queued!.state, 'queued', 'no paragraph: queued at once');
    await runSender(MONDAY_10);
    await smtp.waitFor(() => true, 2);
    assert.deepEqual(smtp.messages.map((m) => m.envelopeTo.join()).sort(), ['chair@barcouncil.example.org', quiet].sort(), 'the held letter did not go');

    // An organiser has read the paragraph (part A's button sets it queued).
    await t.db.pool.query("UPDATE letter_deliveries SET state = 'queued' WHERE id = $1", [held!.id]);
    await runSender(new Date(MONDAY_10.getTime() + 5 * 60_000));
    await smtp.waitFor(() => true, 4);

    const letters = smtp.to('chair@barcouncil.example.org');
    const aigerim = letters.find((m) => m.text!.includes('Aigerim'))!;
    assert.equal(aigerim.subject, 'Free them, Sam Townend KC');
    assert.equal(aigerim.from!.value[0]!.name, 'Justice for Zhanaozen');
    assert.equal(aigerim.from!.value[0]!.address, 'placard@localhost');
    assert.deepEqual(aigerim.to && !Array.isArray(aigerim.to) && aigerim.to.value[0], { name: 'Sam Townend KC', address: 'chair@barcouncil.example.org' });
    assert.deepEqual(aigerim.replyTo!.value[0], { name: 'Aigerim Sarsenova', address: withReply });
    assert.match(aigerim.text!, /^Dear Chair Sam Townend KC,/);
    assert.match(aigerim.text!, /I write to you from Aktau, Kazakhstan, about Free the Zhanaozen prisoners\./);
    assert.match(aigerim.text!, /In my own words: My uncle is one of them\. <b>Free him<\/b> & the others\./);
    assert.match(aigerim.text!, /Aigerim Sarsenova\n\d{1,2} [A-Z][a-z]+ 20\d\d\s*$/);
    assert.match(aigerim.html as string, /<p>Dear Chair Sam Townend KC,<\/p>\n<p>I write/);
    assert.match(aigerim.html as string, /<br>\nIn my own words: My uncle is one of them\. &lt;b&gt;Free him&lt;\/b&gt; &amp; the others\.<br>/);
    assert.doesNotMatch(aigerim.html as string, /<b>/);

    const erlan = letters.find((m) => m.text!.includes('Ерлан'))!;
    assert.equal(erlan.replyTo, undefined, 'no Reply-To without the signer’s agreement');
    assert.match(erlan.text!, /I write to you from Жаңаөзен, Kazakhstan/);
    assert.doesNotMatch(erlan.text!, /In my own words/);

    const copies = smtp.to(withReply);
    assert.equal(copies.length, 1);
    assert.equal(copies[0]!.subject, 'Copy of your letter: Free them, Sam Townend KC');
    assert.match(copies[0]!.text!, /This is a copy of the letter that Justice for Zhanaozen sent in your name to Sam Townend KC, Bar Council\./);
    assert.match(copies[0]!.text!, /In my own words: My uncle/);
    assert.notEqual(copies[0]!.messageId, aigerim.messageId);

    const rows = await deliveriesOf(t, actionId);
    assert.deepEqual(rows.map((r) => r.state), ['sent', 'sent']);
    const sent = rows.find((r) => r.id === held!.id)!;
    assert.equal(sent.message_id, aigerim.messageId, 'the log has the Message-ID it went under');
    assert.match(sent.smtp_response, /^250 /, 'and the server’s answer');
    assert.equal(sent.sent_at!.getTime(), MONDAY_10.getTime() + 5 * 60_000, 'sent at the sender’s now');
  });

  it('paces letters to one address: 30 an hour at 10:00 in the recipient’s zone, the 31st at 11:00, nothing at night or on Sunday', async () => {
    const embassy = await addRecipient(t, { name: 'Embassy in London', country: 'GB', timeZone: 'Europe/London', emails: ['busy@embassy.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'paced', perHour: 30, recipients: [embassy.id] });
    for (let i = 0; i < 31; i++) await signAndConfirm(t, actionId, { email: email('paced') });
    const to = () => smtp.to('busy@embassy.example.org').length;

    await runSender(MONDAY_10);
    await smtp.waitFor(() => true, 1);
    assert.equal(to(), 1, 'one at 10:00, the rest spread over the hour');
    for (let minute = 1; minute < 60; minute++) await runSender(new Date(MONDAY_10.getTime() + minute * 60_000));
    await runSender(london('2030-01-07T10:59:59'));
    assert.equal(to(), 30, '30 in the hour');
    const waiting = (await deliveriesOf(t, actionId)).filter((d) => d.state === 'queued');
    assert.equal(waiting.length, 1);
    assert.equal(DateTime.fromJSDate(waiting[0]!.not_before, { zone: 'Europe/London' }).toISO(), '2030-01-07T11:00:00.000+00:00', 'the 31st waits for the next hour');
    await runSender(london('2030-01-07T11:00'));
    await smtp.waitFor(() => true, 31);
    assert.equal(to(), 31);

    // New York: a letter confirmed on a Sunday waits for Monday 09:00 there, not in London.
    const ny = await addRecipient(t, { name: 'Consulate in New York', country: 'US', timeZone: 'America/New_York', emails: ['ny@consulate.example.org'] });
    const nyAction = await createLetterAction(t, { slug: 'paced-ny', recipients: [ny.id] });
    await signAndConfirm(t, nyAction, { email: email('ny') });
    const sunday = london('2030-01-13T15:00');
    await runSender(sunday);
    await runSender(london('2030-01-14T13:59')); // Monday 08:59 in New York
    assert.equal(smtp.to('ny@consulate.example.org').length, 0, 'nothing on Sunday, nor before nine there');
    const [nyDelivery] = await deliveriesOf(t, nyAction);
    assert.equal(DateTime.fromJSDate(nyDelivery!.not_before, { zone: 'America/New_York' }).toFormat("ccc HH:mm"), 'Mon 09:00');
    await runSender(london('2030-01-14T14:00'));
    await smtp.waitFor((m) => m.envelopeTo.includes('ny@consulate.example.org'));
  });

  it('cancels a letter whose signature was withdrawn or whose address was stopped, and sends neither', async () => {
    const r = await addRecipient(t, { name: 'Ministry', country: 'KZ', timeZone: 'Asia/Almaty', emails: ['ministry@gov.example.org', 'press@gov.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'cancelled', recipients: [r.id] });
    const withdrawn = await signAndConfirm(t, actionId, { email: email() });
    // The privacy page's withdrawal deletes the signature: its letters keep their row, signature_id NULL.
    await t.db.pool.query('DELETE FROM signatures WHERE id = $1', [withdrawn]);
    await signAndConfirm(t, actionId, { email: email() });
    await t.db.pool.query("UPDATE recipient_addresses SET health = 'suppressed' WHERE id = $1", [r.addressIds[1]]);
    // 10:00 on Monday in Almaty.
    await runSender(DateTime.fromISO('2030-01-07T10:00', { zone: 'Asia/Almaty' }).toJSDate());
    const rows = await deliveriesOf(t, actionId);
    assert.deepEqual(rows.map((d) => [d.state, d.email]), [
      ['cancelled', 'ministry@gov.example.org'],
      ['cancelled', 'press@gov.example.org'],
      ['sent', 'ministry@gov.example.org'],
      ['cancelled', 'press@gov.example.org'],
    ]);
    assert.match(rows[0]!.last_error, /withdrawn/);
    assert.match(rows[3]!.last_error, /suppressed/);
    await smtp.waitFor(() => true, 1);
    assert.equal(smtp.messages.length, 1);
    assert.equal(smtp.to('press@gov.example.org').length, 0);
  });

  it('retries a temporary refusal after a minute, and then sends it under the same Message-ID', async () => {
    const r = await addRecipient(t, { name: 'Greylisting embassy', country: 'AT', timeZone: 'Europe/Vienna', emails: ['vienna@embassy.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'retried', recipients: [r.id] });
    await signAndConfirm(t, actionId, { email: email() });
    smtp.refuseNext(451, 'Greylisted, try again later');
    const now = DateTime.fromISO('2030-01-07T10:00', { zone: 'Europe/Vienna' }).toJSDate();
    await runSender(now);
    const [failed] = await deliveriesOf(t, actionId);
    assert.equal(failed!.state, 'queued');
    assert.equal(failed!.attempts, 1);
    assert.match(failed!.last_error, /Greylisted/);
    assert.equal(failed!.not_before.getTime(), now.getTime() + 60_000, 'back-off: a minute');
    await runSender(new Date(now.getTime() + 59_000));
    assert.equal(smtp.messages.length, 0, 'not before its time');
    await runSender(new Date(now.getTime() + 60_000));
    const [mail] = await smtp.waitFor(() => true, 1);
    assert.equal(mail!.messageId, smtp.refused[0]!.messageId, 'the retry is the same message');
    const [sent] = await deliveriesOf(t, actionId);
    assert.deepEqual([sent!.state, sent!.attempts, sent!.message_id], ['sent', 2, mail!.messageId]);
  });

  it('gives a letter whose slot passed long ago (the workers were down) a new slot, never a night or a weekend', async () => {
    const r = await addRecipient(t, { name: 'Embassy in Brussels', country: 'BE', timeZone: 'Europe/Brussels', emails: ['brussels@embassy.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'late-slot', recipients: [r.id] });
    await signAndConfirm(t, actionId, { email: email() });
    await signAndConfirm(t, actionId, { email: email() });
    const brussels = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Brussels' }).toJSDate();
    await runSender(brussels('2030-01-11T16:59')); // Friday, one minute before the office closes
    const [, second] = await deliveriesOf(t, actionId);
    assert.equal(DateTime.fromJSDate(second!.not_before, { zone: 'Europe/Brussels' }).toFormat('ccc HH:mm'), 'Mon 09:00', 'the next slot is after the weekend');
    // Taken up ten minutes after its slot: within the grace, it goes in it.
    await runSender(brussels('2030-01-14T09:10'));
    assert.equal(smtp.to('brussels@embassy.example.org').length, 2);

    // Now one whose slot (Monday 09:00) is found only on Saturday night: it takes a new one.
    await signAndConfirm(t, actionId, { email: email() });
    const [, , third] = await deliveriesOf(t, actionId);
    await t.db.pool.query('UPDATE letter_deliveries SET not_before = $2, slotted = true WHERE id = $1', [third!.id, brussels('2030-01-14T09:20')]);
    await runSender(brussels('2030-01-19T23:00'));
    assert.equal(smtp.to('brussels@embassy.example.org').length, 2, 'not sent on a Saturday night');
    const [, , late] = await deliveriesOf(t, actionId);
    assert.equal(DateTime.fromJSDate(late!.not_before, { zone: 'Europe/Brussels' }).toFormat('ccc dd HH:mm'), 'Mon 21 09:00');
  });

  it('fails a letter whose template no longer compiles, without trying it again', async () => {
    const r = await addRecipient(t, { name: 'Embassy in Stockholm', country: 'SE', timeZone: 'Europe/Stockholm', emails: ['stockholm@embassy.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'broken-template', recipients: [r.id] });
    await signAndConfirm(t, actionId, { email: email() });
    // Saved templates are checked; one from before a field was removed from the language is not.
    await t.db.pool.query("UPDATE letters SET body_template = 'Dear {{recipient_shoe_size}}' WHERE action_id = $1", [actionId]);
    await runSender(DateTime.fromISO('2030-01-07T10:00', { zone: 'Europe/Stockholm' }).toJSDate());
    const [row] = await deliveriesOf(t, actionId);
    assert.equal(row!.state, 'failed');
    assert.match(row!.last_error, /template/);
    assert.equal(smtp.messages.length, 0);
  });

  it('leaves out the paragraph when an organiser sends a held letter without it, and sends nothing for an invalidated signature', async () => {
    // letter_deliveries.without_paragraph comes with the held paragraphs' page
    // (another part's migration); here it is added as that migration will.
    await t.db.pool.query('ALTER TABLE letter_deliveries ADD COLUMN IF NOT EXISTS without_paragraph boolean NOT NULL DEFAULT false');
    const r = await addRecipient(t, { name: 'Embassy in Washington', country: 'US', timeZone: 'America/New_York', emails: ['dc@embassy.example.org'] });
    const actionId = await createLetterAction(t, { slug: 'without-paragraph', personalParagraph: true, recipients: [r.id] });
    await signAndConfirm(t, actionId, { email: email(), name: 'Kept Short', comment: 'Something the organisers would rather not send.' });
    const invalid = await signAndConfirm(t, actionId, { email: email(), name: 'Not Counted' });
    const { rows: inv } = await t.db.pool.query<{ id: number }>(`INSERT INTO invalidations (action_id, criteria, reason) VALUES ($1, '{"ids": [1]}', 'a script') RETURNING id`, [actionId]);
    await t.db.pool.query('UPDATE signatures SET invalidated_at = now(), invalidation_id = $2 WHERE id = $1', [invalid, inv[0]!.id]);
    const [held] = await deliveriesOf(t, actionId);
    await t.db.pool.query("UPDATE letter_deliveries SET state = 'queued', without_paragraph = true WHERE id = $1", [held!.id]);
    await runSender(DateTime.fromISO('2030-01-07T10:00', { zone: 'America/New_York' }).toJSDate());
    const [mail] = await smtp.waitFor(() => true, 1);
    assert.match(mail!.text!, /Kept Short/);
    assert.doesNotMatch(mail!.text!, /In my own words|rather not send/);
    const rows = await deliveriesOf(t, actionId);
    assert.deepEqual(rows.map((d) => d.state), ['sent', 'cancelled']);
    assert.equal(smtp.messages.length, 1);
  });
});
