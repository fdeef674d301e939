// Found by bench:faults (issue 12): PostgreSQL restarted under load leaves a
// few confirmation emails claimed and unsent for the claim's whole 5-minute
// lease. The job had claimed its email when the database went; composing the
// message then failed, and so did the one attempt to release the claim, so the
// retry 5 s later finds the email "being sent by another worker" until the
// lease runs out. The record of a sent email is retried through such a blip
// (src/mail/send-once.ts, `persistently`); the release should be too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool } from '../../src/db/pool.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createMailer, type Mailer } from '../../src/mail/mailer.ts';
import { createEmailRenderer } from '../../src/mail/templates.ts';
import { sendConfirmation, type SendConfirmationData } from '../../src/signatures/send-confirmation.job.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signPetition } from '../helpers/forms.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';

const log = createLogger('silent');

describe('a database blip between the claim of an email and its send', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let mailer: Mailer;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000' } });
    await loadDemoContent(t.db.pool, log);
    mailer = createMailer({ smtpUrl: smtp.url, from: 'Placard <p@placard.test>', dataDir: 'data/test-mail', log });
  });
  after(async () => {
    mailer.close();
    await t.close();
    await smtp.stop();
  });

  /** The pool, but unreachable for the `count` statements that follow the claim of an email. */
  function downAfterClaim(pool: Pool, count: number): Pool {
    let claimed = false;
    let failing = count;
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    return new Proxy(pool, {
      get(target, property) {
        if (property === 'query') {
          return (statement: unknown, ...rest: unknown[]) => {
            if (claimed && failing > 0) {
              failing--;
              return Promise.reject(new Error('Connection terminated unexpectedly'));
            }
            if ((statement as { name?: string } | undefined)?.name === 'mail/claim-email') claimed = true;
            return query(statement, ...rest);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  it('releases the claim once the database is back, so that the retry sends it at once rather than after the lease', async () => {
    const address = 'blip-before-send@example.org';
    assert.equal((await signPetition(t.app, { email: address })).status, 303);
    const { rows } = await t.db.pool.query<{ data: SendConfirmationData }>(
      `SELECT j.data FROM pgboss.job j
       JOIN signature_submissions ss ON ss.id = (j.data->>'submissionId')::bigint
       JOIN signatures s ON s.id = ss.signature_id
       WHERE j.name = 'send-confirmation' AND s.email = $1`,
      [address],
    );
    const data = rows[0]!.data;
    const deps = (db: Pool) => ({ db, mailer, renderEmail: createEmailRenderer(), config: t.config, log });

    // The first statement after the claim (composing) and the first try of the release fail; then the database is back.
    await assert.rejects(sendConfirmation(deps(downAfterClaim(t.db.pool, 2)), data), /Connection terminated/);
    const { rows: records } = await t.db.pool.query<{ status: string; claimed: boolean | null }>(
      "SELECT status, claimed_until > now() AS claimed FROM sent_emails WHERE template = 'confirm-signature' AND signature_id = (SELECT id FROM signatures WHERE email = $1)",
      [address],
    );
    assert.deepEqual(records, [{ status: 'sending', claimed: null }], 'the claim was released, not left for its lease');

    // The queue's retry (after 5 s in production) sends it.
    assert.equal(await sendConfirmation(deps(t.db.pool), data), 'sent');
    assert.equal(smtp.to(address).length, 1);
  });
});
