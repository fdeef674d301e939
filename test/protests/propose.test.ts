// "Tell us about your protest": a supporter's proposal is stored as proposed
// and shown nowhere (not on the call's page, no calendar file) until an
// organiser lists it; every active organiser is emailed about it over a real
// SMTP server, by a job enqueued with the proposal. The form is a public write:
// CSRF, a rate limit shared by instances, the form-timing stamp and the
// honeypot; a stranger's odd input comes back as a 4xx with a message beside
// the field, never a 500.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import request from 'supertest';
import { createFormTiming } from '../../src/http/form-timing.ts';
import { createAccount } from '../helpers/admin.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { openForm } from '../helpers/forms.ts';
import { TestSmtpServer } from '../helpers/smtp.ts';
import { insertCall } from './page-fixtures.ts';

const FORM = '/actions/zhanaozen-day/propose';

const GOOD = {
  name: 'Dana',
  email: 'Dana@Example.org',
  country: 'DE',
  city: 'Hamburg',
  place: 'Consulate of Kazakhstan',
  address: 'Hafenstraße 1, Hamburg',
  meeting_point: 'By the harbour steps',
  date: '2027-12-16',
  start: '12:00',
  end: '13:30',
  time_zone: 'Europe/Berlin',
  description: 'About twenty of us, with banners and candles.',
};

