// A permanent refusal (550) of a recipient's address, on a real SMTP server:
// the letter is logged bounced with the server's answer, the address is marked
// bounced (since when, why), the other letters to it are cancelled and no
// letter goes to it again, while the recipient's other address still gets its
// letters; the organisers are emailed; the delivery log shows all of it, to
// organisers only, and exports it as CSV.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import request from 'supertest';
import { deliverBatch } from '../../src/letters/deliver.task.ts';
import { jobs } from '../../src/features.ts';
import { startWorkers, type Workers } from '../../src/jobs/workers.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { addRecipient, createLetterAction, deliveriesOf, senderContext, signAndConfirm } from './delivery-seed.ts';

const MONDAY_10 = DateTime.fromISO('2030-01-07T10:00', { zone: 'Europe/Berlin' }).toJSDate();

describe('a letter refused for good', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let context: ReturnType<typeof senderContext>;
  let jobWorkers: Workers;
  let agent: Agent;
  let organiserEmail: string;

  const runSender = async (now: Date) => {
    while ((await deliverBatch(context, now, { pacing: true })) > 0);
  };

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_CONFIRM_PER_MINUTE: '10000' } });
    context = senderContext(t, smtp.url);
    // The jobs only (the organisers' note); the sender is run by the test, with its clock.
    jobWorkers = await startWorkers({ config: t.config, db: t.db.pool, queue: t.queue, log: t.log, jobs, periodicTasks: [], pollingIntervalSeconds: 0.5 });
    const signedIn = await signIn(t, { name: 'Dana Organiser' });
    agent = signedIn.agent;
    organiserEmail = signedIn.organiser.email;
  });
  after(async () => {
    await jobWorkers.stop();
    context.close();
    await t.close();
    await smtp.stop();
  });

  it('marks the address bounced, cancels and stops its letters, tells the organisers, and the log shows it', async () => {
    const embassy = await addRecipient(t, { name: 'Embassy in Berlin', country: 'DE', timeZone: 'Europe/Berlin', emails: ['gone@embassy.example.org'] });
    const gone = embassy.addressIds[0]!;
    const actionId = await createLetterAction(t, { slug: 'bounce', title: 'Free them', recipients: [embassy.id] });
    for (let i = 1; i <= 3; i++) await signAndConfirm(t, actionId, { email: `bounce-${i}@example.org`, name: `Signer ${i}` });
    // One of them wrote a paragraph: held, and to be cancelled with the rest for the bounced address.
    await t.db.pool.query('UPDATE letters SET personal_paragraph = true WHERE action_id = $1', [actionId]);
    await signAndConfirm(t, actionId, { email: 'bounce-4@example.org', name: 'Signer 4', comment: 'Please.' });

    // The first letter goes at 10:00 (the next two have their slots at 10:02 and 10:04) and is refused.
    smtp.refuseNext(550, '5.1.1 <gone@embassy.example.org>: mailbox unavailable');
    await runSender(MONDAY_10);
    await runSender(new Date(MONDAY_10.getTime() + 10 * 60_000));

    assert.equal(smtp.refusedTo('gone@embassy.example.org').length, 1, 'refused once, and never tried again');
    assert.equal(smtp.to('gone@embassy.example.org').length, 0);
    const toGone = await deliveriesOf(t, actionId);
    assert.deepEqual(toGone.map((d) => d.state), ['bounced', 'cancelled', 'cancelled', 'cancelled'], 'the letter bounced; the queued and the held ones cancelled');
    assert.match(toGone[0]!.smtp_response, /mailbox unavailable/);
    assert.doesNotMatch(toGone[0]!.smtp_response, /gone@embassy/, 'addresses are cut out of the stored answer');
    assert.equal(toGone[0]!.message_id, smtp.refused[0]!.messageId);
    for (const d of toGone.slice(1)) assert.match(d.last_error, /the address (bounced|is bounced)/);
    const { rows: addresses } = await t.db.pool.query('SELECT health, health_since, health_reason FROM recipient_addresses WHERE id = $1', [gone]);
    assert.equal(addresses[0].health, 'bounced');
    assert.equal(addresses[0].health_since.getTime(), MONDAY_10.getTime());
    assert.match(addresses[0].health_reason, /mailbox unavailable/);

    // A later signature writes to the recipient's new address, not to the bounced one.
    await t.db.pool.query("INSERT INTO recipient_addresses (recipient_id, email) VALUES ($1, 'info@embassy.example.org')", [embassy.id]);
    await signAndConfirm(t, actionId, { email: 'bounce-5@example.org', name: 'Signer 5' });
    const after = await deliveriesOf(t, actionId);
    assert.equal(after.filter((d) => d.address_id === gone).length, 4, 'no new letter queued to the bounced address');
    await runSender(new Date(MONDAY_10.getTime() + 20 * 60_000));
    await smtp.waitFor((m) => m.envelopeTo.includes('info@embassy.example.org'));
    assert.equal(smtp.to('gone@embassy.example.org').length, 0);

    // The organisers' note.
    const [note] = await smtp.waitFor((m) => m.envelopeTo.includes(organiserEmail), 1, 20_000);
    assert.match(note!.subject!, /gone@embassy\.example\.org/);
    assert.match(note!.text!, /Embassy in Berlin/);
    assert.match(note!.text!, /mailbox unavailable/);
    assert.match(note!.text!, /3 waiting letter\(s\) to it were cancelled/);
    assert.match(note!.text!, new RegExp(`/admin/recipients/${embassy.id}`));

    // The delivery log.
    const page = await agent.get(`/admin/actions/${actionId}/deliveries`).expect(200);
    assert.match(page.text, /data-bounced-address="gone@embassy.example.org"/);
    assert.match(page.text, /<span data-state="bounced">1<\/span>/);
    assert.match(page.text, /<span data-state="sent">1<\/span>/);
    assert.match(page.text, /<span data-state="cancelled">3<\/span>/);
    assert.match(page.text, /mailbox unavailable/);
    const csv = await agent.get(`/admin/actions/${actionId}/deliveries.csv`).expect(200);
    assert.match(csv.headers['content-type']!, /^text\/csv/);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\n');
    assert.equal(lines[0], 'id,created_at,recipient_name,email,kind,state,attempts,last_error,smtp_response,message_id,sent_at');
    assert.equal(lines.length, 1 + (await deliveriesOf(t, actionId)).length);
    assert.ok(lines.some((l) => l.includes('gone@embassy.example.org') && l.includes(',bounced,')));
    // Organisers only.
    await request(t.app).get(`/admin/actions/${actionId}/deliveries`).expect(303);
    await request(t.app).get(`/admin/actions/${actionId}/deliveries.csv`).expect(303);
    await agent.get('/admin/actions/999999/deliveries').expect(404);
  });
});
