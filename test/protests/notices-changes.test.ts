// A protest moved or cancelled (as the admin's transaction leaves it: the
// change and its notice together): the RSVPs are told once, at once; the moved
// notice says what changed and shows the new details; reminders of the old
// version, or of a cancelled protest, are never sent.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { cancelProtest, createCall, createProtest, moveProtest, noticesOf, rsvp, senderContext, summary, testConfig, tick } from './notices-seed.ts';
import { queueProtestReminders } from '../../src/protests/notices.task.ts';
import { sendProtestNotices } from '../../src/protests/send-notices.task.ts';

describe('protests: moved and cancelled', () => {
  let db: TestDatabase;
  let smtp: TestSmtpServer;
  let context: ReturnType<typeof senderContext>;
  before(async () => {
    db = await createTestDatabase();
    smtp = await new TestSmtpServer().start();
    context = senderContext(db.pool, testConfig(db.url), smtp.url);
  });
  after(async () => {
    context.close();
    await smtp.stop();
    await db.drop();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
  });

  it('a move notifies once with what changed and the new details; the old version’s reminder is not sent, the new version’s are', async () => {
    const call = await createCall(db.pool, { slug: 'moved' });
    // Saturday 14 November 2026, 14:00 in Berlin (CET).
    const protest = await createProtest(db.pool, call, {
      country: 'DE', city: 'Berlin', place: 'Botschaft von Kasachstan', address: 'Nordendstraße 14–17', meetingPoint: 'At the gate', startsLocal: '2026-11-14T14:00', timeZone: 'Europe/Berlin',
    });
    await rsvp(db.pool, protest, { email: 'anna@example.org', name: 'Anna' });
    await rsvp(db.pool, protest, { email: 'yerlan@example.org', name: 'Yerlan' });
    await rsvp(db.pool, protest, { email: 'cancelled@example.org', cancelledAt: '2026-11-01T10:00:00Z' });

    // Friday 11:00 CET: the day-before reminder of version 1 is queued; before it goes, the protest is moved to Sunday 15:00 elsewhere.
    const client = await db.pool.connect();
    try {
      assert.deepEqual((await queueProtestReminders(client, new Date('2026-11-13T10:00:00Z'))).map((r) => [r.kind, r.version]), [['day_before', 1]]);
    } finally {
      client.release();
    }
    assert.equal(await moveProtest(db.pool, protest, { startsLocal: '2026-11-15T15:00', place: 'Pariser Platz', address: '', meetingPoint: 'In front of the Brandenburg Gate' }, '2026-11-13T10:00:30Z'), 2);

    const results = await sendProtestNotices(context, new Date('2026-11-13T10:00:40Z'));
    assert.deepEqual(results.map((r) => [r.kind, r.version, r.state, r.emails]).sort(), [['day_before', 1, 'skipped', 0], ['moved', 2, 'sent', 2]]);
    assert.match(results.find((r) => r.kind === 'day_before')!.reason!, /version 2 replaced version 1/);
    assert.deepEqual(summary(smtp.messages).sort(), [
      ['anna@example.org', 'Changed: the protest at Pariser Platz, Berlin'],
      ['yerlan@example.org', 'Changed: the protest at Pariser Platz, Berlin'],
    ]);
    const text = smtp.to('anna@example.org')[0]!.text ?? '';
    assert.match(text, /Hello Anna,/);
    assert.match(text, /- Time: Saturday 14 November 2026, 14:00–16:00, Central European Standard Time \(GMT\+1\) → Sunday 15 November 2026, 15:00–17:00, Central European Standard Time \(GMT\+1\)/);
    assert.match(text, /- Place: Botschaft von Kasachstan, Berlin → Pariser Platz, Berlin/);
    assert.match(text, /- Address: Nordendstraße 14–17 → \(not given\)/);
    assert.match(text, /- Meeting point: At the gate → In front of the Brandenburg Gate/);
    // The details block is the new version's.
    assert.match(text, /The protest now:\nWhen: Sunday 15 November 2026, 15:00–17:00/);
    assert.match(text, /Where: Pariser Platz, Berlin\nMeeting point: In front of the Brandenburg Gate/);
    assert.match(text, /openstreetmap\.org\/search\?query=Pariser%20Platz%2C%20Berlin/);
    assert.match(text, /http:\/\/placard\.test\/rsvp\/\d+\.[A-Za-z0-9_-]{22}/);

    // Once.
    assert.deepEqual(await tick(context, '2026-11-13T10:01:00Z'), []);
    // The old Saturday's morning: nothing (version 1 is gone); the new Saturday 11:00 is the new version's day before.
    assert.deepEqual(await tick(context, '2026-11-14T07:00:00Z'), []);
    assert.deepEqual(await tick(context, '2026-11-14T09:59:00Z'), []);
    assert.deepEqual((await tick(context, '2026-11-14T10:00:00Z')).map((r) => [r.kind, r.version, r.emails]), [['day_before', 2, 2]]);
    assert.match(smtp.messages.at(-1)!.text ?? '', /When: Sunday 15 November 2026, 15:00–17:00/);
    assert.deepEqual((await tick(context, '2026-11-15T07:00:00Z')).map((r) => [r.kind, r.version, r.emails]), [['day_of', 2, 2]]);
    assert.equal(smtp.messages.length, 6);
    assert.equal(smtp.to('cancelled@example.org').length, 0);
    assert.deepEqual((await noticesOf(db.pool, protest)).map((n) => [n.kind, n.version, n.outcome]).sort(), [
      ['day_before', 1, 'skipped'], ['day_before', 2, 'sent'], ['day_of', 2, 'sent'], ['moved', 2, 'sent'],
    ]);
  });

  it('moved in the afternoon after the day-before reminder: the notice tells the new time, with no second "tomorrow"; only RSVPs who knew the old time get it', async () => {
    const call = await createCall(db.pool, { slug: 'moved-late' });
    const protest = await createProtest(db.pool, call, { country: 'FR', city: 'Paris', place: 'Ambassade du Kazakhstan', startsLocal: '2026-11-21T14:00', timeZone: 'Europe/Paris' });
    await rsvp(db.pool, protest, { email: 'claire@example.org' });
    assert.deepEqual((await tick(context, '2026-11-20T10:00:00Z')).map((r) => [r.kind, r.emails]), [['day_before', 1]]);
    await moveProtest(db.pool, protest, { startsLocal: '2026-11-21T15:00' }, '2026-11-20T12:00:00Z');
    // Confirmed after the move: they saw the new time, and get no "moved" notice.
    await rsvp(db.pool, protest, { email: 'late-rsvp@example.org', confirmedAt: '2026-11-20T12:30:00Z' });
    assert.deepEqual((await tick(context, '2026-11-20T13:00:00Z')).map((r) => [r.kind, r.version, r.emails]), [['moved', 2, 1]]);
    const moved = smtp.messages.at(-1)!;
    assert.deepEqual(moved.envelopeTo, ['claire@example.org']);
    assert.match(moved.text ?? '', /- Time: Saturday 21 November 2026, 14:00–16:00, .* → Saturday 21 November 2026, 15:00–17:00/);
    assert.doesNotMatch(moved.text ?? '', /- Place:/, 'only what changed');
    assert.deepEqual(await tick(context, '2026-11-20T14:00:00Z'), [], 'no second day-before reminder for version 2');
    assert.deepEqual((await tick(context, '2026-11-21T07:00:00Z')).map((r) => [r.kind, r.version, r.emails]), [['day_of', 2, 2]], 'both RSVPs on the day');
    assert.equal(smtp.messages.length, 4);
  });

  it('moved twice before the sender ran: one notice, from what RSVPs knew to the latest', async () => {
    const call = await createCall(db.pool, { slug: 'moved-twice' });
    const protest = await createProtest(db.pool, call, { country: 'US', city: 'Washington', place: 'Embassy', startsLocal: '2026-12-16T12:00', timeZone: 'America/New_York' });
    await rsvp(db.pool, protest, { email: 'sam@example.org' });
    await moveProtest(db.pool, protest, { startsLocal: '2026-12-16T13:00' }, '2026-12-01T15:00:00Z');
    await moveProtest(db.pool, protest, { startsLocal: '2026-12-16T16:00' }, '2026-12-01T15:05:00Z');
    const results = await tick(context, '2026-12-01T15:06:00Z');
    assert.deepEqual(results.map((r) => [r.kind, r.version, r.state]).sort(), [['moved', 2, 'skipped'], ['moved', 3, 'sent']]);
    assert.equal(smtp.messages.length, 1);
    assert.match(smtp.messages[0]!.text ?? '', /- Time: Wednesday 16 December 2026, 12:00–14:00, Eastern Standard Time \(EST\) → Wednesday 16 December 2026, 16:00–18:00, Eastern Standard Time \(EST\)/);
  });

  it('a cancellation notifies once, with the call’s other protests; then no reminder', async () => {
    const call = await createCall(db.pool, { slug: 'cancelled' });
    const london = await createProtest(db.pool, call, { city: 'London', place: 'Embassy of Kazakhstan', startsLocal: '2026-12-16T12:00', timeZone: 'Europe/London' });
    await createProtest(db.pool, call, { city: 'Manchester', place: 'St Peter’s Square', startsLocal: '2026-12-16T13:00', timeZone: 'Europe/London' });
    await createProtest(db.pool, call, { country: 'DE', city: 'Berlin', place: 'Botschaft', startsLocal: '2026-12-16T12:00', timeZone: 'Europe/Berlin' });
    await createProtest(db.pool, call, { city: 'Leeds', place: 'Only proposed', startsLocal: '2026-12-16T12:00', timeZone: 'Europe/London', status: 'proposed' });
    await rsvp(db.pool, london, { email: 'rosa@example.org', name: 'Rosa' });
    await rsvp(db.pool, london, { email: 'cancelled-too@example.org', cancelledAt: '2026-12-01T10:00:00Z' });
    // The day-before reminder is queued at 11:00, and the protest is cancelled before the sender takes it.
    const client = await db.pool.connect();
    try {
      assert.equal((await queueProtestReminders(client, new Date('2026-12-15T11:00:00Z'))).filter((r) => r.protestId === london).length, 1);
    } finally {
      client.release();
    }
    await cancelProtest(db.pool, london, '2026-12-15T11:00:10Z');
    const results = (await sendProtestNotices(context, new Date('2026-12-15T11:00:20Z'))).filter((r) => r.protestId === london);
    assert.deepEqual(results.map((r) => [r.kind, r.state, r.emails]), [['day_before', 'skipped', 0], ['cancelled', 'sent', 1]]);
    assert.match(results[0]!.reason!, /the protest is cancelled/);
    const mine = smtp.to('rosa@example.org');
    assert.deepEqual(summary(mine), [['rosa@example.org', 'Cancelled: the protest at Embassy of Kazakhstan, London']]);
    const text = mine[0]!.text ?? '';
    assert.match(text, /We are sorry: the protest at Embassy of Kazakhstan, London on Wednesday 16 December 2026, 12:00–14:00, Greenwich Mean Time \(GMT\) is cancelled\./);
    // Same country first, then the others; the proposed one is not listed.
    assert.match(text, /are still on:\n- Manchester: St Peter’s Square, Wednesday 16 December 2026, 13:00, .*\n- Berlin: Botschaft, Wednesday 16 December 2026, 12:00, Central European Standard Time/);
    assert.doesNotMatch(text, /Only proposed/);
    assert.match(text, /http:\/\/placard\.test\/actions\/cancelled/);

    for (const at of ['2026-12-15T11:01:00Z', '2026-12-16T08:00:00Z', '2026-12-17T10:00:00Z']) await tick(context, at);
    assert.equal(smtp.to('rosa@example.org').length, 1, 'nothing after the cancellation');
    assert.equal(smtp.to('cancelled-too@example.org').length, 0);
    assert.deepEqual((await noticesOf(db.pool, london)).map((n) => [n.kind, n.outcome]), [['day_before', 'skipped'], ['cancelled', 'sent']]);
  });
});
