// npm run bench:pages — how fast Placard serves the pages a viral petition is
// read on (home, the post carrying the action, the action page, its
// count.json), with 1,000,000 confirmed signatures behind the action, each
// beside an Express 5 hello-world measured in the same run. It prints figures
// and asserts no time; it exits non-zero only when something broke (a setup
// step, a page that does not answer 200, a 5xx or a failed request under load,
// a server that stopped mid-load).
//
// Processes, as in bench:sign: this one (the orchestrator), the server under
// test started as in production (a fresh one for each page), and a load client
// forked per load (bench/client.ts). See bench/README.md.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult, LoadSpec } from './client.ts';
import {
  // the run, its cleanup, its output
  runBench, scratchDir, envNumber, f0, f1, describeMachine, describeBackground,
  // the database
  admin, createDatabase, preparePlacardDatabase, DEMO_ACTION_SLUG,
  // the server
  chooseServer, placardEnv, serverEntry, startNode, hasExited, tail, tsxEntry, logLineCount, type Started,
  // loads, CPU and RSS
  unmeasuredLoad, measuredLoad, printCpu, type Sampled,
} from './harness.ts';
import { fillSignatures } from './seed.ts';

const PAGES = ['home', 'post', 'action', 'count'] as const;
type PageName = (typeof PAGES)[number];

