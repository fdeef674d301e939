// The notices as the workers run them, on the real clock: the reminder task's
// round under its lock (src/jobs/periodic.ts runRound, as src/features.ts
// registers it), then the real workers' sender emails the RSVP over SMTP. The
// other tests run the same functions with their own clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { periodicTasks } from '../../src/features.ts';
import { runRound } from '../../src/jobs/periodic.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { createCall, noticesOf, rsvp, senderContext } from './notices-seed.ts';

describe('protests: notices through the workers', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  it('a protest starting in 40 minutes, early in its zone: its day-of reminder is queued and emailed at once', async () => {
    const startsAt = new Date(Math.ceil((Date.now() + 40 * 60_000) / 60_000) * 60_000);
    // A zone where that is between 01:00 and 08:59 local: its day-of reminder is an hour before the start, 20 minutes ago.
    const zone = Array.from({ length: 24 }, (_, i) => (i - 12 <= 0 ? `Etc/GMT+${12 - i}` : `Etc/GMT-${i - 12}`))
      .find((z) => { const h = DateTime.fromJSDate(startsAt, { zone: z }).hour; return h >= 1 && h <= 8; })!;
    const call = await createCall(t.db.pool, { slug: 'now' });
    const protest = (await t.db.pool.query<{ id: number }>(
      "INSERT INTO protests (action_id, country, city, place, starts_at, ends_at, time_zone) VALUES ($1, 'KZ', 'Zhanaozen', 'The square', $2, $3, $4) RETURNING id",
      [call, startsAt, new Date(startsAt.getTime() + 2 * 3600_000), zone],
    )).rows[0]!.id;
    await rsvp(t.db.pool, protest, { email: 'now@example.org', confirmedAt: new Date(Date.now() - 86_400_000).toISOString() });

    const task = periodicTasks.find((p) => p.name === 'queue-protest-reminders');
    assert.ok(task && task.exclusiveLock !== undefined, 'registered, exclusive');
    assert.ok(periodicTasks.some((p) => p.name === 'send-protest-notices'), 'the sender is registered');
    const context = senderContext(t.db.pool, t.config, smtp.url);
    try {
      assert.equal(await runRound(task, context), true);
    } finally {
      context.close();
    }
    const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes('now@example.org'));
    assert.equal(mail!.subject, 'Today: the protest at The square, Zhanaozen');
    // The sender finishes the notice just after the SMTP server answers.
    for (let i = 0; i < 50 && (await noticesOf(t.db.pool, protest))[0]?.outcome !== 'sent'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual((await noticesOf(t.db.pool, protest)).map((n) => [n.kind, n.outcome]), [['day_of', 'sent']]);
  });
});
