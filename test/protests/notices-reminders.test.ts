// Reminders to RSVPs (src/protests/notices.task.ts, send-notices.task.ts) with a
// clock the test runs and a real SMTP server: the day before at 11:00 and on
// the day at 08:00 in the protest's own zone, not a minute before, across the
// October daylight-saving change in London and east of UTC in Almaty; an hour
// before an early start; none when found too late; none to a cancelled or
// unconfirmed RSVP; the thank-you once, the day after at 10:00.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { rsvpKeyFor, rsvpToken, verifyRsvpToken } from '../../src/protests/rsvp-token.ts';
import { deriveUnsubscribeKey, unsubscribeToken } from '../../src/updates/unsubscribe-token.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { TestSmtpServer, type ReceivedMail } from '../helpers/smtp.ts';
import { createCall, createProtest, noticesOf, rsvp, senderContext, summary, testConfig, tick } from './notices-seed.ts';

describe('protests: reminders at local times', () => {
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

  /** The RSVP page link in a message, and the RSVP its token opens. */
  const rsvpOf = async (mail: ReceivedMail) => {
    const link = /http:\/\/placard\.test\/rsvp\/(\S+)/.exec(mail.text ?? '');
    assert.ok(link, 'the RSVP page link is in the email');
    return verifyRsvpToken(await rsvpKeyFor(db.pool, context.config.appSecret), decodeURIComponent(link[1]!));
  };

  it('London, the day after the clocks go back: 11:00 GMT on the Sunday, 08:00 on the Monday, to confirmed live RSVPs only', async () => {
    const call = await createCall(db.pool, { slug: 'london-dst' });
    // Monday 26 October 2026, 12:00 GMT; British Summer Time ended at 02:00 on Sunday 25 October.
    const protest = await createProtest(db.pool, call, {
      city: 'London', place: 'Embassy of Kazakhstan', address: '125 Pall Mall, SW1Y 5EA', meetingPoint: 'By the steps of the Duke of York column',
      latitude: 51.506, longitude: -0.1339, startsLocal: '2026-10-26T12:00', timeZone: 'Europe/London',
    });
    const aigerim = await rsvp(db.pool, protest, { email: 'aigerim@example.org', name: 'Aigerim' });
    const tom = await rsvp(db.pool, protest, { email: 'tom@example.org', name: 'Tom' });
    await rsvp(db.pool, protest, { email: 'gone@example.org', cancelledAt: '2026-10-20T09:00:00Z' });
    await rsvp(db.pool, protest, { email: 'pending@example.org', confirmedAt: null });

    // The day before at 11:00 GMT (the Sunday is already GMT): 11:00 UTC. Not a minute before.
    assert.deepEqual(await tick(context, '2026-10-25T10:59:00Z'), []);
    assert.equal(smtp.messages.length, 0);
    const results = await tick(context, '2026-10-25T11:00:00Z');
    assert.deepEqual(results.map((r) => [r.kind, r.state, r.emails]), [['day_before', 'sent', 2]]);
    assert.deepEqual(summary(smtp.messages).sort(), [
      ['aigerim@example.org', 'Tomorrow: the protest at Embassy of Kazakhstan, London'],
      ['tom@example.org', 'Tomorrow: the protest at Embassy of Kazakhstan, London'],
    ]);
    const mail = smtp.to('aigerim@example.org')[0]!;
    const text = mail.text ?? '';
    assert.match(text, /Hello Aigerim,/);
    assert.match(text, /is tomorrow/);
    assert.match(text, /When: Monday 26 October 2026, 12:00–14:00, Greenwich Mean Time \(GMT\)/);
    assert.match(text, /Where: Embassy of Kazakhstan, 125 Pall Mall, SW1Y 5EA, London/);
    assert.match(text, /Meeting point: By the steps of the Duke of York column/);
    assert.match(text, /https:\/\/www\.openstreetmap\.org\/\?mlat=51\.506&mlon=-0\.1339/);
    assert.ok(text.includes(`http://placard.test/protests/${protest}/calendar.ics`), 'the calendar link');
    assert.equal(await rsvpOf(mail), aigerim, 'the link opens Aigerim’s own RSVP');
    assert.equal(await rsvpOf(smtp.to('tom@example.org')[0]!), tom);
    const key = await rsvpKeyFor(db.pool, context.config.appSecret);
    const token = rsvpToken(key, aigerim);
    assert.equal(verifyRsvpToken(key, `${tom}.${token.split('.')[1]}`), undefined, 'a token opens its own RSVP only');
    assert.equal(verifyRsvpToken(key, unsubscribeToken(deriveUnsubscribeKey(context.config.appSecret!), aigerim)), undefined, 'no other kind of token opens it');
    const hrefs = [...(mail.html || '').matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&'));
    assert.ok(hrefs.includes('https://www.openstreetmap.org/?mlat=51.506&mlon=-0.1339#map=18/51.506/-0.1339'), 'a plain link to the map in the HTML part');
    assert.ok(hrefs.includes(`http://placard.test/protests/${protest}/calendar.ics`), 'the calendar link in the HTML part');
    assert.match(text, /You receive this email from/, 'the campaign footer');
    assert.match(text, /How we use your details: http:\/\/placard\.test\/privacy/);

    // Once: the next minutes add nothing.
    assert.deepEqual(await tick(context, '2026-10-25T11:01:00Z'), []);
    assert.deepEqual(await tick(context, '2026-10-25T16:00:00Z'), []);
    assert.equal(smtp.messages.length, 2);

    // On the day at 08:00 GMT.
    assert.deepEqual(await tick(context, '2026-10-26T07:59:00Z'), []);
    assert.deepEqual((await tick(context, '2026-10-26T08:00:00Z')).map((r) => [r.kind, r.emails]), [['day_of', 2]]);
    assert.deepEqual(summary(smtp.messages.slice(2)).map((s) => s[1]), ['Today: the protest at Embassy of Kazakhstan, London', 'Today: the protest at Embassy of Kazakhstan, London']);
    assert.match(smtp.messages[2]!.text ?? '', /is today/);
    assert.deepEqual(await tick(context, '2026-10-26T08:01:00Z'), []);
    assert.equal(smtp.to('gone@example.org').length + smtp.to('pending@example.org').length, 0, 'no reminder to a cancelled or unconfirmed RSVP');
    assert.deepEqual((await noticesOf(db.pool, protest)).map((n) => [n.kind, n.version, n.outcome]), [['day_before', 1, 'sent'], ['day_of', 1, 'sent']]);
  });

  it('London, the day the clocks go back: the day before is 11:00 British Summer Time (10:00 UTC), the day itself 08:00 GMT', async () => {
    const call = await createCall(db.pool, { slug: 'london-sunday' });
    const protest = await createProtest(db.pool, call, { city: 'London', place: 'Trafalgar Square', startsLocal: '2026-10-25T12:00', timeZone: 'Europe/London' });
    await rsvp(db.pool, protest, { email: 'sunday@example.org' });
    assert.deepEqual(await tick(context, '2026-10-24T09:59:00Z'), []);
    assert.deepEqual((await tick(context, '2026-10-24T10:00:00Z')).map((r) => r.kind), ['day_before']);
    assert.match(smtp.messages[0]!.text ?? '', /When: Sunday 25 October 2026, 12:00–14:00, Greenwich Mean Time \(GMT\)/);
    assert.deepEqual(await tick(context, '2026-10-25T07:59:00Z'), []);
    assert.deepEqual((await tick(context, '2026-10-25T08:00:00Z')).map((r) => r.kind), ['day_of']);
    assert.equal(smtp.messages.length, 2);
  });

  it('east of UTC, in Almaty (UTC+5): 11:00 local is 06:00 UTC the day before, 08:00 local is 03:00 UTC', async () => {
    const call = await createCall(db.pool, { slug: 'almaty' });
    const protest = await createProtest(db.pool, call, { country: 'KZ', city: 'Almaty', place: 'Republic Square', startsLocal: '2026-12-16T12:00', timeZone: 'Asia/Almaty' });
    await rsvp(db.pool, protest, { email: 'almaty@example.org', name: 'Dana' });
    assert.deepEqual(await tick(context, '2026-12-15T05:59:00Z'), []);
    assert.deepEqual((await tick(context, '2026-12-15T06:00:00Z')).map((r) => r.kind), ['day_before']);
    assert.match(smtp.messages[0]!.text ?? '', /When: Wednesday 16 December 2026, 12:00–14:00, .*\(GMT\+5\)/);
    // 08:00 on the 16th in Almaty is 03:00 UTC on the 16th.
    assert.deepEqual(await tick(context, '2026-12-16T02:59:00Z'), []);
    assert.deepEqual((await tick(context, '2026-12-16T03:00:00Z')).map((r) => r.kind), ['day_of']);
    assert.equal(smtp.messages.length, 2);
  });

  it('a protest that starts before 09:00 gets its day-of reminder an hour before the start', async () => {
    const call = await createCall(db.pool, { slug: 'dawn' });
    // 07:30 in Moscow (UTC+3) is 04:30 UTC: the reminder at 06:30 local, 03:30 UTC, not at 08:00 (after the start).
    const protest = await createProtest(db.pool, call, { country: 'RU', city: 'Moscow', place: 'Embassy of Kazakhstan', startsLocal: '2026-12-16T07:30', timeZone: 'Europe/Moscow' });
    await rsvp(db.pool, protest, { email: 'dawn@example.org' });
    assert.deepEqual((await tick(context, '2026-12-15T08:00:00Z')).map((r) => r.kind), ['day_before'], '11:00 in Moscow');
    assert.deepEqual(await tick(context, '2026-12-16T03:29:00Z'), []);
    assert.deepEqual((await tick(context, '2026-12-16T03:30:00Z')).map((r) => r.kind), ['day_of']);
    assert.deepEqual(await tick(context, '2026-12-16T05:00:00Z'), []);
  });

  it('a reminder found more than six hours late is not sent, nor one after the protest began', async () => {
    const call = await createCall(db.pool, { slug: 'late' });
    const berlin = await createProtest(db.pool, call, { country: 'DE', city: 'Berlin', place: 'Botschaft', startsLocal: '2026-11-14T14:00', timeZone: 'Europe/Berlin' });
    await rsvp(db.pool, berlin, { email: 'late@example.org' });
    // The workers were down from before 11:00 until 17:01 (CET, UTC+1) the day before: that reminder is dropped...
    assert.deepEqual(await tick(context, '2026-11-13T16:01:00Z'), []);
    // ...and the day-of one still comes at 08:00.
    assert.deepEqual((await tick(context, '2026-11-14T07:00:00Z')).map((r) => r.kind), ['day_of']);
    // Listed after it started: nothing at all.
    const paris = await createProtest(db.pool, call, { country: 'FR', city: 'Paris', place: 'Ambassade', startsLocal: '2026-11-14T09:00', timeZone: 'Europe/Paris' });
    await rsvp(db.pool, paris, { email: 'paris@example.org' });
    assert.deepEqual(await tick(context, '2026-11-14T08:30:00Z'), []);
    assert.equal(smtp.messages.length, 1);
    assert.deepEqual(await noticesOf(db.pool, paris), []);
  });

  it('the thank-you goes once, the day after at 10:00 local, with the call’s message and link; a call without a message sends none', async () => {
    const call = await createCall(db.pool, {
      slug: 'thanks', thankYouMessage: 'Thank you for standing with the oil workers.\n\nWe were 40 in front of the embassy <and> the press came.', thankYouLink: 'https://photos.example.org/zhanaozen-2026',
    });
    const quiet = await createCall(db.pool, { slug: 'no-thanks' });
    const brussels = await createProtest(db.pool, call, { country: 'BE', city: 'Brussels', place: 'Ambassade', startsLocal: '2026-12-16T12:00', timeZone: 'Europe/Brussels' });
    const other = await createProtest(db.pool, quiet, { country: 'BE', city: 'Brussels', place: 'Place Schuman', startsLocal: '2026-12-16T12:00', timeZone: 'Europe/Brussels' });
    await rsvp(db.pool, brussels, { email: 'brussels@example.org', name: 'Lotte' });
    await rsvp(db.pool, brussels, { email: 'brussels-cancelled@example.org', cancelledAt: '2026-12-10T10:00:00Z' });
    await rsvp(db.pool, other, { email: 'quiet@example.org' });
    // Past both reminders (dropped as too late), to the day after: 10:00 in Brussels (CET) is 09:00 UTC.
    assert.deepEqual(await tick(context, '2026-12-17T08:59:00Z'), []);
    const results = await tick(context, '2026-12-17T09:00:00Z');
    assert.deepEqual(results.map((r) => [r.protestId, r.kind, r.emails]), [[brussels, 'thanks', 1]]);
    assert.deepEqual(summary(smtp.messages), [['brussels@example.org', 'Thank you for joining the protest at Ambassade, Brussels']]);
    const mail = smtp.messages[0]!;
    assert.match(mail.text ?? '', /Thank you for standing with the oil workers\.\n\nWe were 40 in front of the embassy <and> the press came\./);
    assert.match(mail.html || '', /We were 40 in front of the embassy &lt;and&gt; the press came\./, 'escaped in the HTML part');
    assert.match(mail.text ?? '', /Photos and a report:\nhttps:\/\/photos\.example\.org\/zhanaozen-2026/);
    assert.deepEqual(await tick(context, '2026-12-17T09:01:00Z'), []);
    assert.deepEqual(await tick(context, '2026-12-17T14:00:00Z'), []);
    assert.equal(smtp.messages.length, 1);
    assert.deepEqual(await noticesOf(db.pool, other), []);
  });
});
