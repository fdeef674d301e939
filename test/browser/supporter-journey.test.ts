// A supporter's journey on a phone (390×844) in headless Chromium: the post
// with its "Sign now" link, the form sent empty (the error summary focused,
// each field's message, "Error:" in the title), the tab restored without a 404,
// the form sent right, the email, the thank-you page with "N from your
// country". axe-core finds no violation on any supporter page; the form stands
// beside the text on a desktop; buttons and the bar keep a border in forced
// colours. Screenshots are kept in data/screenshots/supporter/ for a person to look at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { updateCounts } from '../../src/actions/counts.ts';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import {
  findChromium,
  launchChromium,
  newPhoneContext,
  requireChromium,
  skipUnlessChromium,
  startHttpServer,
  watchForErrors,
  type TestHttpServer,
} from '../helpers/browser.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const POST = '/posts/roza-released-step-up-for-other-prisoners';
const SLUG = 'free-the-zhanaozen-prisoners';
const ACTION = `/actions/${SLUG}`;
const ACTION_TITLE = 'Free the Zhanaozen strikers still in prison';
const AXE = fs.readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = path.resolve(import.meta.dirname, '../../data/screenshots/supporter');
const PHONE_HEIGHT = 844;

const chromium = findChromium();

type AxeResult = { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };

/** axe-core's violations on the page as it is now (every impact), the page's overflow, and a screenshot. */
async function inspect(page: Page, name: string): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<AxeResult> } }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  return [...violations.map((v) => `${name}: ${v}`), ...(overflow > 1 ? [`${name}: wider than the screen by ${overflow}px`] : [])];
}

