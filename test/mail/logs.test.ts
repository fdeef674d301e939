// In production, no confirmation token and no email address reaches the log,
// at the most verbose level, whatever the mail path: sent, confirmed, cancelled,
// refused for now or for good by a server whose reply repeats the address.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACTION, csrfTokenIn } from '../helpers/forms.ts';
import { cancelLink, confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the production log', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  const lines: string[] = [];

  before(async () => {
    smtp = await new TestSmtpServer().start();
    const log = createLogger('debug', { write: (line: string) => void lines.push(line) });
    t = await createTestApp({
      env: { NODE_ENV: 'production', BASE_URL: 'https://placard.test', MAIL_FROM: 'Placard <campaign@placard.test>', LOG_LEVEL: 'debug', SMTP_URL: smtp.url, RATE_LIMIT_SIGN_PER_MINUTE: '1000', RATE_LIMIT_CONFIRM_PER_MINUTE: '1000' },
      workers: true,
      retryDelaySeconds: 1,
      log,
    });
    await loadDemoContent(t.db.pool, createLogger('silent'));
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  // Production cookies are Secure (BASE_URL is https), which supertest's cookie jar
  // keeps from an http request: the form's cookie is carried by hand, as a browser would.
  async function submitForm(pagePath: string, actionPath: string, fields: Record<string, string>) {
    const page = await request(t.app).get(pagePath).expect(200);
    const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    // The sign form carries no token (src/http/csrf.ts); the confirmation page does.
    const token = /name="_csrf"/.test(page.text) ? csrfTokenIn(page.text) : undefined;
    return request(t.app).post(actionPath).set('Cookie', cookie).type('form').send({ _csrf: token, ...fields });
  }
  const signPetition = (email: string) =>
    submitForm(`/actions/${ACTION}`, `/actions/${ACTION}/signatures`, { name: 'Aigerim', email, country: 'KZ' });
  const pressButtonBehind = (link: string) => submitForm(new URL(link).pathname, new URL(link).pathname, {});

  /** Waits until the job queued for `address` is in `state` (its signature still pending). */
  async function waitForJobOf(address: string, state: string): Promise<void> {
    for (let deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(50)) {
      const { rows } = await t.db.pool.query(
        `SELECT 1 FROM pgboss.job j
         JOIN signature_submissions ss ON ss.id = (j.data->>'submissionId')::bigint
         JOIN signatures s ON s.id = ss.signature_id
         WHERE j.name = 'send-confirmation' AND s.email = $1 AND j.state::text = $2`,
        [address, state],
      );
      if (rows.length) return;
    }
    throw new Error(`Timed out waiting for the job of ${address} to be ${state}`);
  }

  it('holds no token and no email address, from signing to confirming, cancelling and refused mail', async () => {
    const unique = randomBytes(3).toString('hex');
    const address = (name: string) => `${name}-${unique}@example.org`;
    const confirming = address('confirms');
    const cancelling = address('cancels');
    const greylisted = address('greylisted');
    const unknown = address('no-such-user');
    const tokens: string[] = [];
    const tokenOf = (link: string) => {
      const token = link.split('/').pop()!;
      tokens.push(token);
      return link;
    };

    // Signs, opens the link, presses confirm; opens the used link again.
    assert.equal((await signPetition(confirming)).status, 303);
    const [confirmMail] = await smtp.waitFor((m) => m.envelopeTo.includes(confirming));
    const confirm = tokenOf(confirmationLink(confirmMail!));
    tokenOf(cancelLink(confirmMail!));
    await request(t.app).get(new URL(confirm).pathname).expect(200);
    assert.equal((await pressButtonBehind(confirm)).status, 303);
    await request(t.app).get(new URL(confirm).pathname).expect(200);

    // Signs, presses "it wasn't me".
    assert.equal((await signPetition(cancelling)).status, 303);
    const [cancelMail] = await smtp.waitFor((m) => m.envelopeTo.includes(cancelling));
    tokenOf(confirmationLink(cancelMail!));
    const cancel = tokenOf(cancelLink(cancelMail!));
    assert.equal((await pressButtonBehind(cancel)).status, 200);

    // A link that was never sent.
    const madeUp = randomBytes(32).toString('base64url');
    tokens.push(madeUp);
    await request(t.app).get(`/confirm/${madeUp}`).expect(404);

    // Refused for now, with the address in the reply; sent on the retry.
    smtp.refuseNext(450, `<${greylisted}>: greylisted, try again later`);
    assert.equal((await signPetition(greylisted)).status, 303);
    await smtp.waitForRefused((m) => m.envelopeTo.includes(greylisted));
    const [retried] = await smtp.waitFor((m) => m.envelopeTo.includes(greylisted), 1, 20_000);
    tokenOf(confirmationLink(retried!));
    tokenOf(cancelLink(retried!));
    await waitForJobOf(greylisted, 'completed');

    // Refused for good, with the address in the reply.
    smtp.refuseNext(550, `<${unknown}>: no such user here`);
    assert.equal((await signPetition(unknown)).status, 303);
    await smtp.waitForRefused((m) => m.envelopeTo.includes(unknown));
    await waitForJobOf(unknown, 'completed');

    // The log did capture what happened, so that the checks below can fail.
    const log = lines.join('');
    assert.match(log, /"url":"\/confirm\//, 'requests to links were logged');
    assert.match(log, /"url":"\/cancel\//);
    assert.match(log, /job failed; it will be retried/, 'the temporary refusal was logged');
    assert.match(log, /450/);
    assert.match(log, /email rejected for good/, 'the permanent refusal was logged');

    const addresses = [confirming, cancelling, greylisted, unknown];
    for (const secret of [...addresses, ...addresses.map((a) => a.split('@')[0]!), ...tokens]) {
      const leaked = lines.filter((line) => line.toLowerCase().includes(secret.toLowerCase()));
      assert.deepEqual(leaked, [], `"${secret}" is in the log`);
    }
    assert.ok(tokens.length >= 7, 'every link sent was checked');
  });
});
