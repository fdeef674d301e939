// A person on a phone signs the demo petition in headless Chromium: the form on
// the post, the "check your email" page, the real email from a real SMTP server,
// the confirm button, the thanks page, and the count going up by one. And the
// same form, sent with mistakes, answering beside the fields.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
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
const ACTION = '/actions/free-the-zhanaozen-prisoners';
const ACTION_TITLE = 'Free the Zhanaozen strikers still in prison';

const chromium = findChromium();

/** The petition's block on a post or action page: a region named by its heading, holding the count and the form. */
function petition(page: Page): Locator {
  return page.getByRole('region', { name: ACTION_TITLE });
}

async function shownCount(page: Page): Promise<number> {
  const text = (await petition(page).locator('[data-count]').textContent()) ?? '';
  const digits = text.replace(/\D/g, '');
  assert.notEqual(digits, '', `no number in [data-count]: ${JSON.stringify(text)}`);
  return Number(digits);
}

describe('signing on a phone, in Chromium', { skip: skipUnlessChromium(chromium) }, () => {
  let smtp: TestSmtpServer | undefined;
  let server: TestHttpServer | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;

  before(async () => {
    // In CI a missing Chromium fails here, with the message a developer sees as a skip.
    const executablePath = requireChromium(chromium);
    smtp = await new TestSmtpServer().start();
    // Listen first, so that BASE_URL (the links in the emails) is the address the browser opens.
    server = await startHttpServer();
    // SIGN_MIN_SECONDS=0: a test fills the form faster than a person, and the form-timing check would
    // quietly drop it (that check has its own tests: test/signatures/limits.test.ts, supporter-journey.test.ts).
    t = await createTestApp({ workers: true, env: { SMTP_URL: smtp.url, BASE_URL: server.baseUrl, SIGN_MIN_SECONDS: '0', PAGE_CACHE_MS: '5000' } });
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

  it('signs from the post, confirms from the email, and sees the count go up by one', { timeout: 60_000 }, async () => {
    assert.ok(browser && server && smtp);
    const context = await newPhoneContext(browser, server.baseUrl);
    try {
      const page = await context.newPage();
      const problems = watchForErrors(page);
      const email = `aigerim.${process.pid}.${Date.now()}@example.org`;

      await page.goto(POST);
      const form = petition(page);
      const countBefore = await shownCount(page);
      await form.getByLabel('Your name').fill('Aigerim Test');
      await form.getByLabel('Email address').fill(email);
      await form.getByLabel('Country').selectOption({ label: 'Kazakhstan' });
      await form.getByRole('button', { name: 'Sign' }).tap();

      await page.waitForURL(`**${ACTION}/check-email`);
      await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();

      const [mail] = await smtp.waitFor((m) => m.envelopeTo.includes(email));
      assert.ok(mail);
      const link = confirmationLink(mail);
      assert.ok(link.startsWith(`${server.baseUrl}/confirm/`), `the emailed link should lead to this server: ${link}`);

      await page.goto(link);
      await page.getByRole('heading', { level: 1, name: 'Confirm your signature' }).waitFor();
      await page.getByRole('button', { name: 'Confirm my signature' }).tap();
      await page.waitForURL(`**${ACTION}/thanks?country=*`);
      await page.getByRole('heading', { level: 1, name: 'Thank you for signing' }).waitFor();

      // The count loop recounts every 200 ms in tests. Reload the action page until it shows the
      // signature. Each reading waits for count.js's first refresh from count.json to land, so it
      // is the number a person sees once the page has settled, not only the one it was served with.
      const seen: number[] = [];
      const deadline = Date.now() + 10_000;
      for (let first = true; ; first = false) {
        await Promise.all([
          page.waitForResponse((response) => response.url().endsWith(`${ACTION}/count.json`)),
          first ? page.goto(ACTION) : page.reload(),
        ]);
        await page.waitForTimeout(100);
        seen.push(await shownCount(page));
        if (seen.at(-1) === countBefore + 1 || Date.now() > deadline) break;
        await page.waitForTimeout(200);
      }
      assert.equal(seen.at(-1), countBefore + 1, `the count should go from ${countBefore} to ${countBefore + 1}; it showed ${seen.join(', ')}`);

      assert.deepEqual(problems, [], 'no console errors, page errors or CSP violations');
    } finally {
      await context.close();
    }
  });

  it('shows the mistakes beside the fields and keeps what was typed', { timeout: 60_000 }, async () => {
    assert.ok(browser && server && smtp);
    const context = await newPhoneContext(browser, server.baseUrl);
    try {
      const page = await context.newPage();
      const problems = watchForErrors(page);
      const mailsBefore = smtp.messages.length;

      await page.goto(POST);
      const form = petition(page);
      // The form is `novalidate`: the browser sends it as it is and the server answers.
      await form.getByLabel('Email address').fill('not-an-email');
      await form.getByLabel('Country').selectOption({ label: 'Kazakhstan' });
      await form.getByLabel('Town or postcode (optional)').fill('Aktau');
      await form.getByLabel('Comment (optional)').fill('Solidarity from the oil workers’ union');
      await form.getByLabel('Show my name in the public list of signers').check();
      await form.getByRole('button', { name: 'Sign' }).tap();

      await page.waitForURL(`**${ACTION}/signatures`);
      const again = petition(page);
      await again.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();

      const name = again.getByLabel('Your name');
      assert.equal(await name.getAttribute('aria-invalid'), 'true');
      assert.equal(await name.inputValue(), '');
      assert.equal((await again.locator('#free-the-zhanaozen-prisoners-name-error').textContent())?.trim(), 'Error: Enter your name');
      assert.match((await name.getAttribute('aria-describedby')) ?? '', /\bfree-the-zhanaozen-prisoners-name-error\b/);

      const email = again.getByLabel('Email address');
      assert.equal(await email.getAttribute('aria-invalid'), 'true');
      assert.equal(await email.inputValue(), 'not-an-email');
      assert.equal(
        (await again.locator('#free-the-zhanaozen-prisoners-email-error').textContent())?.trim(),
        'Error: Enter an email address in the correct format, like name@example.com',
      );
      assert.match((await email.getAttribute('aria-describedby')) ?? '', /\bfree-the-zhanaozen-prisoners-email-error\b/);

      // Each message sits in the field it is about, right under its input.
      for (const field of ['name', 'email']) {
        const box = await again.locator(`.field:has(#free-the-zhanaozen-prisoners-${field})`).boundingBox();
        const message = await again.locator(`#free-the-zhanaozen-prisoners-${field}-error`).boundingBox();
        assert.ok(box && message, `the ${field} field and its message are visible`);
        assert.ok(message.y >= box.y && message.y + message.height <= box.y + box.height + 1, `the ${field} message is inside its field`);
      }

      assert.equal(await again.getByLabel('Country').inputValue(), 'KZ');
      assert.equal(await again.getByLabel('Town or postcode (optional)').inputValue(), 'Aktau');
      assert.equal(await again.getByLabel('Comment (optional)').inputValue(), 'Solidarity from the oil workers’ union');
      assert.equal(await again.getByLabel('Show my name in the public list of signers').isChecked(), true);
      assert.equal(await again.locator('.field-error').count(), 2, 'only name and email are marked');

      // Nothing was stored, so nothing is sent.
      await page.waitForTimeout(1_000);
      assert.equal(smtp.messages.length, mailsBefore);
      // The 422 answer itself is reported twice (as a response and as a failed load); nothing else may be.
      const answer = `${server.baseUrl}${ACTION}/signatures`;
      const isTheAnswer = (p: string) =>
        p === `HTTP 422 for ${answer}` || (p.includes('the server responded with a status of 422') && p.endsWith(`(${answer})`));
      assert.deepEqual(problems.filter((p) => !isTheAnswer(p)), [], 'no console errors, page errors or CSP violations');
    } finally {
      await context.close();
    }
  });
});
