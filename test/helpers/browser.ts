// Headless Chromium for browser tests (playwright-core, with the system's
// Chromium): finding it, a phone-sized context, a real HTTP server on a free
// port, and a watch over console errors, page errors and CSP violations.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export type ChromiumLookup = { executablePath: string; missing?: undefined } | { executablePath?: undefined; missing: string };

/** The first Chromium found at CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser. */
export function findChromium(): ChromiumLookup {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return { executablePath: candidate };
    } catch {
      // not there, or not executable: try the next one
    }
  }
  return { missing: `Chromium not found at ${candidates.join(', ')}; install it with apt-get install chromium (or set CHROMIUM_PATH)` };
}

/**
 * The `skip` option for a describe(): the reason when Chromium is missing, so a
 * developer without it sees a skip. In CI (CI=true) nothing is skipped: the
 * suite's before() calls requireChromium() and fails with the same message.
 */
export function skipUnlessChromium(lookup: ChromiumLookup): string | false {
  if (!lookup.missing) return false;
  return process.env.CI === 'true' ? false : lookup.missing;
}

export function requireChromium(lookup: ChromiumLookup): string {
  if (!lookup.executablePath) throw new Error(lookup.missing);
  return lookup.executablePath;
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh context (own cookies and cache) the size of a phone, with touch; its language en-GB unless `locale` says otherwise (navigator.language and Accept-Language). */
export async function newPhoneContext(browser: Browser, baseURL: string, options: { locale?: string } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    locale: options.locale ?? 'en-GB',
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  // Chromium also logs a violation as a console error; this names the directive whatever the wording.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', function (e) {
      console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
    });`,
  });
  return context;
}

/** Collects what would show as red in the console: console.error (failed loads, CSP violations), uncaught errors, error responses. */
export function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const source = message.location().url;
    problems.push(`console error on ${page.url()}: ${message.text()}${source ? ` (${source})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught error on ${page.url()}: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  return problems;
}

export type TestHttpServer = {
  /** http://127.0.0.1:PORT, known before the app exists, so it can be the app's BASE_URL. */
  baseUrl: string;
  serve: (handler: http.RequestListener) => void;
  close: () => Promise<void>;
};

/** An HTTP server listening on a free port of 127.0.0.1; it answers 503 until serve() gives it a handler. */
export async function startHttpServer(): Promise<TestHttpServer> {
  let handler: http.RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end('not ready');
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    serve: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
