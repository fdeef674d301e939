// A supporter on a phone, in headless Chromium: asks on /privacy for the link
// to their data, opens it from the real email, withdraws a signature, then
// erases everything. Each page passes axe-core (no serious or critical
// violations), fits the screen, logs no error; screenshots in data/screenshots/privacy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { findChromium, launchChromium, newPhoneContext, requireChromium, skipUnlessChromium, startHttpServer, watchForErrors, type TestHttpServer } from '../helpers/browser.ts';
import { pressButtonBehind, signPetition } from '../helpers/forms.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const chromium = findChromium();
const AXE = fs.readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = path.resolve(import.meta.dirname, '../../data/screenshots/privacy');

/** axe's serious and critical violations, content wider than the screen, and the console's errors; a full-page screenshot. */
async function checkPage(page: Page, name: string, problems: string[]): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const found = [...violations, ...problems, ...(overflow > 1 ? [`wider than the screen by ${overflow}px`] : [])].map((p) => `${name}: ${p}`);
  problems.length = 0;
  return found;
}

describe('a supporter’s data on a phone, in Chromium', { skip: skipUnlessChromium(chromium) }, () => {
  let smtp: TestSmtpServer | undefined;
  let server: TestHttpServer | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const executablePath = requireChromium(chromium);
    fs.mkdirSync(SHOTS, { recursive: true });
    smtp = await new TestSmtpServer().start();
    server = await startHttpServer();
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, BASE_URL: server.baseUrl } });
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

  it('asks for the link, sees the data, withdraws a signature and erases the rest', { timeout: 90_000 }, async () => {
    assert.ok(browser && server && smtp && t);
    const email = `phone.${Date.now()}@example.org`;
    assert.equal((await signPetition(t.app, { email, name: 'Phone Person', locality: 'Aktau', comment: 'With you', wants_updates: 'yes' })).status, 303);
    const [confirmMail] = await smtp.waitFor((m) => m.envelopeTo.includes(email));
    await pressButtonBehind(t.app, confirmationLink(confirmMail!));

    const context = await newPhoneContext(browser, server.baseUrl);
    const found: string[] = [];
    try {
      const page = await context.newPage();
      const problems = watchForErrors(page);
      await page.goto('/privacy');
      found.push(...(await checkPage(page, 'notice-and-form', problems)));
      const form = page.getByRole('region', { name: 'See, download or delete what we hold about you' });
      await form.getByRole('button', { name: 'Send me the link' }).tap();
      // An empty address is the field's error, on the page again.
      await page.getByText('Enter an email address like name@example.org.').waitFor();
      problems.length = 0; // the 422 of that answer is expected
      await form.getByLabel('Email address').fill(email);
      await form.getByRole('button', { name: 'Send me the link' }).tap();
      await page.waitForURL('**/privacy/check-email');
      found.push(...(await checkPage(page, 'check-email', problems)));

      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email) && m.subject === 'Your data: the link you asked for');
      assert.match(mail!.html || '', /word-break:break-all/, 'the long link wraps on a phone');
      const link = /https?:\/\/\S+\/privacy\/data\/[A-Za-z0-9_-]+/.exec(mail!.text ?? '')![0];
      await page.goto(link);
      assert.ok(await page.getByRole('heading', { level: 1, name: 'What we hold about you' }).isVisible());
      assert.ok(await page.getByText('With you').isVisible());
      found.push(...(await checkPage(page, 'data', problems)));

      await page.getByRole('button', { name: /Withdraw this signature/ }).tap();
      await page.waitForURL('**?done=withdrawn');
      assert.ok(await page.getByText('The signature is withdrawn and no longer counted.').isVisible());
      found.push(...(await checkPage(page, 'withdrawn', problems)));

      await page.getByLabel('I understand: erase everything you hold about me').check();
      await page.getByRole('button', { name: 'Erase everything' }).tap();
      await page.waitForURL('**/privacy?done=erased');
      assert.ok(await page.getByRole('heading', { level: 1, name: 'Everything we held about you is erased' }).isVisible());
      found.push(...(await checkPage(page, 'erased', problems)));

      await page.goto(link);
      assert.ok(await page.getByRole('heading', { level: 1, name: 'This link no longer works' }).isVisible());
      problems.length = 0; // its 410 is the point
      found.push(...(await checkPage(page, 'link-unusable', problems)));
    } finally {
      await context.close();
    }
    assert.deepEqual(found, []);
  });
});
