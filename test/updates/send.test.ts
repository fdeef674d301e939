// A campaign update to a thousand supporters on a real SMTP server: each gets
// it exactly once, with both List-Unsubscribe URIs and the one-click header,
// even when the workers are killed halfway through and new ones carry on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jobs, periodicTasks } from '../../src/features.ts';
import { startWorkers } from '../../src/jobs/workers.ts';
import { createMailer, type Mailer } from '../../src/mail/mailer.ts';
import { createTestApp, startTestWorkers, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import type { Agent } from '../helpers/forms.ts';
import { TestSmtpServer, type ReceivedMail } from '../helpers/smtp.ts';
import { composeUpdate, createAction, seedSupporters, sendUpdate, updateState, waitUntil } from './seed.ts';

const COUNT = 1000;

function headerLine(mail: ReceivedMail, name: string): string | undefined {
  // Unfolded: a long field is folded over several lines.
  return mail.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/\r?\n[ \t]+/g, ' ');
}

const inTheAir: ((error: Error) => void)[] = [];

describe('sending an update to a thousand supporters', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let agent: Agent;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    // No workers yet: the test starts them, kills them, and starts others.
    t = await createTestApp({ env: { SMTP_URL: smtp.url, UPDATES_PER_SECOND: '2000', MAIL_UNSUBSCRIBE_ADDRESS: 'leave@placard.test' } });
    agent = (await signIn(t)).agent;
  });
  after(async () => {
    // The sends the killed workers left in the air fail now, so that nothing of theirs outlives the test.
    for (const fail of inTheAir.splice(0)) fail(new Error('the worker was killed'));
    // The workers this test started itself (t.close() stops only those createTestApp started).
    await t.workers?.stop();
    await t.close();
    await smtp.stop();
  });

  it('sends each one message, once, resumed after the workers were killed mid-send', async () => {
    const actionId = await createAction(t, 'thousand');
    const ids = await seedSupporters(t, { prefix: 'bulk', count: COUNT, actionId });
    const updateId = await composeUpdate(agent, { subject: 'A hearing is set', body: 'The court meets on **Monday**. [Read more](/actions/thousand)' });
    await sendUpdate(agent, updateId);

    // Workers that die after 400 messages: the next sends never reach the
    // server, and never return (a process killed mid-send).
    const real = createMailer({ smtpUrl: smtp.url, from: t.config.mailFrom, dataDir: 'data/test-mail', log: t.log });
    let handed = 0;
    let hung = 0;
    const dying: Mailer = {
      send: (email) => {
        if (++handed > 400) {
          hung++;
          return new Promise<never>((_resolve, reject) => inTheAir.push(reject));
        }
        return real.send(email);
      },
      close: () => undefined,
    };
    const doomed = await startWorkers({ config: t.config, db: t.db.pool, queue: t.queue, log: t.log, jobs, periodicTasks, mailer: dying, pollingIntervalSeconds: 0.2 });
    await smtp.waitFor(() => true, 400, 30_000);
    await waitUntil(async () => hung > 0, 'a send in the air');
    // The kill: the doomed workers take nothing more; what they hold stays claimed.
    await doomed.stop(Date.now());
    const midway = smtp.messages.length;
    assert.ok(midway >= 400 && midway < COUNT, `part-way: ${midway}`);
    const { rows: held } = await t.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM update_recipients WHERE state = 'queued' AND claimed_until > now()");
    assert.ok(held[0]!.n > 0, 'the dead workers still hold claims');

    // Their leases run out (instead of waiting five minutes): new workers take over.
    await t.db.pool.query("UPDATE update_recipients SET claimed_until = now() - interval '1 second' WHERE claimed_until > now()");
    await t.db.pool.query("UPDATE sent_emails SET claimed_until = now() - interval '1 second' WHERE status = 'sending'");
    t.workers = await startTestWorkers(t);
    await smtp.waitFor(() => true, COUNT, 60_000);
    await waitUntil(async () => (await updateState(t, updateId)) === 'sent', 'the update to be sent');
    real.close();

    const mails = smtp.messages;
    assert.equal(mails.length, COUNT, 'exactly one message per supporter');
    const recipients = new Set(mails.flatMap((m) => m.envelopeTo));
    assert.equal(recipients.size, COUNT, 'every supporter');
    for (let i = 1; i <= COUNT; i++) assert.ok(recipients.has(`bulk-${i}@example.org`), `bulk-${i}`);
    assert.equal(new Set(mails.map((m) => m.messageId)).size, COUNT, 'no Message-ID twice');

    for (const mail of mails) {
      const list = headerLine(mail, 'List-Unsubscribe');
      assert.ok(list, 'List-Unsubscribe');
      const supporterId = ids[Number(/bulk-(\d+)@/.exec(mail.envelopeTo[0]!)![1]) - 1];
      assert.match(list, new RegExp(`^List-Unsubscribe: <http://placard\\.test/unsubscribe/${supporterId}\\.[A-Za-z0-9_-]{22}>, <mailto:leave@placard\\.test\\?subject=unsubscribe>$`));
      assert.equal(headerLine(mail, 'List-Unsubscribe-Post'), 'List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    }
    const sample = mails[0]!;
    assert.equal(sample.subject, 'A hearing is set');
    assert.match(sample.text ?? '', /You are receiving this because you agreed to receive updates from Placard when you signed “thousand” on /);
    assert.match(sample.text ?? '', /http:\/\/placard\.test\/unsubscribe\/\d+\.[A-Za-z0-9_-]{22}/, 'the body links to the same page');
    assert.match(sample.html as string, /href="http:\/\/placard\.test\/actions\/thousand"/, 'a link to the site is a full address');
    assert.match(sample.text ?? '', /Monday/);

    const { rows } = await t.db.pool.query('SELECT state, count(*)::int AS n FROM update_recipients WHERE update_id = $1 GROUP BY state', [updateId]);
    assert.deepEqual(rows, [{ state: 'sent', n: COUNT }]);
    const page = await agent.get(`/admin/updates/${updateId}`).expect(200);
    assert.match(page.text, /data-count="sent">1,000</);
    assert.doesNotMatch(page.text, /http-equiv="refresh"/, 'a finished update no longer refreshes');
  });
});
