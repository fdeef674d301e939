// The email of a collective letter (src/letters/collective-letter.ts), composed
// from the delivery rows the digest and scheduled tasks queue, as the sender
// (part B's deliver task) would ask for it: who it is from and to, the letter,
// the count, the total and its change, comments, names, the capped list, the
// PDF attached.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { sendOnce } from '../../src/mail/send-once.ts';
import { createLogger } from '../../src/log.ts';
import type { WorkerContext } from '../../src/jobs/job.ts';
import { composeCollectiveLetter, LIST_IN_BODY } from '../../src/letters/collective-letter.ts';
import type { ClaimedDelivery } from '../../src/letters/delivery-kinds.ts';
import { startLetterDigests } from '../../src/letters/digests.task.ts';
import { startScheduledLetters } from '../../src/letters/scheduled.task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { addRecipient, createLetter, createRecipient, settle, sign } from './collective-fixtures.ts';
import { pdfText } from './pdf-helpers.ts';

const KAZAKH = 'Әлия Қанатқызы Ғұмарова-Үңһөі';

describe('letters: the collective letter’s email', () => {
  let db: TestDatabase;
  let client: pg.PoolClient;
  let context: WorkerContext;

  before(async () => {
    db = await createTestDatabase();
    client = await db.pool.connect();
    await db.pool.query("INSERT INTO settings (key, value) VALUES ('campaign.name', 'Zhanaozen Solidarity'), ('campaign.contact_email', 'letters@zhanaozen.example')");
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, BASE_URL: 'http://placard.test', APP_SECRET: 'test-secret-test-secret-test-secret-0123' });
    context = { db: db.pool, config } as unknown as WorkerContext;
  });
  after(async () => {
    client.release();
    await db.drop();
  });

  /** The collective deliveries of an action, as the sender claims them. */
  const claimed = async (actionId: number): Promise<ClaimedDelivery[]> =>
    (await db.pool.query<ClaimedDelivery>(
      `SELECT id, action_id, recipient_id, address_id, email, kind, signature_id, after_xid::text, after_id, upto_xid::text, upto_id,
              signatory_count, total_count, attach_pdf, attempts, created_at
       FROM letter_deliveries WHERE action_id = $1 AND kind <> 'signature' ORDER BY id`,
      [actionId],
    )).rows;

  it('writes a digest: the letter, the new signatories, the total and its change, their comments, their names, the PDF', async () => {
    const actionId = await createLetter(db.pool, { slug: 'digest-mail', personalParagraph: true, attachPdf: true, digestHour: 9 });
    const embassy = await createRecipient(db.pool, { name: 'H.E. Ambassador', title: 'Ambassador', country: 'GB', postalAddress: '125 Pall Mall\nLondon SW1Y 5EA', emails: ['embassy@example.org'] });
    await addRecipient(db.pool, actionId, embassy);
    await sign(db.pool, actionId, { name: 'First One', town: 'Leeds', comment: 'An old comment' });
    await sign(db.pool, actionId, { name: 'First Two' });
    await settle(db.pool);
    await startLetterDigests(client, new Date('2026-12-01T08:00:00Z'));
    await settle(db.pool);
    await startLetterDigests(client, new Date('2026-12-01T09:00:00Z'));
    await sign(db.pool, actionId, { name: KAZAKH, town: 'Жаңаөзен', comment: 'Free my father.' });
    await sign(db.pool, actionId, { name: 'Иван Петров', country: 'RU', town: 'Москва', comment: '  ' });
    const hidden = await sign(db.pool, actionId, { name: 'Hidden Troll', comment: 'Something rude' });
    await db.pool.query('UPDATE signatures SET hidden_at = now() WHERE id = $1', [hidden]);
    await settle(db.pool);
    await startLetterDigests(client, new Date('2026-12-02T09:00:00Z'));

    const [first, second] = await claimed(actionId);
    const email = (await composeCollectiveLetter(context, second!))!;
    assert.deepEqual(email.to, { name: 'H.E. Ambassador', address: 'embassy@example.org' });
    assert.equal(email.fromName, 'Zhanaozen Solidarity');
    assert.deepEqual(email.replyTo, { name: 'Zhanaozen Solidarity', address: 'letters@zhanaozen.example' });
    assert.equal(email.subject, 'Release the Zhanaozen workers: Free them (digest-mail)');
    assert.match(email.text, /^Dear Ambassador H\.E\. Ambassador,\n\nWe ask you to release/);
    assert.match(email.text, /The undersigned/);
    assert.match(email.text, /3 people have signed this letter since our last letter to you\. In all, 5 people have now signed it to you, up from 2 \(\+150%\)\./);
    assert.match(email.text, /“Free my father\.”\n— Әлия Қанатқызы Ғұмарова-Үңһөі, Жаңаөзен, Kazakhstan/);
    assert.doesNotMatch(email.text, /Something rude|An old comment/, 'no hidden signature’s comment, none from the last digest');
    assert.match(email.text, /The new signatories:\nӘлия Қанатқызы Ғұмарова-Үңһөі, Жаңаөзен, Kazakhstan\nИван Петров, Москва, Russian Federation\nHidden Troll, Kazakhstan\n/);
    assert.doesNotMatch(email.text, /First One/);
    assert.match(email.html, /<li>Иван Петров, Москва, Russian Federation<\/li>/);
    assert.match(email.text, /attached as a PDF/);
    assert.equal(email.attachments?.length, 1);
    const pdf = await pdfText(email.attachments![0]!.content);
    for (const part of ['Zhanaozen Solidarity', '125 Pall Mall', 'London SW1Y 5EA', 'We ask you to release', KAZAKH, 'Иван Петров', 'Hidden Troll']) assert.ok(pdf.text.includes(part), `the PDF holds ${part}`);
    assert.ok(!pdf.text.includes('First One'), 'the PDF names this digest’s signatories');

    // The first digest: everyone so far, with their total.
    const firstEmail = (await composeCollectiveLetter(context, first!))!;
    assert.match(firstEmail.text, /2 people have signed this letter to you\./);
    assert.match(firstEmail.text, /“An old comment”\n— First One, Leeds, Kazakhstan/);

    // The letter no longer takes personal paragraphs: no comments quoted.
    await db.pool.query('UPDATE letters SET personal_paragraph = false WHERE action_id = $1', [actionId]);
    assert.doesNotMatch((await composeCollectiveLetter(context, second!))!.text, /Free my father/);
    // Everyone it named invalidated since: nothing to send.
    await db.pool.query(
      `WITH inv AS (INSERT INTO invalidations (action_id, criteria, reason) VALUES ($1, '{"signature": 1}', 'test') RETURNING id)
       UPDATE signatures SET invalidated_at = now(), invalidation_id = inv.id FROM inv WHERE signatures.action_id = $1 AND signatures.name IN ('First One', 'First Two')`,
      [actionId],
    );
    assert.equal(await composeCollectiveLetter(context, first!), undefined);
  });

  it('writes a scheduled letter naming everyone, the list capped in the body and whole in the PDF', async () => {
    const actionId = await createLetter(db.pool, { slug: 'scheduled-mail', delivery: 'scheduled', scheduledLocal: '2026-12-16T10:00', attachPdf: true });
    const ministry = await createRecipient(db.pool, { name: 'Ministry of Justice', country: 'KZ', timeZone: 'Asia/Almaty', postalAddress: 'Mangilik El 8\nAstana', emails: ['moj@example.org'] });
    await addRecipient(db.pool, actionId, ministry);
    const total = LIST_IN_BODY + 50;
    await db.pool.query(
      `INSERT INTO signatures (action_id, email, name, country, locality, confirmed_at)
       SELECT $1, 's' || i || '@example.org', 'Supporter ' || i, 'KZ', 'Ақтау', now() FROM generate_series(1, $2) i`,
      [actionId, total],
    );
    await settle(db.pool);
    await startScheduledLetters(client, new Date('2026-12-16T05:00:00Z'));
    const [delivery] = await claimed(actionId);
    const email = (await composeCollectiveLetter(context, delivery!))!;
    assert.match(email.text, /2,050 people have signed this letter to you\./);
    assert.match(email.text, /Supporter 2000, Ақтау, Kazakhstan\n… and 50 more, listed in the attached PDF\./);
    assert.doesNotMatch(email.text, /Supporter 2001,/);
    const pdf = await pdfText(email.attachments![0]!.content);
    assert.ok(pdf.text.includes('Mangilik El 8') && pdf.text.includes('2050 Supporter 2050'));
    assert.ok(pdf.text.includes('2,050 people signed this letter by 16 December 2026.'));

    // Without the PDF: the rest counted.
    delivery!.attach_pdf = false;
    const bare = (await composeCollectiveLetter(context, delivery!))!;
    assert.equal(bare.attachments, undefined);
    assert.match(bare.text, /… and 50 more\.\n/);
  });

  it('goes through sendOnce to a real SMTP server, From the campaign, Reply-To its contact, the PDF attached', async () => {
    const smtp = await new TestSmtpServer().start();
    const log = createLogger('silent');
    const mailer = createMailer({ smtpUrl: smtp.url, from: 'Placard <p@placard.test>', dataDir: 'data/test-mail', log });
    try {
      const actionId = await createLetter(db.pool, { slug: 'smtp-mail', delivery: 'scheduled', scheduledLocal: '2026-12-16T10:00', attachPdf: true });
      const embassy = await createRecipient(db.pool, { name: 'Посол Республики', country: 'RU', timeZone: 'Europe/Moscow', postalAddress: 'Пречистенский пер., 3\nМосква', emails: ['moscow@example.org'] });
      await addRecipient(db.pool, actionId, embassy);
      await sign(db.pool, actionId, { name: KAZAKH, country: 'RU', town: 'Москва' });
      await settle(db.pool);
      await startScheduledLetters(client, new Date('2026-12-16T07:00:00Z'));
      const [delivery] = await claimed(actionId);
      const deps = { db: db.pool, mailer, log, baseUrl: 'http://placard.test' };
      const message = { key: `letter:${delivery!.id}`, template: 'letter-scheduled' };
      const compose = async () => (await composeCollectiveLetter(context, delivery!))!;
      assert.equal(await sendOnce(deps, message, compose), 'sent');
      assert.equal(await sendOnce(deps, message, compose), 'skipped', 'once per delivery');
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes('moscow@example.org'));
      assert.equal(mail!.from?.value[0]?.name, 'Zhanaozen Solidarity');
      assert.equal(mail!.replyTo?.value[0]?.address, 'letters@zhanaozen.example');
      assert.equal(mail!.to && !Array.isArray(mail!.to) ? mail!.to.value[0]?.name : '', 'Посол Республики');
      assert.match(mail!.text ?? '', /Әлия Қанатқызы Ғұмарова-Үңһөі, Москва, Russian Federation/);
      assert.equal(mail!.attachments.length, 1);
      assert.equal(mail!.attachments[0]!.contentType, 'application/pdf');
      assert.equal(mail!.attachments[0]!.filename, 'smtp-mail-letter.pdf');
      const pdf = await pdfText(mail!.attachments[0]!.content);
      assert.ok(pdf.text.includes('Пречистенский пер., 3') && pdf.text.includes(KAZAKH) && pdf.text.includes('16 December 2026'));
    } finally {
      mailer.close();
      await smtp.stop();
    }
  });
});
