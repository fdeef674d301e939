// The parts of protest calls together, on the demo's Zhanaozen call and a real
// SMTP server: a supporter finds the London protest on the call's page, RSVPs,
// confirms from the email; the page counts them; an organiser moves the
// protest in the admin; the sender tells the supporter once, with a link to
// their RSVP's own page, which opens and cancels the RSVP; the count drops.
// Each part is tested alone in its own files; this proves they fit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { signIn } from '../helpers/admin.ts';
import { csrfTokenIn, openForm, pressButtonBehind, type Agent } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';
import { senderContext, tick } from './notices-seed.ts';

const CALL = 'zhanaozen-anniversary-protests';

describe('a protest call from RSVP to the notice of a move', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let organiser: Agent;

  before(async () => {
    smtp = await new TestSmtpServer().start();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, SIGN_MIN_SECONDS: '0' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
    organiser = (await signIn(t, { name: 'Dana Organiser' })).agent;
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });

  const londonProtest = async () =>
    (await t.db.pool.query<{ id: number; time_zone: string }>("SELECT p.id, p.time_zone FROM protests p JOIN actions a ON a.id = p.action_id WHERE a.slug = $1 AND p.city = 'London'", [CALL])).rows[0]!;
  const goingIn = (html: string, id: number) => {
    const article = new RegExp(`<article class="protest" id="protest-${id}"[\\s\\S]*?</article>`).exec(html)![0];
    return Number(/<p class="protest-count">(\d+) going/.exec(article)![1]);
  };

  it('RSVPs, confirms, is counted, is told of the move with a working link to cancel', async () => {
    const protest = await londonProtest();
    const supporter = request.agent(t.app);
    const page = await supporter.get(`/actions/${CALL}`).set('Accept-Language', 'en-GB,en;q=0.8').expect(200);
    assert.match(page.text, /<option value="GB" selected/, 'the United Kingdom preselected from the browser');
    assert.equal(goingIn(page.text, protest.id), 0);

    const csrf = await openForm(supporter, `/actions/${CALL}`);
    const sent = await supporter.post(`/protests/${protest.id}/rsvp`).type('form').send({ _csrf: csrf, name: 'Aliya', email: 'aliya@example.org', sign_letter: 'on' });
    assert.equal(sent.status, 303, sent.text.slice(0, 500));
    const [confirmation] = await smtp.waitFor((m) => m.envelopeTo.includes('aliya@example.org'));
    const confirmed = await pressButtonBehind(t.app, confirmationLink(confirmation!));
    assert.equal(confirmed.status, 303);
    assert.equal(goingIn((await request(t.app).get(`/actions/${CALL}?country=GB`).expect(200)).text, protest.id), 1, 'counted once confirmed');
    // The letter to the London embassy, signed alongside, is confirmed with the RSVP, from the protest's
    // country (the demo's letter goes as a daily digest to each embassy, which will name them).
    const signed = await t.db.pool.query("SELECT s.country, s.confirmed_at IS NOT NULL AS confirmed FROM rsvps r JOIN signatures s ON s.id = r.signature_id WHERE r.protest_id = $1", [protest.id]);
    assert.deepEqual(signed.rows, [{ country: 'GB', confirmed: true }]);

    // The organiser moves it an hour later, in the admin.
    const form = await organiser.get(`/admin/protests/${protest.id}`).expect(200);
    const fields = Object.fromEntries([...form.text.matchAll(/<(?:input|textarea|select)[^>]*name="([^"]+)"[^>]*>/g)].map((m) => [m[1], '']));
    assert.ok('starts_local' in fields, 'the protest form has its local times');
    const row = (await t.db.pool.query('SELECT * FROM protests WHERE id = $1', [protest.id])).rows[0];
    const local = (d: Date) => new Intl.DateTimeFormat('sv', { timeZone: row.time_zone, dateStyle: 'short', timeStyle: 'short' }).format(d).replace(' ', 'T');
    const later = (d: Date) => local(new Date(d.getTime() + 3600_000));
    const moved = await organiser.post(`/admin/protests/${protest.id}`).type('form').send({
      _csrf: csrfTokenIn(form.text), action: String(row.action_id), edited_from: /name="edited_from" value="([^"]*)"/.exec(form.text)![1],
      country: row.country, city: row.city, place: row.place, address: row.address, meeting_point: row.meeting_point,
      latitude: row.latitude === null ? '' : String(Number(row.latitude)), longitude: row.longitude === null ? '' : String(Number(row.longitude)),
      time_zone: row.time_zone, starts_local: later(row.starts_at), ends_local: later(row.ends_at), capacity: row.capacity === null ? '' : String(row.capacity),
      accessibility: row.accessibility, organiser_name: row.organiser_name, organiser_contact: row.organiser_contact, recipient: row.recipient_id === null ? '' : String(row.recipient_id),
    });
    assert.equal(moved.status, 303, moved.text.slice(0, 800));

    // The sender runs (as a worker would, now) and tells the supporter once.
    const context = senderContext(t.db.pool, t.config, smtp.url);
    try {
      await tick(context, new Date());
      await tick(context, new Date());
    } finally {
      context.close();
    }
    // The app's own workers run the sender too (every two seconds): whichever claimed the notice sends it,
    // so wait for it, then long enough for a second one to show if there were one.
    await smtp.waitFor((m) => m.envelopeTo.includes('aliya@example.org') && m !== confirmation);
    await new Promise((r) => setTimeout(r, 2500));
    const notices = smtp.messages.filter((m) => m.envelopeTo.includes('aliya@example.org') && m !== confirmation);
    assert.equal(notices.length, 1, `one notice: ${notices.map((m) => m.subject).join(' | ')}`);
    assert.match(notices[0]!.text ?? '', new RegExp(later(row.starts_at).slice(11)), 'the new time');

    // Its link opens the RSVP's own page, whose button cancels it; the count drops.
    const link = new URL(/https?:\/\/\S+\/rsvp\/[0-9]+\.[A-Za-z0-9_-]+/.exec(notices[0]!.text ?? '')![0]).pathname;
    const own = await supporter.get(link).expect(200);
    const cancelled = await supporter.post(link).type('form').send({ _csrf: csrfTokenIn(own.text) });
    assert.ok([200, 303].includes(cancelled.status), `cancelled: ${cancelled.status} ${cancelled.text.slice(0, 300)}`);
    assert.equal(goingIn((await request(t.app).get(`/actions/${CALL}?country=GB`).expect(200)).text, protest.id), 0, 'the place is free again');
  });
});
