// The mail guarantees of src/mail/send-once.ts, through the send-confirmation
// job: at least once, under one Message-ID per email whatever the retries, and
// a record that survives a database blip.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from '../../src/db/pool.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer, SmtpError, type Mailer } from '../../src/mail/mailer.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { sendConfirmation, type SendConfirmationData } from '../../src/signatures/send-confirmation.job.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signPetition } from '../helpers/forms.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';

const log = createLogger('silent');

describe('sending an email once', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let mailer: Mailer;
  const deps = (overrides: { mailer?: Mailer; db?: Pool } = {}) => ({
    db: t.db.pool,
    mailer,
    renderEmail: createEmailRenderer(),
    config: t.config,
    log,
    ...overrides,
  });

  before(async () => {
    smtp = await new TestSmtpServer().start();
    // No workers: each test runs the job itself.
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, log);
    mailer = createMailer({ smtpUrl: smtp.url, from: 'Placard <p@placard.test>', dataDir: 'data/test-mail', log });
  });
  after(async () => {
    mailer.close();
    await t.close();
    await smtp.stop();
  });

  /** Signs with `address`; returns the data of the confirmation job it queued and the email's record key. */
  async function queuedEmailOf(address: string): Promise<{ data: SendConfirmationData; key: string }> {
    assert.equal((await signPetition(t.app, { email: address })).status, 303);
    const { rows } = await t.db.pool.query<{ data: SendConfirmationData }>(
      `SELECT j.data FROM pgboss.job j
       JOIN signature_submissions ss ON ss.id = (j.data->>'submissionId')::bigint
       JOIN signatures s ON s.id = ss.signature_id
       WHERE j.name = 'send-confirmation' AND s.email = $1`,
      [address],
    );
    assert.equal(rows.length, 1, 'one email queued');
    const data = rows[0]!.data;
    assert.ok(data.notice === 'confirm' && data.submissionId !== undefined);
    return { data, key: `confirm-submission:${data.submissionId}` };
  }

  const recordOf = async (key: string) =>
    (await t.db.pool.query<{ status: string; message_id: string; claimed: boolean | null }>(
      'SELECT status, message_id, claimed_until > now() AS claimed FROM sent_emails WHERE idempotency_key = $1',
      [key],
    )).rows[0];

  it('sends again, under the same Message-ID, when its worker died between the SMTP acceptance and the record', async () => {
    const address = 'dies-mid-send@example.org';
    const { data, key } = await queuedEmailOf(address);
    // A worker that hands the message to the server, then is gone: its send never returns.
    let delivered!: () => void;
    const handedOver = new Promise<void>((resolve) => (delivered = resolve));
    const dying: Mailer = {
      async send(email) {
        await mailer.send(email);
        delivered();
        return new Promise<never>(() => undefined);
      },
      close: () => undefined,
    };
    void sendConfirmation(deps({ mailer: dying }), data).catch(() => undefined); // never settles
    await handedOver;
    const [first] = smtp.to(address);
    assert.ok(first?.messageId, 'the server took the message');
    assert.deepEqual(await recordOf(key), { status: 'sending', message_id: first.messageId, claimed: true }, 'not recorded as sent; the claim holds');

    // While the dead worker's lease lasts, no one else sends it.
    await assert.rejects(sendConfirmation(deps(), data), /being sent by another worker/);
    assert.equal(smtp.to(address).length, 1);

    // The lease runs out: the job's retry sends it again, under the first Message-ID.
    await t.db.pool.query("UPDATE sent_emails SET claimed_until = now() - interval '1 second' WHERE idempotency_key = $1", [key]);
    assert.equal(await sendConfirmation(deps(), data), 'sent');
    const mails = smtp.to(address);
    assert.equal(mails.length, 2, 'sent again');
    assert.equal(mails[1]!.messageId, first.messageId, 'under the same Message-ID, so receiving systems can drop the repeat');
    assert.equal((await recordOf(key))?.status, 'sent');

    assert.equal(await sendConfirmation(deps(), data), 'skipped');
    assert.equal(smtp.to(address).length, 2, 'and never a third time');
  });

  it('retries a temporary refusal (4xx) under the Message-ID of the refused attempt', async () => {
    const address = 'try-later@example.org';
    const { data, key } = await queuedEmailOf(address);
    smtp.refuseNext(451);
    await assert.rejects(sendConfirmation(deps(), data), (error) => error instanceof SmtpError && !error.permanent && error.code === '451');
    const [refused] = smtp.refusedTo(address);
    assert.ok(refused?.messageId, 'the server saw the refused message');
    const released = await recordOf(key);
    assert.deepEqual(released, { status: 'sending', message_id: refused.messageId, claimed: null }, 'the claim is released, the row and its Message-ID kept');

    assert.equal(await sendConfirmation(deps(), data), 'sent');
    const mails = smtp.to(address);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.messageId, refused.messageId, 'the retry went out under the same Message-ID');
    assert.deepEqual(await recordOf(key), { status: 'sent', message_id: refused.messageId, claimed: null });
  });

  it('records that an email was sent through a database blip', async () => {
    const address = 'blip@example.org';
    const { data, key } = await queuedEmailOf(address);
    // The database is unreachable for the first two tries of the record.
    let finishTries = 0;
    const pool = t.db.pool;
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    const flaky = new Proxy(pool, {
      get(target, property) {
        if (property === 'query') {
          return (statement: unknown, ...rest: unknown[]) => {
            if ((statement as { name?: string } | undefined)?.name === 'mail/finish-email' && ++finishTries <= 2) {
              return Promise.reject(new Error('Connection terminated unexpectedly'));
            }
            return query(statement, ...rest);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    assert.equal(await sendConfirmation(deps({ db: flaky }), data), 'sent');
    assert.equal(finishTries, 3, 'recorded on the third try');
    assert.equal((await recordOf(key))?.status, 'sent');
    assert.equal(smtp.to(address).length, 1);
    assert.equal(await sendConfirmation(deps(), data), 'skipped');
  });
});
