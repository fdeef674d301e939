// Mail records (sent_emails) hold the server's reply with no address in it, go
// with the signature they are about, and are purged after their retention.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { runRound } from '../../src/jobs/periodic.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { MAIL_RECORD_RETENTION_DAYS, purgeMailRecordsTask } from '../../src/mail/purge.task.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { cancelLink, TestSmtpServer } from '../helpers/smtp.ts';

describe('mail records', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  const recordsOf = async (address: string) =>
    (await t.db.pool.query('SELECT e.status, e.smtp_response FROM sent_emails e JOIN signatures s ON s.id = e.signature_id WHERE s.email = $1', [address])).rows;
  const waitForRecord = async (address: string, status: string) => {
    for (let i = 0; i < 200; i++) {
      const rows = await recordsOf(address);
      if (rows.some((r) => r.status === status)) return rows;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no ${status} record for ${address}`);
  };

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  it('keeps the reply code and a reason with the address cut out, and forgets both with "it wasn\'t me"', async () => {
    // A refusal for good, whose text repeats the recipient's address.
    const refused = 'refused-records@example.org';
    smtp.refuseNext(550, `<${refused}>: no such user here`);
    await signPetition(t.app, { email: refused });
    const [record] = await waitForRecord(refused, 'failed');
    assert.match(record.smtp_response, /550/);
    assert.match(record.smtp_response, /no such user here/);
    assert.doesNotMatch(record.smtp_response, /refused-records|@/, 'no address in the stored reply');

    // A sent one, removed by the mailbox owner: its record goes too.
    const owner = 'removes-records@example.org';
    await signPetition(t.app, { email: owner });
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(owner));
    await waitForRecord(owner, 'sent');
    assert.equal((await pressButtonBehind(t.app, cancelLink(mail!))).status, 200);
    const { rows } = await t.db.pool.query("SELECT count(*) AS n FROM sent_emails WHERE signature_id IS NULL AND idempotency_key LIKE 'confirm-submission:%'");
    assert.equal(rows[0].n, 0, 'no orphaned record left behind');
    assert.deepEqual(await recordsOf(owner), []);
  });

  it(`purges records older than ${MAIL_RECORD_RETENTION_DAYS} days, but not one still being sent`, async () => {
    await t.db.pool.query(
      `INSERT INTO sent_emails (idempotency_key, template, status, message_id, created_at) VALUES
        ('old-sent', 't', 'sent', '<a@x>', now() - make_interval(days => $1 + 1)),
        ('old-sending', 't', 'sending', '<b@x>', now() - make_interval(days => $1 + 1)),
        ('recent-sent', 't', 'sent', '<c@x>', now() - make_interval(days => $1 - 1))`,
      [MAIL_RECORD_RETENTION_DAYS],
    );
    const log = createLogger('silent');
    const context = { ...t, db: t.db.pool, log, mailer: createMailer({ from: 'p@placard.test', dataDir: t.config.dataDir, log }), renderEmail: createEmailRenderer() };
    assert.equal(await runRound(purgeMailRecordsTask, context), true);
    const { rows } = await t.db.pool.query("SELECT idempotency_key FROM sent_emails WHERE idempotency_key IN ('old-sent', 'old-sending', 'recent-sent') ORDER BY 1");
    assert.deepEqual(rows.map((r) => r.idempotency_key), ['old-sending', 'recent-sent']);
  });
});