const settings = {
  durationMs: envNumber('BENCH_DURATION_S', 10) * 1000,
  warmupMs: envNumber('BENCH_WARMUP_S', 2) * 1000,
  connections: envNumber('BENCH_CONNECTIONS', 32),
  rate: envNumber('BENCH_RATE', 1000),
  signatures: Math.round(envNumber('BENCH_SIGNATURES', 1_000_000)),
  pages: (process.env.BENCH_PAGES ?? PAGES.join(',')).split(',').map((p) => p.trim()).filter(Boolean),
  server: chooseServer(process.env.BENCH_SERVER || undefined),
  /** Workers in the web process, as the default deployment runs (the count loop recounts the action there). */
  runWorkers: process.env.BENCH_RUN_WORKERS !== 'false',
  serverLogLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
  /** Extra node flags for the Placard server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
  serverNodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
};

// ---------------------------------------------------------------------------
// One page, its headers and its loads

type Probe = { status: number; bytes: number; headers: http.IncomingHttpHeaders };

/** One GET as a new visitor makes it (no cookie): what a shared cache would see of the page. */
function probe(baseUrl: string, pagePath: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(pagePath, baseUrl), { agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function describeHeaders(p: Probe): string {
  const h = p.headers;
  const cookies = (h['set-cookie'] ?? []).map((c) => c.split('=')[0]);
  return [
    `${p.status} ${h['content-type'] ?? '(no Content-Type)'}, ${f0(p.bytes)} bytes${h['content-encoding'] ? ` (${h['content-encoding']})` : ''}`,
    `Cache-Control: ${h['cache-control'] ?? '(none)'}`,
    `ETag: ${h.etag ?? '(none)'}`,
    `Vary: ${h.vary ?? '(none)'}`,
    `Set-Cookie: ${cookies.length ? `yes (${cookies.join(', ')})` : 'no'}`,
  ].join(' · ');
}

type Measured = { result: LoadResult } & Sampled;
type PageFigures = {
  label: string;
  bytes: number;
  closed: Measured;
  open: Measured;
  /** Undefined when the page had no ETag to revalidate with. */
  revalidate?: Measured;
  etag?: string;
};

let failures = 0;
const figures: PageFigures[] = [];
/** The hello-world's requests/s under the same closed loops, plain and revalidating: what Placard's are a share of. */
const hello: { closed?: number; revalidate?: number } = {};
const HELLO = 'Express hello-world';

function loadSpec(baseUrl: string, pagePath: string, mode: 'closed' | 'open', overrides: Partial<LoadSpec> = {}): LoadSpec {
  return {
    baseUrl,
    slug: DEMO_ACTION_SLUG,
    mode,
    connections: settings.connections,
    rate: settings.rate,
    durationMs: settings.durationMs,
    emailPrefix: 'unused',
    maxSockets: 256,
    requestTimeoutMs: 30_000,
    drainTimeoutMs: 30_000,
    get: { path: pagePath },
    ...overrides,
  };
}

const count = (r: LoadResult, status: number) => r.byStatus[String(status)] ?? 0;
/** The client's key for requests it gave up waiting for at the end of an open loop: the server fell that far behind. */
const UNANSWERED = 'still in flight at drain timeout';
const answeredCount = (r: LoadResult) => Object.values(r.byStatus).reduce((a, b) => a + b, 0);
/** Requests that failed in transport (reset, timeout), not counting those still unanswered when the open loop gave up. */
const errorCount = (r: LoadResult) => Object.entries(r.errors).reduce((n, [e, k]) => n + (e === UNANSWERED ? 0 : k), 0);
const serverErrors = (r: LoadResult) => Object.entries(r.byStatus).reduce((n, [s, k]) => n + (Number(s) >= 500 ? k : 0), 0);
/**
 * The server's CPU time per answer, in ms: what a page costs, whoever else had
 * the cores (on a shared machine requests/s move with the neighbours' load,
 * this far less). Its ratio to the hello-world's is the share of the ceiling a
 * quiet machine would show, when the server is the bottleneck.
 */
const cpuMsPerResponse = (m: Measured) => (m.result.responsesPerSecond > 0 ? (m.cpu.server / 100 / m.result.responsesPerSecond) * 1000 : 0);
/** The most RSS the server held during a load, in bytes; undefined if it was never sampled. */
const serverRssMax = (m: Measured) => (m.rss.web.length ? Math.max(...m.rss.web) : undefined);
const mb = (bytes: number | undefined) => (bytes === undefined ? '?' : f0(bytes / 2 ** 20));

function printLoad(m: Measured, expected: number[], helloPerSecond?: number): void {
  const r = m.result;
  const statuses = Object.entries(r.byStatus).map(([s, n]) => `${s}: ${f0(n)}`).join(', ');
  const errors = Object.entries(r.errors).map(([e, n]) => `${e}: ${f0(n)}`).join(', ');
  const unexpected = r.requests - expected.reduce((n, s) => n + count(r, s), 0);
  console.log(`  requests ${f0(r.requests)}   not ${expected.join('/')} ${f0(unexpected)}   (${statuses || 'no answers'}${errors ? `; errors ${errors}` : ''})`);
  const share = helloPerSecond ? `   ${f0((r.responsesPerSecond / helloPerSecond) * 100)} % of hello-world` : '';
  const answered = answeredCount(r);
  console.log(`  requests/s ${f1(r.responsesPerSecond)}${share}   bytes/response ${f0(answered ? r.bodyBytes / answered : 0)}   over ${f1(r.elapsedMs / 1000)} s`);
  const l = r.latencyMs;
  const what = r.spec.mode === 'open' ? 'from scheduled send' : 'send → response';
  console.log(`  latency ms (${what}): p50 ${f1(l.p50)}  p90 ${f1(l.p90)}  p99 ${f1(l.p99)}  max ${f1(l.max)}  mean ${f1(l.mean)}`);
  if (r.serviceMs) {
    const s = r.serviceMs;
    console.log(`  service ms (actual send → response): p50 ${f1(s.p50)}  p99 ${f1(s.p99)}  max ${f1(s.max)};  max in flight ${r.maxInFlight}`);
  }
  printCpu(m.cpu);
  console.log(`  server CPU per response: ${cpuMsPerResponse(m).toFixed(2)} ms`);
  console.log(`  server RSS (VmRSS, sampled every 250 ms): max ${mb(serverRssMax(m))} MB`);
  if (r.errors[UNANSWERED]) console.log(`  overloaded: ${f0(r.errors[UNANSWERED])} requests still unanswered ${r.spec.drainTimeoutMs / 1000} s after the last was due`);
  if (serverErrors(r) || errorCount(r)) {
    console.log(`  !! ${f0(serverErrors(r))} × 5xx, ${f0(errorCount(r))} failed requests`);
    failures++;
  }
}

/** Probe, warm up, then the closed loop, the open loop and the revalidating loop against one server. */
async function measurePage(label: string, server: Started, pagePath: string, dbName?: string): Promise<void> {
  const first = await probe(server.baseUrl, pagePath);
  console.log(`  GET ${pagePath} as a new visitor: ${describeHeaders(first)}`);
  if (first.status !== 200) {
    console.log(`  !! GET ${pagePath} answered ${first.status}; the page is not measured`);
    failures++;
    return;
  }
  const warm = await unmeasuredLoad(loadSpec(server.baseUrl, pagePath, 'closed', { durationMs: settings.warmupMs }));
  console.log(`  warm-up: ${f0(warm.requests)} requests over ${settings.warmupMs / 1000} s (${settings.connections} connections)`);

  console.log(` -- closed loop, ${settings.connections} connections × ${settings.durationMs / 1000} s`);
  const closed = await measuredLoad(loadSpec(server.baseUrl, pagePath, 'closed'), server.pid, { dbName });
  printLoad(closed, [200], hello.closed);
  console.log(` -- open loop, ${settings.rate}/s × ${settings.durationMs / 1000} s (${f0((settings.rate * settings.durationMs) / 1000)} requests on a fixed schedule)`);
  const open = await measuredLoad(loadSpec(server.baseUrl, pagePath, 'open'), server.pid, { dbName });
  printLoad(open, [200]);

  // The ETag a cache holds is that of the response it stored: taken again now, since
  // a page that shows a count changes when the count loop (which runs at the
  // server's start) recounts; said when it did.
  const etagOf = (p: Probe) => (typeof p.headers.etag === 'string' ? p.headers.etag : undefined);
  const etag = etagOf(await probe(server.baseUrl, pagePath));
  if (etag !== etagOf(first)) console.log(`  the ETag changed since the first response (now ${etag ?? 'none'})`);
  let revalidate: Measured | undefined;
  if (etag) {
    console.log(` -- revalidation: If-None-Match: ${etag} (a response's ETag, as a cache that stored it sends), closed loop, ${settings.connections} connections × ${settings.durationMs / 1000} s`);
    revalidate = await measuredLoad(loadSpec(server.baseUrl, pagePath, 'closed', { get: { path: pagePath, headers: { 'if-none-match': etag } } }), server.pid, { dbName });
    printLoad(revalidate, [200, 304], hello.revalidate);
    const r = revalidate.result;
    console.log(`  304s ${f0(count(r, 304))} of ${f0(r.requests)} (${f0((count(r, 304) / Math.max(1, r.requests)) * 100)} %)`);
  } else {
    console.log(' -- revalidation: the page has no ETag, so a cache cannot revalidate it: not run');
  }
  if (hasExited(server)) {
    console.log(`  !! the server exited during the loads (exit ${server.child.exitCode ?? server.child.signalCode}); these figures are not valid. Its log:\n${tail(server.logFile)}`);
    failures++;
  }
  figures.push({ label, bytes: first.bytes, closed, open, revalidate, etag });
}

async function benchHello(tmp: string): Promise<void> {
  console.log('\n== Express 5 hello-world: GET /healthz of bench/hello-server.ts (res.json, no database; through tsx)');
  const server = await startNode('hello-world', tsxEntry('bench/hello-server.ts'), { ...process.env }, path.join(tmp, 'hello.log'));
  await measurePage(HELLO, server, '/healthz');
  const measured = figures.find((p) => p.label === HELLO);
  hello.closed = measured?.closed.result.responsesPerSecond;
  hello.revalidate = measured?.revalidate?.result.responsesPerSecond;
  await server.stop();
}

function serverEnv(databaseUrl: string, dataDir: string): NodeJS.ProcessEnv {
  return placardEnv(databaseUrl, dataDir, { LOG_LEVEL: settings.serverLogLevel, DEMO_CONTENT: 'true', RUN_WORKERS: String(settings.runWorkers) });
}

async function benchPlacardPage(page: PageName, pagePath: string, db: { name: string; url: string }, tmp: string): Promise<void> {
  console.log(`\n== Placard ${page}: GET ${pagePath}`);
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const logFile = path.join(tmp, `server-${page}.log`);
  const started = performance.now();
  const server = await startNode('placard', serverEntry(settings.server.kind), serverEnv(db.url, dataDir), logFile, settings.serverNodeArgs);
  console.log(`  server pid ${server.pid} at ${server.baseUrl}, answering /healthz after ${f1((performance.now() - started) / 1000)} s`);
  await measurePage(`Placard ${page}`, server, pagePath, db.name);
  const stopped = await server.stop();
  const lines = logLineCount(logFile, settings.serverLogLevel);
  console.log(`  stop: SIGTERM → exit ${stopped.code ?? stopped.signal} in ${f1(stopped.ms / 1000)} s; server log lines at LOG_LEVEL=${settings.serverLogLevel}: ${lines}`);
  if (lines) console.log(tail(logFile, 5).replace(/^/gm, '    | '));
}

function printSummary(): void {
  console.log('\n== summary (latency in ms; open-loop latency counts from the scheduled send time; RSS the most seen over the three loads)');
  console.log(
    `| page | bytes | closed req/s | % of hello | non-200 | p50 | p90 | p99 | max | open ${settings.rate}/s p50 | p99 | max | revalidating: 304 % | req/s | % of hello | server CPU ms/response (closed) | hello's as % of it | RSS max MB | closed-loop cpu % server/client/PostgreSQL/rest/idle |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  const helloFigures = figures.find((p) => p.label === HELLO);
  const helloCpuMs = helloFigures && cpuMsPerResponse(helloFigures.closed);
  for (const p of figures) {
    const c = p.closed.result;
    const o = p.open.result;
    const v = p.revalidate?.result;
    const cpu = p.closed.cpu;
    const rss = Math.max(...[p.closed, p.open, p.revalidate].map((m) => (m ? (serverRssMax(m) ?? 0) : 0)));
    console.log(
      [
        p.label,
        f0(p.bytes),
        f1(c.responsesPerSecond),
        hello.closed ? f0((c.responsesPerSecond / hello.closed) * 100) : '–',
        f0(c.requests - count(c, 200) + (o.requests - count(o, 200))),
        f1(c.latencyMs.p50),
        f1(c.latencyMs.p90),
        f1(c.latencyMs.p99),
        f1(c.latencyMs.max),
        f1(o.latencyMs.p50),
        f1(o.latencyMs.p99),
        f1(o.latencyMs.max),
        v ? f0((count(v, 304) / Math.max(1, v.requests)) * 100) : 'no ETag',
        v ? f1(v.responsesPerSecond) : '–',
        v && hello.revalidate ? f0((v.responsesPerSecond / hello.revalidate) * 100) : '–',
        cpuMsPerResponse(p.closed).toFixed(2),
        helloCpuMs && cpuMsPerResponse(p.closed) ? f0((helloCpuMs / cpuMsPerResponse(p.closed)) * 100) : '–',
        mb(rss || undefined),
        `${f0(cpu.server)}/${f0(cpu.client)}/${f0(cpu.pgBench + cpu.pgOther)}/${f0(cpu.rest)}/${f0(cpu.idle)}`,
      ].reduce((line, cell) => `${line} ${cell} |`, '|'),
    );
  }
}

async function main(): Promise<void> {
  for (const page of settings.pages) if (!(PAGES as readonly string[]).includes(page)) throw new Error(`BENCH_PAGES: unknown page "${page}" (${PAGES.join(', ')})`);
  console.log(`placard bench:pages — ${new Date().toISOString()}`);
  console.log(await describeMachine());
  const entry = serverEntry(settings.server.kind).join(' ');
  console.log(
    `server under test: \`node ${[...settings.serverNodeArgs, entry].join(' ')}\` (${settings.server.why}), a fresh one per page; LOG_LEVEL=${settings.serverLogLevel}, DEMO_CONTENT=true, RUN_WORKERS=${settings.runWorkers}, DATABASE_POOL_SIZE=${process.env.DATABASE_POOL_SIZE ?? '10 (default)'}`,
  );
  console.log(
    `loads, each after a ${settings.warmupMs / 1000} s warm-up, by a client forked per load (bench/client.ts, node:http with keep-alive, no cookies): closed loop ${settings.connections} connections × ${settings.durationMs / 1000} s; open loop ${settings.rate}/s × ${settings.durationMs / 1000} s; revalidating (If-None-Match) closed loop`,
  );
  console.log(await describeBackground());

  const tmp = scratchDir();
  const setupStarted = performance.now();
  const db = await createDatabase('pages');
  await preparePlacardDatabase(db.url);
  const filled = await fillSignatures(db.url, settings.signatures);
  const size = await admin(async (c) => (await c.query<{ s: string }>('SELECT pg_size_pretty(pg_database_size($1)) AS s', [db.name])).rows[0]!.s);
  console.log(
    `database ${db.name}: migrated, demo content, ${f0(settings.signatures)} confirmed signatures (and supporters) on "${DEMO_ACTION_SLUG}": inserted in ${f1(filled.insertMs / 1000)} s${filled.withoutTriggers ? ' (session_replication_role = replica)' : ' (with their foreign-key checks: not a superuser)'}, indexes built in ${f1(filled.indexMs / 1000)} s, recounted by recountAction in ${f1(filled.recountMs / 1000)} s: ${f0(filled.count)} signatures from ${filled.countries} countries, VACUUM ANALYZE ${f1(filled.vacuumMs / 1000)} s; ${size}; setup ${f1((performance.now() - setupStarted) / 1000)} s`,
  );

  const paths: Record<PageName, string> = {
    home: '/',
    post: `/posts/${filled.postSlug}`,
    action: `/actions/${DEMO_ACTION_SLUG}`,
    count: `/actions/${DEMO_ACTION_SLUG}/count.json`,
  };
  await benchHello(tmp);
  for (const page of settings.pages as PageName[]) await benchPlacardPage(page, paths[page], db, tmp);
  await db.drop();
  printSummary();
  console.log(`\n(${os.availableParallelism()} cores shared by server, client and PostgreSQL: the cpu columns say who had them.)`);
  if (failures) throw new Error(`${failures} check(s) failed: a page not answering 200, a 5xx or failed request under load, or a server that stopped`);
}

runBench('bench:pages', main);
