// Every admin page that a GET shows, found by walking the app's router, opened
// in headless Chromium at phone and desktop size as a signed-in admin: axe-core
// finds no serious or critical accessibility violation, nothing is red in the
// console (no CSP violation, no failed load), and the page fits a phone's width.
// Screenshots are kept in data/screenshots/admin/ for a person to look at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Express } from 'express';
import sharp from 'sharp';
import { loadDemoContent } from '../../src/demo/demo-content.ts';
import { uploadImage } from '../../src/images/images.service.ts';
import { updateCounts } from '../../src/actions/counts.ts';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createAccount, routesOf } from '../helpers/admin.ts';
import { findChromium, launchChromium, newPhoneContext, requireChromium, skipUnlessChromium, startHttpServer, watchForErrors, type TestHttpServer } from '../helpers/browser.ts';

const chromium = findChromium();
const AXE = fs.readFileSync(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = path.resolve(import.meta.dirname, '../../data/screenshots/admin');

/** Every admin page a GET shows, but those behind one-time links and the downloads. */
function adminPages(app: Express): string[] {
  const pages = routesOf(app).filter((r) => r.method === 'get' && r.path.startsWith('/admin') && !r.path.includes(':token')).map((r) => r.path);
  return [...new Set(pages)].filter((p) => !/\.(csv|pdf)$/.test(p));
}

/** A real id for each kind of page, from the demo content (and what this test adds). */
async function idFor(t: TestApp, route: string): Promise<string | undefined> {
  const table = /^\/admin\/(posts|actions|authors|tags|images|organisers|protests)\/:id/.exec(route)?.[1];
  if (!table) return undefined;
  // An action's letter pages (issue 10) exist for a letter action only: the demo's Bar Council letter.
  const letterPage = table === 'actions' && /^\/admin\/actions\/:id\/(letter|deliveries|responses)/.test(route);
  // A call's pages (issue 11) for a protest call only.
  const callPage = table === 'actions' && /^\/admin\/actions\/:id\/(call|protests)/.test(route);
  const where = letterPage ? " WHERE kind = 'letter'" : callPage ? " WHERE kind = 'protest_call'" : '';
  const { rows } = await t.db.pool.query<{ id: number }>(`SELECT id FROM ${table}${where} ORDER BY id LIMIT 1`);
  return rows[0] ? String(rows[0].id) : undefined;
}

async function checkPage(page: Page, url: string, name: string, problems: string[]): Promise<string[]> {
  problems.length = 0;
  const response = await page.goto(url);
  assert.equal(response?.status(), 200, `${url}: ${response?.status()}`);
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  return [...violations.map((v) => `${url} ${v}`), ...problems.map((p) => `${url} ${p}`), ...(overflow > 1 ? [`${url}: wider than the screen by ${overflow}px`] : [])];
}

describe('admin pages in Chromium: accessible, no console errors, fit a phone', { skip: skipUnlessChromium(chromium) }, () => {
  let server: TestHttpServer | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  before(async () => {
    const executablePath = requireChromium(chromium);
    server = await startHttpServer();
    t = await createTestApp({ env: { BASE_URL: server.baseUrl } });
    await loadDemoContent(t.db.pool, createLogger('silent'));
    // An image, so that the image's page is looked at too, and a featured image on a post.
    const photographer = await createAccount(t, { role: 'organiser' });
    const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 179, g: 38, b: 30 } } }).jpeg().toBuffer();
    const imageId = await uploadImage(t.db.pool, { bytes: photo, originalName: 'embassy.jpg', alt: 'Protesters outside the embassy in London', organiserId: photographer.id });
    await t.db.pool.query('UPDATE posts SET featured_image_id = $1 WHERE id = (SELECT min(id) FROM posts)', [imageId]);
    // Signatures over the last three weeks, some with comments, so the dashboard and the
    // signatures pages show what an organiser would see.
    await t.db.pool.query(`
      INSERT INTO signatures (action_id, email, name, country, locality, comment, show_name, created_at, confirmed_at)
      SELECT (SELECT id FROM actions WHERE status = 'open' ORDER BY id LIMIT 1),
             'signer' || i || '@example.org',
             (ARRAY['Aigerim Bekova', 'Dana Nurlanqyzy', 'Jamie Clarke', 'Marie Dubois', 'Ерлан Сәрсенов'])[1 + i % 5],
             (ARRAY['KZ', 'GB', 'FR', 'DE', 'KZ', 'US'])[1 + i % 6],
             (ARRAY['Aktau', 'London', '', 'Berlin', 'Zhanaozen'])[1 + i % 5],
             CASE WHEN i % 7 = 0 THEN 'Solidarity from the oil workers of Aktau, number ' || i ELSE '' END,
             i % 3 = 0,
             now() - make_interval(hours => i),
             CASE WHEN i % 10 = 0 THEN NULL ELSE now() - make_interval(hours => i) + interval '10 minutes' END
      FROM generate_series(1, 500) AS i`);
    await updateCounts(t.db.pool);
    // A protest call with a listed protest and a proposal, unless the demo has one (issue 11).
    await t.db.pool.query(`
      WITH a AS (INSERT INTO actions (kind, slug, title, demand) SELECT 'protest_call', 'browser-protest-call', 'Protest at the embassies', 'Justice for Zhanaozen.'
                 WHERE NOT EXISTS (SELECT 1 FROM actions WHERE kind = 'protest_call') RETURNING id),
           c AS (INSERT INTO protest_calls (action_id, day, time_zone) SELECT id, '2026-12-16', 'Asia/Almaty' FROM a RETURNING action_id)
      INSERT INTO protests (action_id, status, country, city, place, starts_at, ends_at, time_zone, proposed_by_name, proposed_by_email)
      SELECT action_id, s, 'GB', 'London', 'Embassy of the Republic of Kazakhstan', '2026-12-16T12:00Z', '2026-12-16T14:00Z', 'Europe/London',
             CASE WHEN s = 'proposed' THEN 'Jamie' END, CASE WHEN s = 'proposed' THEN 'jamie@example.org' END
      FROM c, unnest(ARRAY['listed', 'proposed']) AS s`);
    server.serve(t.app);
    browser = await launchChromium(executablePath);
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.close();
    await server?.close();
  });

  async function signedInPage(size: 'phone' | 'desktop'): Promise<{ page: Page; problems: string[] }> {
    const context = size === 'phone' ? await newPhoneContext(browser!, server!.baseUrl) : await browser!.newContext({ baseURL: server!.baseUrl, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const problems = watchForErrors(page);
    const admin = await createAccount(t!, { role: 'admin', name: 'Gulnara Admin' });
    await page.goto('/admin/sign-in');
    await page.getByLabel('Email address').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/admin/sign-in'));
    return { page, problems };
  }

  for (const size of ['phone', 'desktop'] as const) {
    it(`at ${size} size`, async () => {
      const found: string[] = [];
      // The pages before a session, in a context of their own.
      const anonymous = size === 'phone' ? await newPhoneContext(browser!, server!.baseUrl) : await browser!.newContext({ baseURL: server!.baseUrl, viewport: { width: 1280, height: 900 } });
      contexts.push(anonymous);
      const before = await anonymous.newPage();
      const beforeProblems = watchForErrors(before);
      for (const url of ['/admin/sign-in', '/admin/password-reset']) found.push(...(await checkPage(before, url, `${size}${url.replace(/\//g, '_')}`, beforeProblems)));

      const { page, problems } = await signedInPage(size);
      const pages = adminPages(t!.app).filter((p) => !['/admin/sign-in', '/admin/password-reset'].includes(p));
      assert.ok(pages.length >= 4, `found ${pages.length} admin pages`);
      for (const route of pages) {
        let url = route;
        if (route.includes(':id')) {
          const id = await idFor(t!, route);
          if (!id) continue; // nothing of that kind to show (e.g. no image uploaded)
          url = route.replace(':id', id);
        }
        found.push(...(await checkPage(page, url, `${size}${url.replace(/\//g, '_')}`, problems)));
      }
      assert.deepEqual(found, []);
    });
  }
});