describe('a supporter on a phone, in Chromium', { skip: skipUnlessChromium(chromium) }, () => {
  let smtp: TestSmtpServer | undefined;
  let server: TestHttpServer | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const executablePath = requireChromium(chromium);
    smtp = await new TestSmtpServer().start();
    server = await startHttpServer();
    // The form-timing check stays on (SIGN_MIN_SECONDS' default): the test takes a person's time.
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, BASE_URL: server.baseUrl, CAMPAIGN_TIME_ZONE: 'Asia/Almaty', PAGE_CACHE_MS: '5000' } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
    // Signatures from several countries, so that the bar and the breakdown show something; a deadline.
    await t.db.pool.query(`
      INSERT INTO signatures (action_id, email, name, country, show_name, created_at, confirmed_at)
      SELECT (SELECT id FROM actions WHERE slug = '${SLUG}'), 'signer' || i || '@example.org', 'Signer ' || i,
             (ARRAY['KZ', 'KZ', 'KZ', 'GB', 'GB', 'FR', 'DE', 'US', 'RU', 'NO'])[1 + i % 10], i % 3 = 0,
             now() - make_interval(hours => i), now() - make_interval(hours => i) + interval '5 minutes'
      FROM generate_series(1, 137) AS i`);
    await t.db.pool.query(`UPDATE actions SET deadline = now() + interval '30 days' WHERE slug = '${SLUG}'`);
    await updateCounts(t.db.pool);
    server.serve(t.app);
    browser = await launchChromium(executablePath);
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
    await smtp?.stop();
  });

  it('jumps to the form, sends it empty, reloads without a 404, signs, confirms, and is thanked; every page passes axe', { timeout: 90_000 }, async () => {
    assert.ok(browser && server && smtp);
    const context = await newPhoneContext(browser, server.baseUrl);
    const found: string[] = [];
    try {
      const page = await context.newPage();
      const problems = watchForErrors(page);

      // The home page: a badge on the post with the open petition.
      await page.goto('/');
      await page.getByRole('link', { name: /^Petition open · 137 signed$/ }).waitFor();
      found.push(...(await inspect(page, 'home')));

      // The post: "Sign now" is on the first screen and leads to the form.
      await page.goto(POST);
      const jump = page.getByRole('link', { name: 'Sign now' });
      const box = await jump.boundingBox();
      assert.ok(box && box.y + box.height <= PHONE_HEIGHT, `the jump link is above the fold (at ${box?.y})`);
      found.push(...(await inspect(page, 'post')));
      await jump.tap();
      await page.waitForURL(`**${POST}#${SLUG}-form`);
      const formTop = await page.locator(`#${SLUG}-form`).evaluate((el) => el.getBoundingClientRect().top);
      assert.ok(formTop >= -1 && formTop < PHONE_HEIGHT / 2, `the form is in view after the jump (top at ${formTop})`);
      await page.screenshot({ path: path.join(SHOTS, 'post-after-jump.png') });

      // Sent empty: the summary takes the focus, links each problem, each field says what to do.
      await page.getByRole('region', { name: ACTION_TITLE }).getByRole('button', { name: 'Sign' }).tap();
      await page.waitForURL(`**${ACTION}/signatures`);
      assert.match(await page.title(), /^Error: Free the Zhanaozen strikers still in prison · /);
      const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
      await summary.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'error-summary', 'the summary has the focus');
      const summaryBox = await summary.boundingBox();
      assert.ok(summaryBox && summaryBox.y < PHONE_HEIGHT, 'the summary is on the first screen');
      assert.deepEqual(await summary.getByRole('link').allTextContents(), ['Enter your name', 'Enter your email address', 'Choose your country']);
      for (const [field, message] of [['name', 'Enter your name'], ['email', 'Enter your email address'], ['country', 'Choose your country']] as const) {
        // "Error:" is there for a screen reader, hidden from sight.
        assert.equal((await page.locator(`#${SLUG}-${field}-error`).innerText()).replace(/\s+/g, ' ').trim(), `Error: ${message}`);
        assert.equal(await page.locator(`#${SLUG}-${field}`).getAttribute('aria-invalid'), 'true');
      }
      found.push(...(await inspect(page, 'action-with-errors')));
      // A summary link leads to its field.
      await summary.getByRole('link', { name: 'Choose your country' }).tap();
      await page.waitForURL(`**#${SLUG}-country`);

      // The phone restores the tab: a GET of the failed form's address, which leads to the form.
      const restored = await page.goto(`${ACTION}/signatures`);
      assert.equal(restored?.status(), 200, 'no 404 after a restored tab');
      assert.ok(page.url().endsWith(`${ACTION}#${SLUG}-form`), page.url());
      assert.doesNotMatch(await page.title(), /^Error:/);

      // Signed right, after the few seconds a person takes.
      const email = `journey.${process.pid}.${Date.now()}@example.org`;
      const form = page.getByRole('region', { name: ACTION_TITLE });
      await form.getByLabel('Your name').fill('Aigerim Journey');
      await form.getByLabel('Email address').fill(email);
      await form.getByLabel('Country').selectOption({ label: 'Kazakhstan' });
      await page.waitForTimeout(3_100);
      found.push(...(await inspect(page, 'action')));
      await form.getByRole('button', { name: 'Sign' }).tap();
      await page.waitForURL(`**${ACTION}/check-email`);
      found.push(...(await inspect(page, 'check-email')));

      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email));
      assert.ok(mail, 'the confirmation email came: the form-timing check let a person through');
      await page.goto(confirmationLink(mail));
      await page.getByRole('button', { name: 'Confirm my signature' }).tap();
      // Confirming leads to the thank-you page with the signer's country (src/signatures/signature-pledge.ts).
      await page.waitForURL(`**${ACTION}/thanks?country=KZ`);
      await page.getByRole('heading', { level: 1, name: 'Thank you for signing' }).waitFor();
      assert.match(await page.locator('.from-country').innerText(), /^You are one of \d+ signers from Kazakhstan\.$/);
      found.push(...(await inspect(page, 'thanks')));

      const missing = await page.goto('/no-such-page');
      assert.equal(missing?.status(), 404);
      await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
      found.push(...(await inspect(page, 'not-found')));
      await page.goto('/actions');
      found.push(...(await inspect(page, 'actions')));
      await page.goto('/privacy');
      found.push(...(await inspect(page, 'privacy')));

      // The 422 and the 404 are answers this test asked for; nothing else may show red.
      const asked = (p: string) => /HTTP (422|404) for /.test(p) || /status of (422|404)/.test(p);
      assert.deepEqual(problems.filter((p) => !asked(p)), [], 'no console errors, page errors or CSP violations');
      assert.deepEqual(found, [], 'no axe-core violation, nothing wider than the phone');
    } finally {
      await context.close();
    }
  });

  it('puts the form beside the text on a desktop, and keeps borders in forced colours', { timeout: 60_000 }, async () => {
    assert.ok(browser && server);
    const context = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(POST);
      const text = await page.locator('.post-body').boundingBox();
      const ask = await page.locator('.post-actions').boundingBox();
      assert.ok(text && ask, 'both are shown');
      assert.ok(ask.x >= text.x + text.width, 'the action stands to the right of the text');
      assert.ok(ask.y < 900, 'and starts on the first screen');
      assert.equal(await page.getByRole('link', { name: 'Sign now' }).isVisible(), false, 'no jump link where the form is in view');
      await page.screenshot({ path: path.join(SHOTS, 'desktop-post.png'), fullPage: true });

      await page.emulateMedia({ forcedColors: 'active' });
      await page.goto(ACTION);
      const border = (selector: string) =>
        page.locator(selector).first().evaluate((el) => {
          const style = getComputedStyle(el);
          return { style: style.borderTopStyle, width: parseFloat(style.borderTopWidth) };
        });
      for (const selector of [`#${SLUG}-form button[type=submit]`, '.jump-link a', '.bar']) {
        const b = await border(selector);
        assert.ok(b.style === 'solid' && b.width >= 1, `${selector} keeps a border in forced colours: ${JSON.stringify(b)}`);
      }
      await page.screenshot({ path: path.join(SHOTS, 'desktop-action-forced-colours.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
