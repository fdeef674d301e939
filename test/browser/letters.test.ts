// An organiser writes a letter action and a supporter sends it, in headless
// Chromium: the organiser creates the action, is led to its letter, writes it
// to the Bar Council and opens the action; the supporter, on a phone, sees the
// letter on the action page fill in with their name as they type it (the
// page's script, under the site's CSP), signs, confirms from the real email;
// and the Bar Council's mailbox receives the letter. Nothing is red in either
// console.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAccount } from '../helpers/admin.ts';
import { findChromium, launchChromium, newPhoneContext, requireChromium, skipUnlessChromium, startHttpServer, watchForErrors, type TestHttpServer } from '../helpers/browser.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const chromium = findChromium();
const AXE = fs.readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = path.resolve(import.meta.dirname, '../../data/screenshots/letters');

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
const TITLE = 'Bar Council: do not go to Astana';
const BAR_COUNCIL = 'bar-council@example.org';


describe('an organiser writes a letter that a supporter sends, in Chromium', { skip: skipUnlessChromium(chromium) }, () => {
  let smtp: TestSmtpServer | undefined;
  let server: TestHttpServer | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const executablePath = requireChromium(chromium);
    smtp = await new TestSmtpServer().start();
    server = await startHttpServer();
    // SIGN_MIN_SECONDS=0: a test fills the form faster than a person.
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, BASE_URL: server.baseUrl, SIGN_MIN_SECONDS: '0', LETTERS_PACING: 'off' } });
    // For the directory: the Bar Council is one of the demo's recipients.
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

  it('from a new letter action to the recipient\'s mailbox', { timeout: 120_000 }, async () => {
    assert.ok(browser && server && smtp && t);
    const organiser = await createAccount(t, { role: 'organiser', name: 'Aliya Organiser' });
    const desk = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 900 } });
    const phone = await newPhoneContext(browser, server.baseUrl);
    try {
      const admin = await desk.newPage();
      const adminProblems = watchForErrors(admin);
      await admin.goto('/admin/actions/new');
      await admin.waitForURL('**/admin/sign-in?next=*');
      await admin.getByLabel('Email address').fill(organiser.email);
      await admin.getByLabel('Password').fill(organiser.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await admin.waitForURL('**/admin/actions/new');

      // A letter action, saved as a draft, leads to its letter.
      await admin.locator('#action-kind').selectOption('letter');
      await admin.locator('#action-title').fill(TITLE);
      await admin.locator('#action-demand').fill('We ask the Bar Council not to promote business in Kazakhstan while the Zhanaozen shootings go unpunished.');
      await admin.getByRole('button', { name: 'Save as draft' }).click();
      await admin.waitForURL(/\/admin\/actions\/\d+\/letter\?done=actionCreated$/);
      const actionId = /\/admin\/actions\/(\d+)/.exec(admin.url())![1];

      // The letter, to the Bar Council, one per signature.
      await admin.locator('#letter-subject').fill('A letter from {{signer_name}}');
      await admin.locator('#letter-body').fill('Dear {{recipient_title}},\n\nPlease call off the mission to Kazakhstan.\n\nYours sincerely,\n\n{{signer_name}}\n{{signer_town}}');
      await admin.getByLabel('The Bar Council of England and Wales', { exact: false }).check();
      await admin.getByRole('button', { name: 'Save the letter' }).click();
      await admin.waitForURL(/\/letter\?done=created$/);
      await admin.goto(`/admin/actions/${actionId}/edit`);
      await admin.getByRole('button', { name: 'Open the action' }).click();
      await admin.waitForURL(/\/admin\/actions\/\d+/);
      const slug = (await t.db.pool.query('SELECT slug, status FROM actions WHERE id = $1', [actionId])).rows[0];
      assert.equal(slug.status, 'open');

      // The supporter sees the letter, and their name in it as they type.
      const page = await phone.newPage();
      const problems = watchForErrors(page);
      const email = `supporter.${process.pid}.${Date.now()}@example.org`;
      await page.goto(`/actions/${slug.slug}`);
      const region = page.getByRole('region', { name: TITLE });
      const subject = region.locator('[data-letter-subject]');
      assert.equal(await subject.innerText(), 'A letter from [your name]');
      await region.getByText('The Bar Council of England and Wales (Chair of the Bar)').waitFor();
      assert.equal(await region.locator('[data-letter-nojs]').isVisible(), false, 'with a script, the sign form fills the letter in');
      await region.getByLabel('Your name', { exact: true }).fill('Dana Supporter');
      await region.getByLabel('Town or postcode (optional)').fill('Leeds');
      await subject.filter({ hasText: 'A letter from Dana Supporter' }).waitFor();
      await region.locator('[data-letter-body]').getByText('Leeds').waitFor();
      await region.getByLabel('Email address').fill(email);
      await region.getByLabel('Country', { exact: true }).selectOption('GB');
      await region.getByLabel('Let the recipient reply to me by email').check();
      await region.getByRole('button', { name: 'Sign' }).tap();
      await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email));
      await page.goto(confirmationLink(mail!));
      await page.getByRole('button', { name: 'Confirm my signature' }).tap();
      await page.getByRole('heading', { level: 1, name: 'Thank you for signing' }).waitFor();
      assert.deepEqual(adminProblems, [], 'no console errors in the admin');
      assert.deepEqual(problems, [], 'no console errors on the supporter\'s phone');

      // LETTERS_PACING=off: the letter goes at once, whatever the hour in London.
      const [letter] = await smtp.waitFor((m) => m.envelopeTo.includes(BAR_COUNCIL), 1, 60_000);
      assert.equal(letter!.subject, 'A letter from Dana Supporter');
      assert.match(letter!.text ?? '', /Dear Chair of the Bar,\s+Please call off the mission to Kazakhstan\.[\s\S]*Dana Supporter\s+Leeds/);
      assert.equal(letter!.replyTo?.value[0]?.address, email, 'the supporter agreed to replies');
    } finally {
      await desk.close();
      await phone.close();
    }
  });

  it('shows the demo embassy letter on a phone, with a script and without, accessibly', { timeout: 60_000 }, async () => {
    assert.ok(browser && server);
    const found: string[] = [];
    for (const withScript of [true, false]) {
      const context = await newPhoneContext(browser, server.baseUrl);
      try {
        const page = await context.newPage();
        // Without the letter's script (blocked, or an old browser): its own form asks the server instead.
        if (!withScript) await page.route('**/assets/letter-preview.js', (route) => route.fulfill({ contentType: 'text/javascript', body: '' }));
        const problems = watchForErrors(page);
        await page.goto('/actions/zhanaozen-letter-to-the-embassy');
        const panel = page.getByRole('region', { name: 'The letter' });
        await panel.getByText('Choose your country to see who your letter goes to.').waitFor();
        if (withScript) {
          await page.getByLabel('Your name', { exact: true }).fill('Marie Dubois');
          await page.getByLabel('Country', { exact: true }).selectOption('FR');
          await panel.getByText('From France, your letter goes to Embassy of the Republic of Kazakhstan in Paris.').waitFor();
          await panel.locator('[data-letter-body]').getByText('Marie Dubois').waitFor();
          found.push(...(await inspect(page, 'embassy-letter-typed')));
        } else {
          found.push(...(await inspect(page, 'embassy-letter-no-script')));
          await panel.getByLabel('Name on the letter').fill('Marie Dubois');
          await panel.getByLabel('Country it comes from').selectOption('FR');
          await panel.getByRole('button', { name: 'Show my letter' }).click();
          await page.waitForURL(/\/letter\?name=Marie\+Dubois&country=FR$/);
          await page.getByText('From France, your letter goes to Embassy of the Republic of Kazakhstan in Paris.').waitFor();
          await page.locator('[data-letter-body]').getByText('Marie Dubois').waitFor();
          found.push(...(await inspect(page, 'embassy-letter-page')));
        }
        found.push(...problems);
      } finally {
        await context.close();
      }
    }
    assert.deepEqual(found, [], 'no axe-core violation, nothing wider than a phone, no console error');
  });
});
