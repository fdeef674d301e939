// Review of issue 11: the sender walks a notice's RSVPs forward by id and
// finishes it when the walk reaches the end. An RSVP made earlier (a lower id)
// but confirmed while the walk is past it is never met: the notice is marked
// sent, and that supporter never gets the day-before reminder (or the "moved"
// or "cancelled" notice) though they were confirmed before it finished.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queueNotice } from '../../src/protests/protest-notices.repo.ts';
import { sendProtestNotices } from '../../src/protests/send-notices.task.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { createCall, createProtest, rsvp, senderContext } from '../protests/notices-seed.ts';

describe('review 11: an RSVP confirmed while its notice is being sent', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  it('still gets it', async () => {
    const call = await createCall(t.db.pool, { slug: 'review11-walk' });
    const protest = await createProtest(t.db.pool, call, { city: 'London', place: 'Embassy', startsLocal: '2026-12-16T12:00', timeZone: 'Europe/London' });
    const early = await rsvp(t.db.pool, protest, { email: 'walk-early@example.org', confirmedAt: null });
    await rsvp(t.db.pool, protest, { email: 'walk-late@example.org', confirmedAt: '2026-12-01T10:00:00Z' });
    await queueNotice(t.db.pool, protest, 'day_before', 1);
    const context = senderContext(t.db.pool, t.config, smtp.url);
    try {
      const held = smtp.holdNext();
      const round = sendProtestNotices(context, new Date('2026-12-15T11:01:00Z'));
      await held.arrived;
      // While the first email is on its way, the earlier RSVP is confirmed.
      await t.db.pool.query("UPDATE rsvps SET confirmed_at = '2026-12-15T11:01:10Z' WHERE id = $1", [early]);
      held.release();
      await round;
      await sendProtestNotices(context, new Date('2026-12-15T11:02:00Z'));
    } finally {
      context.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    const to = smtp.messages.flatMap((m) => m.envelopeTo);
    assert.ok(to.includes('walk-late@example.org'));
    assert.ok(to.includes('walk-early@example.org'), 'the RSVP confirmed during the walk never gets the reminder');
  });
});
