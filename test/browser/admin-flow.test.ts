// An organiser on a laptop and a supporter on a phone, in headless Chromium:
// the organiser signs in, writes a post, publishes it, puts a petition on it and
// opens it; the supporter finds the post on the home page, signs and confirms
// from the real email; the organiser sees the signature counted on the action's
// dashboard. Nothing is red in either console (no CSP violation, no failed load).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAccount } from '../helpers/admin.ts';
import { findChromium, launchChromium, newPhoneContext, requireChromium, skipUnlessChromium, startHttpServer, watchForErrors, type TestHttpServer } from '../helpers/browser.ts';
import { confirmationLink, TestSmtpServer } from '../helpers/smtp.ts';

const chromium = findChromium();
const POST_TITLE = 'Free Max Bokayev, jailed for a land protest';
const PETITION = 'Release Max Bokayev now';

describe('an organiser publishes a petition that a supporter signs, in Chromium', { skip: skipUnlessChromium(chromium) }, () => {
  let smtp: TestSmtpServer | undefined;
  let server: TestHttpServer | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const executablePath = requireChromium(chromium);
    smtp = await new TestSmtpServer().start();
    server = await startHttpServer();
    // SIGN_MIN_SECONDS=0: a test fills the form faster than a person, and the form-timing check would
    // quietly drop it (that check has its own tests: test/signatures/limits.test.ts, supporter-journey.test.ts).
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, BASE_URL: server.baseUrl, SIGN_MIN_SECONDS: '0' } });
    // For its authors and tags: the organiser writes the post and its petition here.
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

  it('from sign-in to a counted signature', { timeout: 90_000 }, async () => {
    assert.ok(browser && server && smtp && t);
    const organiser = await createAccount(t, { role: 'organiser', name: 'Aliya Organiser' });
    const desk = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 900 } });
    const phone = await newPhoneContext(browser, server.baseUrl);
    try {
      const admin = await desk.newPage();
      const adminProblems = watchForErrors(admin);

      // Sign in; an admin page asked for first comes back after.
      await admin.goto('/admin/posts/new');
      await admin.waitForURL('**/admin/sign-in?next=*');
      await admin.getByLabel('Email address').fill(organiser.email);
      await admin.getByLabel('Password').fill(organiser.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await admin.waitForURL('**/admin/posts/new');

      // Write the post, see its preview, save it, publish it now.
      await admin.locator('#post-title').fill(POST_TITLE);
      await admin.locator('#post-author').selectOption({ index: 1 });
      await admin.getByLabel('Political prisoners').check();
      await admin.locator('#post-body').fill('Max Bokayev was sentenced for **peaceful protest** against land reform.\n\n## What you can do\n\nSign the petition below.');
      await admin.getByRole('button', { name: 'Preview' }).click();
      await admin.locator('#preview').getByText('peaceful protest').waitFor();
      await admin.getByRole('button', { name: 'Save as draft' }).click();
      await admin.waitForURL(/\/admin\/posts\/\d+/);
      const postId = /\/admin\/posts\/(\d+)/.exec(admin.url())![1];
      await admin.getByLabel('Publish now').check();
      await admin.getByRole('button', { name: 'Publish', exact: true }).click();
      await admin.waitForURL(/\/admin\/posts\/\d+/);

      // A petition on that post, opened.
      await admin.goto(`/admin/actions/new?post=${postId}`);
      await admin.locator('#action-kind').selectOption('petition');
      await admin.locator('#action-title').fill(PETITION);
      await admin.locator('#action-demand').fill('We call on the authorities of Kazakhstan to release Max Bokayev.');
      await admin.locator('#action-target').fill('The Prosecutor General of Kazakhstan');
      await admin.locator('#action-goal').fill('500');
      await admin.getByRole('button', { name: 'Save as draft' }).click();
      await admin.waitForURL(/\/admin\/actions\/\d+/);
      const actionId = /\/admin\/actions\/(\d+)/.exec(admin.url())![1];
      if (!admin.url().endsWith('/edit')) await admin.goto(`/admin/actions/${actionId}/edit`);
      await admin.getByRole('button', { name: 'Open the action' }).click();
      await admin.waitForURL(/\/admin\/actions\/\d+/);

      // The supporter, on a phone: the home page lists the post; its petition is signed and confirmed.
      const page = await phone.newPage();
      const problems = watchForErrors(page);
      const email = `supporter.${process.pid}.${Date.now()}@example.org`;
      await page.goto('/');
      await page.getByRole('link', { name: POST_TITLE }).first().tap();
      const form = page.getByRole('region', { name: PETITION });
      await form.getByLabel('Your name').fill('Dana Supporter');
      await form.getByLabel('Email address').fill(email);
      await form.getByLabel('Country').selectOption({ label: 'Kazakhstan' });
      await form.getByRole('button', { name: 'Sign' }).tap();
      await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email));
      await page.goto(confirmationLink(mail!));
      await page.getByRole('button', { name: 'Confirm my signature' }).tap();
      await page.getByRole('heading', { level: 1, name: 'Thank you for signing' }).waitFor();

      // The organiser's dashboard counts it (the count loop runs every 200 ms in tests).
      let counted = '';
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await admin.waitForTimeout(300)) {
        await admin.goto(`/admin/actions/${actionId}`);
        counted = (await admin.locator('[data-count]').first().innerText()).trim();
        if (counted === '1') break;
      }
      assert.equal(counted, '1', 'the dashboard counts the confirmed signature');
      await admin.goto('/admin');
      await admin.getByText(PETITION).first().waitFor();

      assert.deepEqual(adminProblems, [], 'no console errors in the admin');
      assert.deepEqual(problems, [], 'no console errors on the supporter\'s phone');
    } finally {
      await desk.close();
      await phone.close();
    }
  });
});
