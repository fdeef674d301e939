// npm run bench:admin — the organiser's heaviest downloads, with 100,000
// confirmed signatures behind the action (BENCH_SIGNATURES): the printed
// letter, the signature exports (CSV and PDF), the dashboard and the list of
// signatures (not the deliveries' CSV: the signatures are inserted directly,
// no letter is delivered). Each is fetched alone, then all at once while a surge reads the action page (32 connections, closed loop), with the
// server's resident memory sampled every 100 ms.
//
// It answers one question: does npm start's heap cap (HEAP_MB, each of
// BENCH_HEAPS in turn; 0 leaves the heap to V8) hold these pages, and what does
// the web process's memory reach meanwhile? It prints figures and asserts no time; it
// exits non-zero only when something broke (a download that is not a 200, a
// server that died or stopped answering /healthz).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOrganiser } from '../src/admin/accounts.service.ts';
import { createPool } from '../src/db/pool.ts';
import { createLogger } from '../src/log.ts';
import { paths } from '../src/urls.ts';
import type { LoadResult, LoadSpec } from './client.ts';
import {
  runBench, scratchDir, envNumber, f0, f1, describeMachine, describeBackground,
  createDatabase, preparePlacardDatabase, DEMO_ACTION_SLUG,
  chooseServer, placardEnv, serverEntry, startNode, hasExited, logLineCount, tail, type Started,
  unmeasuredLoad, RssPeaks,
} from './harness.ts';
import { fillSignatures } from './seed.ts';

const LETTER_SLUG = 'bar-council-call-off-the-mission';

const settings = {
  signatures: Math.round(envNumber('BENCH_SIGNATURES', 100_000)),
  /** HEAP_MB of each web process in turn (0: V8's own limit); npm start's default is package.json's config.heapMb. */
  heaps: (process.env.BENCH_HEAPS ?? '0,256').split(',').map((h) => h.trim()).filter(Boolean),
  server: chooseServer(process.env.BENCH_SERVER || undefined),
  /** The surge beside the downloads taken together: its connections and how long it lasts (longer than the downloads, or it says so). */
  surgeConnections: envNumber('BENCH_CONNECTIONS', 32),
  surgeMs: envNumber('BENCH_SURGE_S', 30) * 1000,
};

const MB = 2 ** 20;
const mb = (bytes: number) => f0(bytes / MB);

// ---------------------------------------------------------------------------
// An organiser's browser: a cookie jar over fetch

class Organiser {
  private readonly cookies = new Map<string, string>();
  constructor(readonly baseUrl: string) {}

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
  }

  async request(pathname: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(new URL(pathname, this.baseUrl), {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: this.baseUrl },
    });
    this.keep(res);
    return res;
  }

  /** Through the sign-in form, as a browser: its CSRF cookie and token, then the session. */
  async signIn(email: string, password: string): Promise<void> {
    const form = await this.request(paths.adminSignIn());
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    if (!token) throw new Error(`the sign-in page (${form.status}) has no CSRF token`);
    const res = await this.request(paths.adminSignIn(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, email, password }).toString(),
    });
    await res.arrayBuffer();
    if (res.status !== 303) throw new Error(`sign-in answered ${res.status}, not 303`);
  }
}

// ---------------------------------------------------------------------------
// The downloads and what the server's memory did meanwhile

type Download = { label: string; path: string };
type Fetched = { label: string; status: number; bytes: number; ms: number; type: string };

async function download(organiser: Organiser, d: Download): Promise<Fetched> {
  const started = performance.now();
  const res = await organiser.request(d.path);
  let bytes = 0;
  // Read as a browser saving the file reads it: as fast as it comes, nothing kept.
  if (res.body) for await (const chunk of res.body) bytes += (chunk as Uint8Array).length;
  return { label: d.label, status: res.status, bytes, ms: performance.now() - started, type: res.headers.get('content-type')?.split(';')[0] ?? '' };
}

/** The RSS of `pid` every 100 ms while `work` runs: before, and the most seen. */
async function watchingRss<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; before: number; peak: number }> {
  const peaks = new RssPeaks();
  peaks.sample([pid]);
  const before = peaks.peaks.get(pid) ?? 0;
  const timer = setInterval(() => peaks.sample([pid]), 100);
  try {
    const value = await work();
    peaks.sample([pid]);
    return { value, before, peak: peaks.peaks.get(pid) ?? 0 };
  } finally {
    clearInterval(timer);
  }
}