describe('proposing a protest', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let oldStamp: () => string;

  /** GETs the form (it carries no CSRF token: the same-origin check guards it), then posts `fields` with an honest stamp from a minute ago. */
  async function propose(fields: Record<string, unknown>, options: { stamp?: string; path?: string } = {}) {
    const path = options.path ?? FORM;
    const agent = request.agent(t.app);
    const token = await openForm(agent, path);
    return agent.post(path).type('form').send({ _csrf: token, rendered: options.stamp ?? oldStamp(), ...fields });
  }

  function expectStatus<R extends { status: number; text: string }>(res: R, status: number): R {
    assert.equal(res.status, status, res.text.slice(0, 300));
    return res;
  }

  async function proposals(): Promise<Record<string, unknown>[]> {
    return (await t.db.pool.query("SELECT * FROM protests WHERE status = 'proposed' ORDER BY id")).rows;
  }

  before(async () => {
    smtp = await new TestSmtpServer().start();
    // Twenty seconds: a form sent at once is always early (a stamp's slot is ten).
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, SIGN_MIN_SECONDS: '20' } });
    oldStamp = () => createFormTiming({ secret: t.config.appSecret!, minMs: 20_000, now: () => Date.now() - 60_000 }).stamp();
    await insertCall(t.db.pool, 'zhanaozen-day');
    await insertCall(t.db.pool, 'closed-to-proposals', { proposalsOpen: false });
    await createAccount(t, { email: 'ainur@example.org', name: 'Ainur' });
    await createAccount(t, { email: 'esenbek@example.org', name: 'Esenbek', role: 'admin' });
    const gone = await createAccount(t, { email: 'gone@example.org', name: 'Gone' });
    await t.db.pool.query('UPDATE organisers SET disabled_at = now() WHERE id = $1', [gone.id]);
  });
  after(async () => {
    await t.close();
    await smtp.stop();
  });
  // Each test starts with the rate limit's windows empty: the limit has a test of its own.
  beforeEach(() => t.db.pool.query('DELETE FROM rate_limit_hits'));

  it('offers the form with its stamp and honeypot, no token nor cookie, the country preselected from the browser', async () => {
    const res = await request(t.app).get(FORM).set('Accept-Language', 'de-DE,de;q=0.9').expect(200);
    assert.match(res.text, /<form class="propose-form" id="propose-form" method="post" action="\/actions\/zhanaozen-day\/propose" novalidate>/);
    assert.doesNotMatch(res.text, /name="_csrf"/);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.match(res.text, /name="rendered" value="[^"]+"/);
    assert.match(res.text, /name="website" type="text" tabindex="-1"/);
    assert.match(res.text, /<option value="DE" selected>Germany<\/option>/);
    assert.match(res.text, /name="date" type="date" required value="2027-12-16"/, 'the call\'s day to start with');
    assert.match(res.text, /<option value="Europe\/Berlin">Europe\/Berlin<\/option>/);
    assert.doesNotMatch(res.text, /<option value="[^"]+\/[^"]+" selected>/, 'no zone guessed for the proposer to overlook');
  });

  it('stores a proposal as proposed, shows it nowhere, and thanks the supporter with what happens next', async () => {
    const res = expectStatus(await propose(GOOD), 303);
    assert.equal(res.headers.location, `${FORM}?sent=1`);
    const thanks = await request(t.app).get(res.headers.location).expect(200);
    assert.match(thanks.text, /Thank you: your proposal waits for approval/);
    assert.match(thanks.text, /Once approved, your protest is listed on the call’s page; until then it is not shown\./);
    const [row] = await proposals();
    assert.ok(row);
    assert.equal(row.status, 'proposed');
    assert.equal(row.country, 'DE');
    assert.equal(row.city, 'Hamburg');
    assert.equal(row.place, 'Consulate of Kazakhstan');
    assert.equal(row.meeting_point, 'By the harbour steps');
    assert.equal(row.time_zone, 'Europe/Berlin');
    // Noon in Hamburg in December (CET, UTC+1) is 11:00 UTC.
    assert.equal((row.starts_at as Date).toISOString(), '2027-12-16T11:00:00.000Z');
    assert.equal((row.ends_at as Date).toISOString(), '2027-12-16T12:30:00.000Z');
    assert.equal(row.proposed_by_name, 'Dana');
    assert.equal(row.proposed_by_email, 'dana@example.org');
    assert.equal(row.proposal_note, 'About twenty of us, with banners and candles.');
    const page = await request(t.app).get('/actions/zhanaozen-day').expect(200);
    assert.doesNotMatch(page.text, /Hamburg|Consulate of Kazakhstan|dana@example/i);
    await request(t.app).get(`/protests/${row.id}/calendar.ics`).expect(404);
  });

  it('emails every active organiser about it over SMTP, once, with the details and the link to decide', async () => {
    expectStatus(await propose({ ...GOOD, city: 'Cologne', place: 'Cathedral square', address: '', meeting_point: '', end: '' }), 303);
    const mails = await smtp.waitFor((m) => /Cologne/.test(m.subject ?? ''), 2);
    assert.deepEqual(mails.map((m) => m.envelopeTo[0]).sort(), ['ainur@example.org', 'esenbek@example.org']);
    const mail = mails[0]!;
    assert.equal(mail.subject, 'A protest was proposed for Call zhanaozen-day: Cologne');
    assert.match(mail.text ?? '', /Dana \(dana@example\.org\) proposed a protest for Call zhanaozen-day\. It is not listed until an organiser approves it\./);
    assert.match(mail.text ?? '', /Where: Cathedral square, Cologne, Germany/);
    // No end given: two hours.
    assert.match(mail.text ?? '', /When: Thursday 16 December 2027, 12:00 to 14:00 \(Central European Standard Time, UTC\+1; Europe\/Berlin\)/);
    assert.match(mail.text ?? '', /About twenty of us, with banners and candles\./);
    assert.match(mail.text ?? '', /http:\/\/placard\.test\/admin\/actions\/\d+\/protests/);
    // Once per organiser: wait a moment for any second copy.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(smtp.messages.filter((m) => /Cologne/.test(m.subject ?? '')).length, 2);
    assert.equal(smtp.to('gone@example.org').length, 0, 'a disabled organiser is not emailed');
  });

  it('refuses a post from another site before storing anything', async () => {
    const before = (await proposals()).length;
    for (const [header, value] of [['Origin', 'https://evil.example'], ['Sec-Fetch-Site', 'cross-site']] as const) {
      await request(t.app).post(FORM).set(header, value).type('form').send({ rendered: oldStamp(), ...GOOD }).expect(403);
    }
    assert.equal((await proposals()).length, before);
  });

  it('sends odd input back with a message beside each field (4xx, never a 500), and stores nothing', async () => {
    const before = (await proposals()).length;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: '' }, 'name', /Enter your name/],
      [{ name: 'visit https://evil.example' }, 'name', /Enter your name without web or email addresses/],
      [{ email: 'not-an-email' }, 'email', /Enter an email address like name@example\.org/],
      [{ country: 'XX' }, 'country', /Choose the country of the protest/],
      [{ city: '   ' }, 'city', /Enter the town or city/],
      [{ place: 'x'.repeat(201) }, 'place', /Shorten this: it is too long/],
      [{ place: 'Embassy\u202E' }, 'place', /Remove the special characters from this/],
      [{ date: '16/12/2027' }, 'date', /Enter the date as year-month-day/],
      [{ date: '2027-02-30' }, 'date', /Enter the date as year-month-day/],
      [{ date: '2020-12-16' }, 'date', /Enter a date to come/],
      [{ date: '2099-12-16' }, 'date', /Enter the date as year-month-day/],
      [{ start: '25:00' }, 'start', /Enter the start time as hours:minutes/],
      [{ end: '11:00' }, 'end', /Enter the end time as hours:minutes, after the start/],
      [{ time_zone: 'Mars/Olympus' }, 'time_zone', /Choose the time zone of the protest/],
      [{ time_zone: '+05:00' }, 'time_zone', /Choose the time zone of the protest/],
      [{ description: 'y'.repeat(2001) }, 'description', /Shorten this: it is too long/],
    ];
    for (const [fields, field, message] of cases) {
      await t.db.pool.query('DELETE FROM rate_limit_hits');
      const res = await propose({ ...GOOD, ...fields });
      assert.equal(res.status, 422, `${JSON.stringify(fields).slice(0, 60)}: ${res.status}`);
      assert.match(res.text, new RegExp(`<p class="field-error" id="propose-${field}-error">[^<]*<span[^>]*>[^<]*</span> ${message.source}`), field);
      assert.match(res.text, new RegExp(`href="#propose-${field}"`), 'the error summary links to the field');
      assert.match(res.text, /value="Hamburg"|value="Dana"/, 'what was typed is kept');
    }
    // A repeated field (an array) and a body that is no form at all.
    const agent = request.agent(t.app);
    const token = await openForm(agent, FORM);
    const repeated = await agent.post(FORM).type('form').send('name=a&name=b&email=x%40example.org');
    assert.equal(repeated.status, 422);
    const json = await agent.post(FORM).set('Content-Type', 'application/json').send(JSON.stringify({ _csrf: token, ...GOOD }));
    assert.ok(json.status >= 400 && json.status < 500, `JSON body: ${json.status}`);
    await request(t.app).get('/actions/no-such-call/propose').expect(404);
    await request(t.app).get('/actions/NOT_A_SLUG/propose').expect(404);
    assert.equal((await proposals()).length, before);
  });

  it('turns a bot away quietly (honeypot), and sends a form sent back too soon again, storing neither', async () => {
    const before = (await proposals()).length;
    const bot = expectStatus(await propose({ ...GOOD, website: 'https://spam.example' }), 303);
    assert.equal(bot.headers.location, `${FORM}?sent=1`);
    const agent = request.agent(t.app);
    const page = await agent.get(FORM).expect(200);
    const stamp = /name="rendered" value="([^"]+)"/.exec(page.text)![1]!;
    const fast = await agent.post(FORM).type('form').send({ rendered: stamp, ...GOOD });
    assert.equal(fast.status, 422);
    assert.match(fast.text, /Check your details, then press “Send the proposal” again/);
    assert.equal((await proposals()).length, before);
  });

  it('is closed on a call that takes no proposals (no link to it), and there is none on a petition', async () => {
    await request(t.app).get('/actions/closed-to-proposals/propose').expect(409);
    const agent = request.agent(t.app);
    const token = await openForm(agent, FORM);
    await agent.post('/actions/closed-to-proposals/propose').type('form').send({ _csrf: token, rendered: oldStamp(), ...GOOD }).expect(409);
    assert.doesNotMatch((await request(t.app).get('/actions/closed-to-proposals').expect(200)).text, /\/actions\/closed-to-proposals\/propose/);
    assert.match((await request(t.app).get('/actions/zhanaozen-day').expect(200)).text, /<a href="\/actions\/zhanaozen-day\/propose">Tell us about your protest<\/a>/);
    await t.db.pool.query("INSERT INTO actions (kind, slug, title, demand, status) VALUES ('petition', 'a-petition', 'A petition', 'Free them.', 'open')");
    await request(t.app).get('/actions/a-petition/propose').expect(404);
  });

  it('limits how many proposals one client sends, counted in the database for every instance', async () => {
    for (let i = 0; i < 5; i++) expectStatus(await propose({ ...GOOD, city: `Town ${i}` }), 303);
    const res = await propose({ ...GOOD, city: 'One too many' });
    assert.equal(res.status, 429);
    assert.equal((await t.db.pool.query("SELECT count(*)::int AS n FROM protests WHERE city = 'One too many'")).rows[0].n, 0);
    const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM rate_limit_hits WHERE key LIKE '%propose-burst%'");
    assert.ok(rows[0].n >= 1, 'the window is a row in PostgreSQL');
  });
});
