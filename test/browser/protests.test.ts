// A supporter finds their protest on the demo's Zhanaozen call, on a phone, in
// headless Chromium: the browser speaks German (de-DE), so Germany and its
// Berlin protest come first; the supporter lives in Brussels and chooses
// Belgium with the page's country form; RSVPs there with a first name and an
// email; confirms from the real email (the button on the confirmation page);
// sees the protest's count and the call's go from 0 to 1; and downloads the
// protest's calendar file (times in UTC, its summary, place and a UID that is
// the same on every download). axe-core finds no violation on the call's page
// and the RSVP's pages, nothing is wider than the phone, nothing is red in the
// console. Screenshots are kept in data/screenshots/protests/ for a person to look at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import type { Browser, Locator, Page } from 'playwright-core';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { findChromium, launchChromium, newPhoneContext, requireChromium, skipUnlessChromium, startHttpServer, watchForErrors, type TestHttpServer } from '../helpers/browser.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const chromium = findChromium();
const AXE = fs.readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = path.resolve(import.meta.dirname, '../../data/screenshots/protests');
const CALL = '/actions/zhanaozen-anniversary-protests';
const CALL_TITLE = 'Zhanaozen anniversary: protest at Kazakhstan’s embassy on 16 December';
const EMBASSY = 'Embassy of the Republic of Kazakhstan';

type AxeResult = { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };

/** axe-core's violations (every impact), the page's overflow on a phone, and a screenshot to look at. */
async function inspect(page: Page, name: string): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<AxeResult> } }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  return [...violations.map((v) => `${name}: ${v}`), ...(overflow > 1 ? [`${name}: wider than the screen by ${overflow}px`] : [])];
}

/** A text's words with its runs of white space as one space. */
const words = async (locator: Locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/** The headings of the call's countries, and the first city, in the page's order. */
async function order(page: Page): Promise<{ countries: string[]; firstCity: string }> {
  const protests = page.getByRole('region', { name: 'Protests', exact: true });
  return {
    countries: await protests.getByRole('heading', { level: 3 }).allInnerTexts(),
    firstCity: await protests.getByRole('heading', { level: 4 }).first().innerText(),
  };
}

/** An .ics file's properties of its one VEVENT, unfolded (RFC 5545 3.1) and unescaped (3.3.11). */
function parseIcs(text: string): Record<string, string> {
  assert.match(text, /^BEGIN:VCALENDAR\r\n/, 'a calendar, with CRLF line ends');
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n');
  const begin = lines.indexOf('BEGIN:VEVENT');
  const end = lines.indexOf('END:VEVENT');
  assert.ok(begin >= 0 && end > begin, 'one event');
  assert.equal(lines.filter((l) => l === 'BEGIN:VEVENT').length, 1, 'only one event');
  const event: Record<string, string> = {};
  for (const line of lines.slice(begin + 1, end)) {
    const colon = line.indexOf(':');
    const [name = '', ...params] = line.slice(0, colon).split(';');
    assert.deepEqual(params.filter((p) => p.startsWith('TZID')), [], `${name} has no TZID: its time is in UTC`);
    event[name] = line.slice(colon + 1).replace(/\\([\\;,])/g, '$1').replace(/\\[nN]/g, '\n');
  }
  return event;
}

/** Taps the link and takes the file it downloads (playwright's download event): its name and its text. */
async function download(page: Page, link: Locator): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), link.tap()]);
  const saved = await file.path();
  return { name: file.suggestedFilename(), text: fs.readFileSync(saved, 'utf8') };
}

