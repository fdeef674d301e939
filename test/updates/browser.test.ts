// The updates pages in Chromium on a phone, as an organiser and a supporter
// use them: compose, preview (the email's own HTML in its frame, with no CSP
// violation), the update's page, and the unsubscribe page with its one
// button. axe-core finds no serious or critical violation; screenshots are
// kept in data/screenshots/updates/ for a person to look at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { listConsents } from '../../src/supporters/supporters.repo.ts';
import { deriveUnsubscribeKey, unsubscribeToken } from '../../src/updates/unsubscribe-token.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAccount } from '../helpers/admin.ts';
import { findChromium, launchChromium, newPhoneContext, requireChromium, skipUnlessChromium, startHttpServer, watchForErrors, type TestHttpServer } from '../helpers/browser.ts';
import { createAction, seedSupporters } from './seed.ts';

const chromium = findChromium();
const AXE = fs.readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = path.resolve(import.meta.dirname, '../../data/screenshots/updates');

async function check(page: Page, name: string, problems: string[]): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; help: string }[] }> } }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help}`);
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const found = [...violations, ...problems, ...(overflow > 1 ? [`wider than the screen by ${overflow}px`] : [])].map((p) => `${name}: ${p}`);
  problems.length = 0;
  return found;
}

describe('the updates pages on a phone', { skip: skipUnlessChromium(chromium) }, () => {
  let server: TestHttpServer | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  before(async () => {
    const executablePath = requireChromium(chromium);
    server = await startHttpServer();
    t = await createTestApp({ env: { BASE_URL: server.baseUrl } });
    server.serve(t.app);
    browser = await launchChromium(executablePath);
    fs.mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
    await server?.close();
  });

  it('composes and previews an update, then unsubscribes with one button', async () => {
    const actionId = await createAction(t!, 'free-max', 'Free Max Bokayev now');
    const [supporterId] = await seedSupporters(t!, { prefix: 'phone', count: 1, actionId });
    context = await newPhoneContext(browser!, server!.baseUrl);
    const page = await context.newPage();
    const problems = watchForErrors(page);
    const found: string[] = [];

    const organiser = await createAccount(t!, { role: 'organiser', name: 'Aliya Organiser' });
    await page.goto('/admin/sign-in');
    await page.getByLabel('Email address').fill(organiser.email);
    await page.getByLabel('Password').fill(organiser.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/admin/sign-in'));

    await page.goto('/admin/updates/new');
    found.push(...(await check(page, 'compose', problems)));
    await page.getByLabel('Subject').fill('The court hearing is on Monday');
    await page.getByLabel('Message (Markdown)').fill(`## Monday, 10:00\n\nCome to the court, or sign: ${server!.baseUrl}/actions/free-max-with-a-very-long-address-that-must-wrap-on-a-phone-screen\n\n**Thank you.**`);
    await page.getByLabel('Those of them who signed one of the actions ticked below').check();
    await page.getByLabel('Free Max Bokayev now').check();
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForSelector('iframe.admin-update-preview-frame');
    const frame = page.frameLocator('iframe.admin-update-preview-frame');
    assert.match((await frame.locator('body').innerText()), /You are receiving this because you agreed to receive updates from Placard when you signed “Free Max Bokayev now”/);
    await page.locator('iframe.admin-update-preview-frame').screenshot({ path: path.join(SHOTS, 'preview-email.png') });
    found.push(...(await check(page, 'preview', problems)));
    await page.getByRole('button', { name: 'Save as a draft' }).click();
    await page.waitForURL(/\/admin\/updates\/\d+/);
    found.push(...(await check(page, 'update', problems)));

    const key = deriveUnsubscribeKey(t!.config.appSecret!);
    await page.goto(`/unsubscribe/${unsubscribeToken(key, supporterId!)}`);
    found.push(...(await check(page, 'unsubscribe', problems)));
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    found.push(...(await check(page, 'unsubscribed', problems)));
    assert.equal((await listConsents(t!.db.pool, supporterId!))[0]!.withdrawn_via, 'unsubscribe-link');
    assert.deepEqual(found, []);
  });
});
