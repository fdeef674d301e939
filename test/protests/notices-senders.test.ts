// The sender of notices with more than one worker, and with a failing SMTP
// server: two senders at once send each email once; a sender killed mid-notice
// holds it only until its lease runs out, and the one that takes it over sends
// only what was left; a temporary failure is retried with back-off, a
// permanent refusal is recorded and does not hold the others up.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { claimNotices } from '../../src/protests/protest-notices.repo.ts';
import { queueProtestReminders } from '../../src/protests/notices.task.ts';
import { NOTICE_LEASE_SECONDS, noticeKey, sendProtestNotices } from '../../src/protests/send-notices.task.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { createCall, createProtest, noticesOf, rsvp, senderContext, testConfig } from './notices-seed.ts';

describe('protests: notice senders', () => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let one: ReturnType<typeof senderContext>;
  let two: ReturnType<typeof senderContext>;
  before(async () => {
    db = await createTestDatabase();
    smtp = await new TestSmtpServer().start();
    // Two workers: each its own SMTP connection, the same database.
    one = senderContext(db.pool, testConfig(db.url), smtp.url);
    two = senderContext(db.pool, testConfig(db.url), smtp.url);
  });
  after(async () => {
    one.close();
    two.close();
    await smtp.stop();
    await db.drop();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
    smtp.refused.length = 0;
  });

  const queueAt = async (at: string) => {
    const client = await db.pool.connect();
    try {
      return await queueProtestReminders(client, new Date(at));
    } finally {
      client.release();
    }
  };

  it('two senders at once send each email once', async () => {
    const call = await createCall(db.pool, { slug: 'two-senders' });
    const protests: number[] = [];
    for (const city of ['London', 'Leeds', 'Glasgow', 'Cardiff', 'Belfast', 'Bristol', 'York']) {
      const id = await createProtest(db.pool, call, { city, place: `Square of ${city}`, startsLocal: '2026-12-16T12:00', timeZone: 'Europe/London' });
      protests.push(id);
      for (let i = 1; i <= 4; i++) await rsvp(db.pool, id, { email: `${city.toLowerCase()}-${i}@example.org` });
    }
    assert.equal((await queueAt('2026-12-15T11:00:00Z')).length, 7);
    // Both take notices in the same instant, again and again until none is left.
    const now = new Date('2026-12-15T11:00:05Z');
    const rounds = await Promise.all([one, two].map(async (context) => {
      const mine = [];
      for (let round = 0; round < 5; round++) mine.push(...(await sendProtestNotices(context, now)));
      return mine;
    }));
    assert.ok(rounds[0]!.length > 0 && rounds[1]!.length > 0, `both senders took notices: ${rounds[0]!.length} and ${rounds[1]!.length}`);
    assert.equal(rounds.flat().length, 7, 'each notice was taken by one sender');
    assert.equal(smtp.messages.length, 28);
    assert.equal(new Set(smtp.messages.map((m) => m.envelopeTo.join())).size, 28, 'each RSVP had its email once');
    for (const id of protests) assert.deepEqual((await noticesOf(db.pool, id)).map((n) => [n.kind, n.outcome]), [['day_before', 'sent']]);
  });

  it('a sender killed mid-notice: its lease holds the notice, then another sender sends only what was left', async () => {
    const call = await createCall(db.pool, { slug: 'killed' });
    const protest = await createProtest(db.pool, call, { country: 'DE', city: 'Munich', place: 'Odeonsplatz', startsLocal: '2026-12-16T12:00', timeZone: 'Europe/Berlin' });
    const rsvps: number[] = [];
    for (let i = 1; i <= 3; i++) rsvps.push(await rsvp(db.pool, protest, { email: `munich-${i}@example.org` }));
    assert.equal((await queueAt('2026-12-15T10:00:00Z')).filter((r) => r.protestId === protest).length, 1);
    // The first worker claims it, sends to the first RSVP (its record says so) and dies.
    const t0 = new Date('2026-12-15T10:00:10Z');
    const claimed = await claimNotices(db.pool, t0, 5, NOTICE_LEASE_SECONDS);
    assert.deepEqual(claimed.map((n) => [n.protest_id, n.kind]), [[protest, 'day_before']]);
    await db.pool.query("INSERT INTO sent_emails (idempotency_key, template, status, message_id, smtp_response) VALUES ($1, 'protest-reminder', 'sent', '<dead@placard.test>', '250 OK')", [
      noticeKey(rsvps[0]!, claimed[0]!),
    ]);
    // While its lease lasts, nobody else takes it.
    assert.deepEqual(await sendProtestNotices(two, new Date(t0.getTime() + 60_000)), []);
    // After it, the other worker does, and the first RSVP is not emailed again.
    const results = await sendProtestNotices(two, new Date(t0.getTime() + (NOTICE_LEASE_SECONDS + 1) * 1000));
    assert.deepEqual(results.map((r) => [r.kind, r.state, r.emails]), [['day_before', 'sent', 2]]);
    assert.deepEqual(smtp.messages.map((m) => m.envelopeTo.join()).sort(), ['munich-2@example.org', 'munich-3@example.org']);
  });

  it('a temporary SMTP failure retries the notice with back-off, and a permanent refusal of one address does not hold the others', async () => {
    const call = await createCall(db.pool, { slug: 'smtp-trouble' });
    const protest = await createProtest(db.pool, call, { country: 'BE', city: 'Antwerp', place: 'Groenplaats', startsLocal: '2026-12-16T12:00', timeZone: 'Europe/Brussels' });
    for (let i = 1; i <= 3; i++) await rsvp(db.pool, protest, { email: `antwerp-${i}@example.org` });
    await queueAt('2026-12-15T10:00:00Z');
    const t0 = new Date('2026-12-15T10:00:30Z');
    // The first email: 550, refused for good (recorded; the address is now suppressed as a bounce). The second: 451, try later.
    smtp.refuseNext(550, 'No such user');
    smtp.refuseNext(451, 'Greylisted, try again later');
    const first = (await sendProtestNotices(one, t0)).filter((r) => r.protestId === protest);
    assert.deepEqual(first.map((r) => [r.state, r.emails]), [['retry', 0]]);
    let [notice] = await noticesOf(db.pool, protest);
    assert.equal(notice!.attempts, 1);
    assert.equal(notice!.not_before!.getTime(), t0.getTime() + 30_000, 'back-off: 30 s after the first failure');
    // Not before its time.
    assert.deepEqual((await sendProtestNotices(one, new Date(t0.getTime() + 29_000))).filter((r) => r.protestId === protest), []);
    // Then the server is down for a while: the next wait doubles.
    smtp.rejectWith = 421;
    const second = (await sendProtestNotices(one, new Date(t0.getTime() + 30_000))).filter((r) => r.protestId === protest);
    assert.deepEqual(second.map((r) => r.state), ['retry']);
    [notice] = await noticesOf(db.pool, protest);
    assert.equal(notice!.attempts, 2);
    assert.equal(notice!.not_before!.getTime(), t0.getTime() + 30_000 + 60_000);
    smtp.rejectWith = undefined;
    const third = (await sendProtestNotices(one, new Date(t0.getTime() + 90_000))).filter((r) => r.protestId === protest);
    assert.deepEqual(third.map((r) => [r.state, r.emails]), [['sent', 2]]);
    assert.deepEqual(smtp.messages.map((m) => m.envelopeTo.join()).sort(), ['antwerp-2@example.org', 'antwerp-3@example.org']);
    assert.deepEqual(smtp.refused.map((r) => [r.code, r.envelopeTo.join()]).slice(0, 2), [[550, 'antwerp-1@example.org'], [451, 'antwerp-2@example.org']]);
    assert.equal(smtp.refused.filter((r) => r.envelopeTo.includes('antwerp-1@example.org')).length, 1, 'the refused address is not tried again');
    [notice] = await noticesOf(db.pool, protest);
    assert.equal(notice!.outcome, 'sent');
  });

  it('a reminder held up by an outage past its day is dropped, not sent late: "tomorrow" after midnight would be wrong', async () => {
    const call = await createCall(db.pool, { slug: 'outage' });
    const protest = await createProtest(db.pool, call, { country: 'KZ', city: 'Astana', place: 'Independence Square', startsLocal: '2026-12-16T12:00', timeZone: 'Asia/Almaty' });
    await rsvp(db.pool, protest, { email: 'astana@example.org' });
    // 11:00 in Astana (UTC+5) the day before; the SMTP server is down from then until after midnight there.
    await queueAt('2026-12-15T06:00:00Z');
    smtp.rejectWith = 421;
    let at = new Date('2026-12-15T06:00:10Z');
    for (let i = 0; i < 8; i++) {
      await sendProtestNotices(one, at);
      const [n] = await noticesOf(db.pool, protest);
      at = new Date(Math.max(at.getTime(), n!.not_before?.getTime() ?? 0) + 1000);
    }
    smtp.rejectWith = undefined;
    // 00:00:01 on the 16th in Astana is 19:00:01 UTC on the 15th.
    const results = (await sendProtestNotices(one, new Date('2026-12-15T19:00:01Z'))).filter((r) => r.protestId === protest);
    assert.deepEqual(results.map((r) => [r.kind, r.state]), [['day_before', 'skipped']]);
    assert.match(results[0]!.reason!, /too late/);
    assert.equal(smtp.messages.length, 0);
    // The day-of reminder comes at 08:00 as usual.
    await queueAt('2026-12-16T03:00:00Z');
    assert.deepEqual((await sendProtestNotices(one, new Date('2026-12-16T03:00:05Z'))).map((r) => [r.kind, r.state, r.emails]), [['day_of', 'sent', 1]]);
  });
});