describe('a supporter finds the protest in their city and RSVPs, on a phone, in Chromium', { skip: skipUnlessChromium(chromium) }, () => {
  let smtp: TestSmtpServer | undefined;
  let server: TestHttpServer | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const executablePath = requireChromium(chromium);
    smtp = await new TestSmtpServer().start();
    server = await startHttpServer();
    // SIGN_MIN_SECONDS=0: a test fills the form faster than a person (the RSVP form has the sign form's timing check).
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, BASE_URL: server.baseUrl, SIGN_MIN_SECONDS: '0', PAGE_CACHE_MS: '5000' } });
    // The demo's Zhanaozen call, its six embassy protests on 16 December of next year.
    await loadDemoContent(t.db.pool, createLogger('silent'));
    server.serve(t.app);
    browser = await launchChromium(executablePath);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
    await smtp?.stop();
  });

  it('from the country the browser speaks to their own city\'s protest: RSVP, confirmed by email, counted, in the calendar', { timeout: 120_000 }, async () => {
    assert.ok(browser && server && smtp && t);
    const brussels = (await t.db.pool.query<{ id: number; starts_at: Date; ends_at: Date; address: string }>(
      "SELECT p.id, p.starts_at, p.ends_at, p.address FROM protests p JOIN actions a ON a.id = p.action_id WHERE a.slug = 'zhanaozen-anniversary-protests' AND p.city = 'Brussels'",
    )).rows[0];
    assert.ok(brussels, 'the demo has a protest in Brussels');
    const context = await newPhoneContext(browser, server.baseUrl, { locale: 'de-DE' });
    const found: string[] = [];
    try {
      const page = await context.newPage();
      const problems = watchForErrors(page);
      assert.equal(await page.evaluate(() => navigator.language), 'de-DE');

      // The browser speaks German: Germany is preselected, and its Berlin protest comes first.
      await page.goto(CALL);
      await page.getByRole('heading', { level: 1, name: CALL_TITLE }).waitFor();
      const country = page.getByLabel('Show protests in');
      assert.equal(await country.inputValue(), 'DE', 'Germany preselected from the browser\'s language');
      assert.equal(await country.locator('option:checked').innerText(), 'Germany');
      const german = await order(page);
      assert.equal(german.countries[0], 'Germany');
      assert.equal(german.firstCity, 'Berlin');
      assert.equal(german.countries.length, 6, `six countries: ${german.countries.join(', ')}`);
      assert.equal(await words(page.locator('.call-going')), '0 people are going (confirmed by email).');
      found.push(...(await inspect(page, 'call-germany-first')));

      // The supporter lives in Brussels: they choose Belgium with the page's form.
      await country.selectOption({ label: 'Belgium' });
      await page.getByRole('button', { name: 'Show', exact: true }).tap();
      await page.waitForURL(`**${CALL}?country=BE`);
      assert.equal(await page.getByLabel('Show protests in').inputValue(), 'BE');
      const belgian = await order(page);
      assert.equal(belgian.countries[0], 'Belgium');
      assert.equal(belgian.firstCity, 'Brussels');
      assert.deepEqual([...belgian.countries].sort(), [...german.countries].sort(), 'the same countries, Belgium first');

      // Its protest, in its own local time, with its places.
      const protest = page.getByRole('region', { name: 'Belgium' }).getByRole('article', { name: EMBASSY });
      assert.equal(await protest.getAttribute('id'), `protest-${brussels.id}`);
      const day = DateTime.fromJSDate(brussels.starts_at, { zone: 'Europe/Brussels' });
      assert.equal(day.toFormat('MM-dd HH:mm'), '12-16 12:30', 'the demo protest is at 12:30 on 16 December in Brussels');
      assert.equal(
        await words(protest.locator('.protest-when')),
        `${day.setLocale('en-GB').toFormat('cccc d MMMM yyyy')}, 12:30 to 14:00 Central European Standard Time (UTC+1), local time`,
      );
      assert.equal(await words(protest.locator('.protest-count')), '0 going · 40 places left');
      found.push(...(await inspect(page, 'call-belgium-chosen')));

      // The RSVP: a first name and an email, nothing else.
      const email = `rsvp.${process.pid}.${Date.now()}@example.org`;
      const form = protest.getByRole('group', { name: 'I will come' });
      await form.getByLabel('Name to call you by').fill('Aliya');
      await form.getByLabel('Email address').fill(email);
      await form.getByRole('button', { name: 'RSVP' }).tap();
      await page.waitForURL(`**/protests/${brussels.id}/check-email`);
      await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
      await page.getByText(`Your RSVP to ${EMBASSY}, Brussels counts once you press the button`).waitFor();
      found.push(...(await inspect(page, 'rsvp-check-email')));

      // Not counted before it is confirmed.
      await page.goto(`${CALL}?country=BE`);
      assert.equal(await words(protest.locator('.protest-count')), '0 going · 40 places left', 'an unconfirmed RSVP does not count');

      // The email, over SMTP: its link opens a page whose button confirms (a scanner's GET changes nothing).
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email));
      assert.ok(mail);
      assert.equal(mail.subject, `Please confirm your RSVP: ${EMBASSY}, Brussels`);
      const ownPage = /https?:\/\/\S+\/rsvp\/[0-9]+\.[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0];
      assert.ok(ownPage, 'the email links to the RSVP\'s own page');
      await page.goto(confirmationLink(mail));
      await page.getByRole('heading', { level: 1, name: 'Confirm your RSVP' }).waitFor();
      await page.getByText('Name: Aliya').waitFor();
      await page.getByText(`Where: ${EMBASSY}, Brussels (${brussels.address})`).waitFor();
      await page.getByText(`When: ${day.setLocale('en').toFormat('cccc d LLLL yyyy')}, 12:30, Central European Standard Time (GMT+1)`).waitFor();
      found.push(...(await inspect(page, 'rsvp-confirm')));
      await page.getByRole('button', { name: 'Confirm my RSVP' }).tap();
      await page.waitForURL(`**/protests/${brussels.id}/thanks`);
      await page.getByRole('heading', { level: 1, name: 'See you there' }).waitFor();
      assert.equal(await words(page.locator('.rsvp-count')), 'Confirmed so far, you included: 1.');
      found.push(...(await inspect(page, 'rsvp-thanks')));

      // The calendar file from the thank-you page.
      const fromThanks = await download(page, page.getByRole('link', { name: 'Add it to your calendar' }));

      // Back on the call's page: the protest and the call count the RSVP (German browser again: Germany first).
      await page.getByRole('link', { name: 'Back to the protests' }).tap();
      await page.waitForURL(`**${CALL}#protest-${brussels.id}`);
      assert.equal((await order(page)).countries[0], 'Germany');
      const counted = page.locator(`#protest-${brussels.id}`);
      assert.equal(await words(counted.locator('.protest-count')), '1 going · 39 places left');
      assert.equal(await words(page.locator('.call-going')), '1 person is going (confirmed by email).');
      found.push(...(await inspect(page, 'call-counted')));

      // The calendar file from the call's page: UTC times (CET is UTC+1 in December), the protest's words, one UID.
      const fromCall = await download(page, counted.getByRole('link', { name: 'Add to your calendar (.ics)' }));
      assert.equal(fromCall.name, `protest-${brussels.id}-brussels.ics`);
      const event = parseIcs(fromCall.text);
      const year = day.year;
      assert.equal(event.DTSTART, `${year}1216T113000Z`);
      assert.equal(event.DTEND, `${year}1216T130000Z`);
      assert.equal(event.DTSTART, DateTime.fromJSDate(brussels.starts_at).toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'"));
      assert.equal(event.DTEND, DateTime.fromJSDate(brussels.ends_at).toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'"));
      assert.equal(event.SUMMARY, `${EMBASSY}, Brussels: ${CALL_TITLE}`);
      assert.equal(event.LOCATION, `${EMBASSY}, ${brussels.address}`);
      assert.match(brussels.address, /Brussels/, 'the address names the city, so the location names it once');
      assert.equal(event.UID, `protest-${brussels.id}@${new URL(server.baseUrl).host}`);
      assert.equal(event.STATUS, 'CONFIRMED');
      const again = parseIcs(fromThanks.text);
      assert.equal(again.UID, event.UID, 'the UID is the same on every download: a calendar updates its entry');
      assert.equal(fromThanks.text, fromCall.text, 'one version of a protest is one file');

      // The RSVP's own page, from the email: the RSVP is live and can be cancelled there.
      await page.goto(new URL(ownPage).pathname);
      await page.getByRole('heading', { level: 1, name: 'Your RSVP' }).waitFor();
      await page.getByText('You are on the list.').waitFor();
      await page.getByRole('button', { name: 'Cancel my RSVP' }).waitFor();
      found.push(...(await inspect(page, 'rsvp-own-page')));

      assert.deepEqual(problems, [], 'no console errors, page errors, CSP violations or error responses');
      assert.deepEqual(found, [], 'no axe-core violation, nothing wider than the phone');
    } finally {
      await context.close();
    }
  });

  it('preselects the country of the browser\'s region, and none for a language alone', { timeout: 60_000 }, async () => {
    assert.ok(browser && server);
    const cases: [locale: string, country: string, name: string, city: string][] = [
      ['en-GB', 'GB', 'United Kingdom', 'London'],
      ['fr-FR', 'FR', 'France', 'Paris'],
      ['en-US', 'US', 'United States of America', 'Washington'],
      // "de" says which language, not where: nothing is preselected, countries by name.
      ['de', '', 'All countries', 'Brussels'],
    ];
    for (const [locale, code, name, city] of cases) {
      const context = await newPhoneContext(browser, server.baseUrl, { locale });
      try {
        const page = await context.newPage();
        const problems = watchForErrors(page);
        await page.goto(CALL);
        const country = page.getByLabel('Show protests in');
        assert.equal(await country.inputValue(), code, `${locale}: ${name}`);
        assert.equal(await country.locator('option:checked').innerText(), name, locale);
        const { countries, firstCity } = await order(page);
        assert.equal(firstCity, city, `${locale}: ${city} first`);
        if (code) assert.equal(countries[0], name);
        assert.deepEqual(problems, [], locale);
      } finally {
        await context.close();
      }
    }
  });
});