let failures = 0;
type HeapFigures = { heap: string; alone: { fetched: Fetched; before: number; peak: number }[]; together?: { fetched: Fetched[]; peak: number; surge: LoadResult } };
const results: HeapFigures[] = [];

function describe(f: Fetched): string {
  const rate = f.ms > 0 ? f.bytes / MB / (f.ms / 1000) : 0;
  return `${f.status} ${f.type}, ${f0(f.bytes)} bytes in ${f1(f.ms / 1000)} s (${f1(rate)} MB/s)`;
}

async function alive(server: Started): Promise<boolean> {
  if (hasExited(server)) return false;
  return fetch(`${server.baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
}

async function benchHeap(heap: string, downloads: Download[], account: { email: string; password: string }, dbUrl: string, tmp: string): Promise<void> {
  if (!/^\d+$/.test(heap)) throw new Error(`BENCH_HEAPS: "${heap}" is not a number of MB`);
  const label = heap === '0' ? 'HEAP_MB=0 (V8\'s own limit)' : `HEAP_MB=${heap}`;
  console.log(`\n== ${label}`);
  const logFile = path.join(tmp, `server-heap-${heap}.log`);
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const env = placardEnv(dbUrl, dataDir, { LOG_LEVEL: 'warn', DEMO_CONTENT: 'true', RUN_WORKERS: 'true', PAGE_CACHE_MS: '5000' });
  const server = await startNode('placard', serverEntry(settings.server.kind, 'server', heap), env, logFile);
  const figures: HeapFigures = { heap: label, alone: [] };
  results.push(figures);
  try {
    const organiser = new Organiser(server.baseUrl);
    await organiser.signIn(account.email, account.password);
    console.log(`  server pid ${server.pid}; signed in as ${account.email}`);

    console.log(' -- each alone');
    for (const d of downloads) {
      const { value: fetched, before, peak } = await watchingRss(server.pid, () => download(organiser, d));
      figures.alone.push({ fetched, before, peak });
      if (fetched.status !== 200) failures += 1;
      console.log(`  ${d.label}: ${describe(fetched)}; RSS ${mb(before)} → at most ${mb(peak)} MB`);
    }

    console.log(` -- all at once, while ${settings.surgeConnections} connections read the action page`);
    const surgeSpec: LoadSpec = {
      baseUrl: server.baseUrl,
      slug: DEMO_ACTION_SLUG,
      mode: 'closed',
      connections: settings.surgeConnections,
      rate: 0,
      durationMs: settings.surgeMs,
      emailPrefix: 'unused',
      maxSockets: 256,
      requestTimeoutMs: 30_000,
      drainTimeoutMs: 30_000,
      get: { path: paths.action(DEMO_ACTION_SLUG) },
    };
    const surgeStarted = performance.now();
    const { value, peak } = await watchingRss(server.pid, async () => {
      const surge = unmeasuredLoad(surgeSpec);
      // The surge's client takes a moment to start; the downloads begin once it reads.
      await new Promise((r) => setTimeout(r, 1_000));
      const fetched = await Promise.all(downloads.map((d) => download(organiser, d)));
      return { fetched, surge, doneAfter: performance.now() - surgeStarted };
    });
    // The surge runs its full length; the RSS above is of the downloads' time.
    const surge = await value.surge;
    if (value.doneAfter > settings.surgeMs) console.log(`  (the downloads took ${f1(value.doneAfter / 1000)} s, longer than the surge's ${settings.surgeMs / 1000} s: BENCH_SURGE_S)`);
    figures.together = { fetched: value.fetched, peak, surge };
    for (const f of value.fetched) {
      if (f.status !== 200) failures += 1;
      console.log(`  ${f.label}: ${describe(f)}`);
    }
    const surgeErrors = Object.values(surge.errors).reduce((a, b) => a + b, 0);
    console.log(`  the surge: ${f0(surge.responsesPerSecond)} action pages/s, statuses ${JSON.stringify(surge.byStatus)}${surgeErrors ? `, errors ${JSON.stringify(surge.errors)}` : ''}`);
    console.log(`  RSS during the downloads: at most ${mb(peak)} MB`);
    if (surgeErrors || Object.keys(surge.byStatus).some((s) => s !== '200')) failures += 1;
  } finally {
    const up = await alive(server);
    if (!up) {
      failures += 1;
      console.log(`  the server is not answering /healthz (exit ${server.child.exitCode ?? server.child.signalCode ?? 'none'}); its log:\n${tail(logFile, 20).replace(/^/gm, '    | ')}`);
    }
    const stopped = await server.stop();
    const lines = logLineCount(logFile, 'warn');
    console.log(`  stop: SIGTERM → exit ${stopped.code ?? stopped.signal} in ${f1(stopped.ms / 1000)} s; log lines at warn and above: ${lines}`);
    if (lines) console.log(tail(logFile, 5).replace(/^/gm, '    | '));
  }
}

function printSummary(downloads: Download[]): void {
  console.log('\n== summary (RSS of the web process in MB, sampled every 100 ms; "together" also reads the action page under load)');
  console.log(`| heap | ${downloads.map((d) => d.label).join(' | ')} | together, with the surge |`);
  console.log(`| --- | ${downloads.map(() => '---:').join(' | ')} | ---: |`);
  for (const r of results) {
    const cells = downloads.map((d) => {
      const a = r.alone.find((x) => x.fetched.label === d.label);
      return a ? `${a.fetched.status === 200 ? '' : `${a.fetched.status} `}${f1(a.fetched.ms / 1000)} s, ${mb(a.peak)}` : '–';
    });
    const together = r.together ? `${mb(r.together.peak)}${r.together.fetched.every((f) => f.status === 200) ? '' : ' (not all 200)'}` : '–';
    console.log(`| ${r.heap} | ${cells.join(' | ')} | ${together} |`);
  }
}

async function main(): Promise<void> {
  console.log(`placard bench:admin — ${new Date().toISOString()}`);
  console.log(await describeMachine());
  console.log(`server under test: \`node --max-old-space-size=HEAP_MB ${serverEntry(settings.server.kind).slice(1).join(' ')}\` (${settings.server.why}), a fresh one per HEAP_MB (${settings.heaps.join(', ')}); RUN_WORKERS=true, PAGE_CACHE_MS=5000`);
  console.log(await describeBackground());

  const tmp = scratchDir();
  const db = await createDatabase('admin');
  await preparePlacardDatabase(db.url);
  const petition = await fillSignatures(db.url, settings.signatures, { slug: DEMO_ACTION_SLUG, emailPrefix: 'petition' });
  const letter = await fillSignatures(db.url, settings.signatures, { slug: LETTER_SLUG, emailPrefix: 'letter' });
  const pool = createPool(db.url, { max: 2, log: createLogger('warn') });
  const password = 'a long bench passphrase, not a real one';
  let account: { email: string; password: string };
  let recipientIds: number[];
  try {
    const noQueue = { enqueue: () => Promise.reject(new Error('no queue in bench:admin')) };
    const made = await createOrganiser({ db: pool, queue: noQueue }, { email: 'bench-organiser@example.org', name: 'Bench Organiser', role: 'admin', password }, null);
    account = { email: made.email, password };
    const { rows } = await pool.query<{ recipient_id: string }>('SELECT recipient_id FROM letter_recipients WHERE action_id = $1 ORDER BY recipient_id', [letter.actionId]);
    recipientIds = rows.map((r) => Number(r.recipient_id));
  } finally {
    await pool.end();
  }
  if (!recipientIds.length) throw new Error(`the demo letter "${LETTER_SLUG}" has no recipient`);
  console.log(`database ${db.name}: demo content, ${f0(petition.count)} confirmed signatures on "${DEMO_ACTION_SLUG}" and ${f0(letter.count)} on "${LETTER_SLUG}" (to ${recipientIds.length} recipient(s))`);

  const downloads: Download[] = [
    { label: 'letter.pdf', path: `${paths.adminActionLetterPdf(letter.actionId)}?recipient=${recipientIds[0]}` },
    { label: 'signatures.csv', path: paths.adminActionExport(petition.actionId) },
    { label: 'signatories.pdf', path: paths.adminActionSignatoriesPdf(petition.actionId) },
    { label: 'dashboard', path: paths.adminHome() },
    { label: 'signatures list', path: paths.adminActionSignatures(petition.actionId) },
  ];
  for (const heap of settings.heaps) await benchHeap(heap, downloads, account, db.url, tmp);
  await db.drop();
  printSummary(downloads);
  console.log(`\n(${os.availableParallelism()} cores shared by server, client and PostgreSQL.)`);
  if (failures) throw new Error(`${failures} check(s) failed: a download not answering 200, a failed request in the surge, or a server that stopped`);
}

runBench('bench:admin', main);
