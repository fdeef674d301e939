// npm run bench:sign — how fast Placard takes signatures, end to end, and how
// that compares with what the machine can do at all. It prints figures and
// asserts no time; it exits non-zero only when something broke (a setup step,
// or a 303 whose signature or job is missing).
//
// Three kinds of process take part, each with its own event loop:
//   this one (the orchestrator: databases, starting and stopping, counting);
//   the server under test, `node --import tsx src/server.ts` or `node build/server.js`
//   (BENCH_SERVER), started as in production; with BENCH_WEB_PROCESSES, a cluster
//   primary and its web processes, beside one `npm run worker`;
//   the load client, a child forked per load (bench/client.ts).
// PostgreSQL is the one at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
// used as an admin connection to create and drop the bench's own databases.
// Only loopback addresses are accepted. See bench/README.md.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { LoadResult, LoadSpec } from './client.ts';
import {
  // the run, its cleanup, its output
  ROOT, runBench, scratchDir, envNumber, f0, f1, describeMachine, describeBackground,
  // databases
  ADMIN_URL, admin, withClient, createDatabase, preparePlacardDatabase, DEMO_ACTION_SLUG as SLUG,
  // the server and the worker
  placardEnv, serverEntry, serverKind, spawnNode, startNode, waitUntil, hasExited, tail, tsxEntry, logLineCount, LOG_LEVELS,
  type ServerKind, type Spawned,
  // loads, CPU and RSS
  unmeasuredLoad, measuredLoad, cpuSnapshot, cpuShare, printCpu, type Alongside, type CpuShare, type CpuSnapshot, type Rss, type Sampled,
} from './harness.ts';
import { signTransactionScript } from './sign-sql.ts';

function list(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(',').map((m) => m.trim()).filter(Boolean);
}

const settings = {
  durationMs: envNumber('BENCH_DURATION_S', 10) * 1000,
  warmupMs: envNumber('BENCH_WARMUP_S', 2) * 1000,
  connections: envNumber('BENCH_CONNECTIONS', 32),
  rate: envNumber('BENCH_RATE', 500),
  /**
   * Which server modes to measure: workers (RUN_WORKERS=true, the default deployment), web
   * (RUN_WORKERS=false) and split (RUN_WORKERS=false beside one `npm run worker`); split alone
   * when BENCH_WEB_PROCESSES is given.
   */
  modes: list('BENCH_MODES', process.env.BENCH_WEB_PROCESSES ? 'split' : 'workers,web'),
  /** WEB_PROCESSES for the web and split modes, each measured in turn (workers mode is one process). */
  webProcesses: list('BENCH_WEB_PROCESSES', '1').map((n) => {
    if (!/^[1-9]\d*$/.test(n)) throw new Error(`BENCH_WEB_PROCESSES: "${n}" is not a number of processes`);
    return Number(n);
  }),
  /** How the server runs: tsx (the TypeScript through its loader) and/or build (`npm run build`, then build/*.js). */
  servers: list('BENCH_SERVER', 'tsx'),
  /** Which loads to run against Placard: closed and/or open. */
  loads: list('BENCH_LOADS', 'closed,open'),
  ceilings: process.env.BENCH_CEILINGS !== 'false',
  pgbench: process.env.PGBENCH ?? findPgbench(),
  /** How long to watch the mail queue drain after a load, with workers (in-process or `npm run worker`). */
  mailWatchMs: envNumber('BENCH_MAIL_WATCH_S', 10) * 1000,
  /** LOG_LEVEL of the server under test; warn by default, so that logging costs nothing. */
  serverLogLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
  /** Extra node flags for the server under test, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (not allowed in NODE_OPTIONS). */
  serverNodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
};

function findPgbench(): string {
  for (const candidate of ['/usr/lib/postgresql/15/bin/pgbench', '/usr/bin/pgbench']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return 'pgbench';
}

type Durability = { signatures: number; jobs: number; jobSignatures: number; completed: number; sentEmails: number };

async function countRows(url: string): Promise<Durability> {
  return withClient(url, async (client) => {
    // pg-boss 10 keeps completed jobs in pgboss.job until maintenance archives them (after 12 h by default): count both.
    const { rows } = await client.query<Record<keyof Durability, string>>(`
      WITH jobs AS (
        SELECT data, state FROM pgboss.job WHERE name = 'send-confirmation'
        UNION ALL
        SELECT data, state FROM pgboss.archive WHERE name = 'send-confirmation'
      )
      SELECT (SELECT count(*) FROM signatures) AS signatures,
             (SELECT count(*) FROM jobs) AS jobs,
             -- A confirmation job names the submission it sends a link for (an "already
             -- signed" notice, the signature): each must lead to a signature of its own.
             (SELECT count(DISTINCT coalesce(sub.signature_id, (j.data->>'signatureId')::bigint))
              FROM jobs j LEFT JOIN signature_submissions sub ON sub.id = (j.data->>'submissionId')::bigint) AS "jobSignatures",
             (SELECT count(*) FROM jobs WHERE state = 'completed') AS completed,
             (SELECT count(*) FROM sent_emails) AS "sentEmails"`);
    const r = rows[0]!;
    return {
      signatures: Number(r.signatures),
      jobs: Number(r.jobs),
      jobSignatures: Number(r.jobSignatures),
      completed: Number(r.completed),
      sentEmails: Number(r.sentEmails),
    };
  });
}

// ---------------------------------------------------------------------------
// What bench:sign watches besides the harness's CPU and RSS

/** The pids of the web processes that the cluster primary said are listening (src/cluster.ts, at LOG_LEVEL info). */
function webProcessPids(logFile: string): number[] {
  const pids: number[] = [];
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"web process listening"')) continue;
    const pid = (JSON.parse(line) as { webProcessPid?: number }).webProcessPid;
    if (pid) pids.push(pid);
  }
  return pids;
}

/**
 * Where the server's database connections spend the load: pg_stat_activity of
 * the app's pool (application_name 'placard'), sampled every 100 ms, as the
 * average number of connections in each state. `active` without a wait event
 * is running (or waiting for a CPU); `idle in transaction: Client:ClientRead`
 * is a transaction waiting for Node to send its next statement.
 */
function sampleWaits(url: string): { stop: () => Promise<{ samples: number; states: [string, number][] }> } {
  const client = new pg.Client({ connectionString: url, application_name: 'placard-bench' });
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query<{ w: string; n: string }>(`
        SELECT state || coalesce(': ' || wait_event_type || ':' || wait_event, '') AS w, count(*) AS n
        FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'placard'
        GROUP BY 1`);
      samples++;
      for (const r of rows) counts.set(r.w, (counts.get(r.w) ?? 0) + Number(r.n));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  let result: Promise<{ samples: number; states: [string, number][] }> | undefined;
  return {
    stop: () =>
      (result ??= (async () => {
        stopped = true;
        await loop.catch(() => undefined);
        await client.end().catch(() => undefined);
        const states = [...counts.entries()].map(([w, n]) => [w, n / Math.max(1, samples)] as [string, number]).sort((a, b) => b[1] - a[1]);
        return { samples, states };
      })()),
  };
}

/** Checkpoints the server has done so far (timed and requested): one during a load costs it extra WAL (full-page writes) and I/O. */
async function checkpointCount(): Promise<number | undefined> {
  try {
    return await admin(async (c) => Number((await c.query<{ n: string }>('SELECT checkpoints_timed + checkpoints_req AS n FROM pg_stat_bgwriter')).rows[0]!.n));
  } catch {
    return undefined;
  }
}

type PoolAndCheckpoints = { waits: { samples: number; states: [string, number][] }; checkpoints?: number };
type Measured = { result: LoadResult; alongside?: PoolAndCheckpoints } & Sampled;

/** Over a load: the states of the app's pool connections (sampleWaits) and the checkpoints PostgreSQL did. */
function poolAndCheckpoints(db: { url: string }): Alongside<PoolAndCheckpoints> {
  return async () => {
    const waits = sampleWaits(db.url);
    const before = await checkpointCount();
    return {
      stop: async () => {
        const after = await checkpointCount();
        return { waits: await waits.stop(), checkpoints: before !== undefined && after !== undefined ? after - before : undefined };
      },
    };
  };
}

// ---------------------------------------------------------------------------
// Printing

function describeLoad(spec: LoadSpec): string {
  const seconds = spec.durationMs / 1000;
  return spec.mode === 'closed'
    ? `closed loop, ${spec.connections} connections × ${seconds} s`
    : `open loop, ${spec.rate}/s × ${seconds} s (${f0((spec.rate * spec.durationMs) / 1000)} requests on a fixed schedule)`;
}

const mb = (bytes: number) => `${f0(bytes / 2 ** 20)} MB`;

function formatRss(rss: Rss): string {
  const web = rss.web.length === 1 ? `web process ${mb(rss.web[0]!)}` : `web processes ${rss.web.map(mb).join(', ')}`;
  return [web, rss.primary !== undefined && `cluster primary ${mb(rss.primary)}`, rss.worker !== undefined && `npm run worker ${mb(rss.worker)}`].filter(Boolean).join('; ');
}

function printLoad(result: LoadResult, cpu: CpuShare, rss?: Rss): void {
  const r = result;
  const statuses = Object.entries(r.byStatus).map(([s, n]) => `${s}: ${f0(n)}`).join(', ');
  const errors = Object.entries(r.errors).map(([e, n]) => `${e}: ${f0(n)}`).join(', ');
  console.log(`  requests ${f0(r.requests)}   non-303 ${f0(r.non303)}   (${statuses || 'no answers'}${errors ? `; errors ${errors}` : ''})`);
  console.log(`  signatures/s ${f1(r.signaturesPerSecond)}   (303s ${f0(r.ok303)} in ${f1(r.elapsedMs / 1000)} s)`);
  const l = r.latencyMs;
  const what = r.spec.mode === 'open' ? 'from scheduled send' : 'send → response';
  console.log(`  latency ms (${what}): p50 ${f1(l.p50)}  p90 ${f1(l.p90)}  p99 ${f1(l.p99)}  max ${f1(l.max)}  mean ${f1(l.mean)}`);
  if (r.serviceMs) {
    const s = r.serviceMs;
    console.log(`  service ms (actual send → response): p50 ${f1(s.p50)}  p90 ${f1(s.p90)}  p99 ${f1(s.p99)}  max ${f1(s.max)};  max in flight ${r.maxInFlight}`);
  }
  printCpu(cpu);
  if (rss) console.log(`  RSS, the most seen during the load (VmRSS, sampled every 250 ms): ${formatRss(rss)}`);
}

type Row = {
  target: string;
  load: string;
  requests: number;
  non303: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  cpu: CpuShare;
  rss?: Rss;
  durable?: string;
};
const rows: Row[] = [];

function addRow(target: string, result: LoadResult, cpu: CpuShare, durable?: string, rss?: Rss): void {
  const l = result.latencyMs;
  rows.push({
    target,
    load: result.spec.mode === 'closed' ? `closed ${result.spec.connections} conn` : `open ${result.spec.rate}/s`,
    requests: result.requests,
    non303: result.non303,
    perSecond: result.signaturesPerSecond,
    p50: l.p50,
    p90: l.p90,
    p99: l.p99,
    max: l.max,
    cpu,
    rss,
    durable,
  });
}

// ---------------------------------------------------------------------------
// The measurements

function loadSpec(baseUrl: string, mode: 'closed' | 'open', prefix: string, overrides: Partial<LoadSpec> = {}): LoadSpec {
  return {
    baseUrl,
    slug: SLUG,
    mode,
    connections: settings.connections,
    rate: settings.rate,
    durationMs: settings.durationMs,
    emailPrefix: prefix,
    maxSockets: 256,
    requestTimeoutMs: 30_000,
    drainTimeoutMs: 30_000,
    ...overrides,
  };
}

let failures = 0;

/** One configuration of Placard under load. */
type PlacardRun = {
  /** workers: RUN_WORKERS=true; web: RUN_WORKERS=false; split: RUN_WORKERS=false beside one `npm run worker`. */
  mode: 'workers' | 'web' | 'split';
  /** WEB_PROCESSES (workers mode: always 1, as the web processes of a cluster run no workers). */
  webProcesses: number;
  server: ServerKind;
};

function describeRun(run: PlacardRun): { heading: string; target: string } {
  const processes = run.webProcesses > 1 ? `WEB_PROCESSES=${run.webProcesses}, ` : '';
  const how = `node ${serverEntry(run.server).join(' ')}`;
  const heading = {
    workers: 'RUN_WORKERS=true (workers in-process)',
    web: `${processes}RUN_WORKERS=false (web only)`,
    split: `${processes}RUN_WORKERS=false + one npm run worker`,
  }[run.mode];
  const target = {
    workers: 'workers in-process',
    web: run.webProcesses > 1 ? `web only, ${run.webProcesses} web processes` : 'web only',
    split: `${run.webProcesses} web process${run.webProcesses > 1 ? 'es' : ''} + npm run worker`,
  }[run.mode];
  return { heading: `${heading}; ${how}`, target: `Placard, ${target}${run.server === 'build' ? ' (build)' : ''}` };
}

/** Connections of the database held by pg-boss (application_name placard-queue): a worker that has started its queue. */
async function queueConnections(db: { url: string }): Promise<number> {
  return withClient(db.url, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'placard-queue'",
    );
    return rows[0]!.n;
  });
}

async function benchPlacard(run: PlacardRun, mode: 'closed' | 'open', tmp: string): Promise<void> {
  const { heading, target } = describeRun(run);
  const spec0 = loadSpec('', mode, 'x');
  console.log(`\n== placard ${heading}; ${describeLoad(spec0)}`);
  const mailSent = run.mode !== 'web';
  const name = `${run.mode}-${run.webProcesses}-${run.server}-${mode}`;

  const setupStarted = performance.now();
  const db = await createDatabase(run.mode === 'workers' ? 'w' : run.mode);
  await preparePlacardDatabase(db.url);
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const env = placardEnv(db.url, dataDir, {
    LOG_LEVEL: settings.serverLogLevel,
    DEMO_CONTENT: 'false',
    RATE_LIMIT_SIGN_PER_MINUTE: '100000000',
    RATE_LIMIT_CONFIRM_PER_MINUTE: '100000000',
    RUN_WORKERS: String(run.mode === 'workers'),
  });

  let worker: Spawned | undefined;
  if (run.mode === 'split') {
    // First, so that it alone makes pg-boss's queues; ready once its queue is connected.
    worker = spawnNode('npm run worker', [...settings.serverNodeArgs, ...serverEntry(run.server, 'worker')], env, path.join(tmp, `worker-${name}.log`));
    await waitUntil('npm run worker', worker, 'its queue is connected', async () => (await queueConnections(db)) > 0);
  }
  // The cluster primary says which web processes listen at info; they log nothing more per request there.
  const serverEnv = run.webProcesses > 1 ? { ...env, WEB_PROCESSES: String(run.webProcesses), LOG_LEVEL: (LOG_LEVELS[settings.serverLogLevel] ?? 0) > LOG_LEVELS.info! ? 'info' : settings.serverLogLevel } : env;
  const logFile = path.join(tmp, `server-${name}.log`);
  const server = await startNode('placard', serverEntry(run.server), serverEnv, logFile, settings.serverNodeArgs);
  if (run.webProcesses > 1) {
    await waitUntil('placard', server, `${run.webProcesses} web processes listen`, async () => webProcessPids(logFile).length >= run.webProcesses);
  }
  const pool = `DATABASE_POOL_SIZE=${env.DATABASE_POOL_SIZE ?? '10 (default)'}${run.webProcesses > 1 ? ` in each of ${run.webProcesses} web processes` : ''}`;
  const pids = run.webProcesses > 1 ? `cluster primary pid ${server.pid}, web processes ${webProcessPids(logFile).join(', ')}` : `server pid ${server.pid}`;
  console.log(
    `  setup ${f1((performance.now() - setupStarted) / 1000)} s: database ${db.name}, migrated, demo content; ${pids}${worker ? `; npm run worker pid ${worker.pid}` : ''}; at ${server.baseUrl}; ${pool}`,
  );

  let sent303 = 0;
  let clientErrors = 0;
  const warm = await unmeasuredLoad(loadSpec(server.baseUrl, 'closed', 'warm', { connections: 8, durationMs: settings.warmupMs }));
  sent303 += warm.ok303;
  clientErrors += Object.values(warm.errors).reduce((a, b) => a + b, 0);
  console.log(`  warm-up: ${f0(warm.requests)} requests over ${settings.warmupMs / 1000} s (8 connections), ${f0(warm.ok303)} × 303`);

  const measured: Measured = await measuredLoad(loadSpec(server.baseUrl, mode, 'load'), server.pid, { worker: worker?.pid, dbName: db.name, alongside: poolAndCheckpoints(db) });
  const { result, cpu, rss } = measured;
  const { waits, checkpoints } = measured.alongside ?? {};
  sent303 += result.ok303;
  clientErrors += Object.values(result.errors).reduce((a, b) => a + b, 0);
  printLoad(result, cpu, rss);
  if (waits) {
    const states = waits.states.slice(0, 6).map(([w, n]) => `${w} ${n.toFixed(1)}`).join(' · ');
    const of = Number(env.DATABASE_POOL_SIZE ?? 10) * (run.webProcesses + (worker ? 1 : 0));
    console.log(`  app pool connections (of ${of}${worker ? ", the worker's included" : ''}), average over ${waits.samples} samples of pg_stat_activity: ${states}`);
  }
  if (checkpoints !== undefined) console.log(`  PostgreSQL checkpoints during the load (whole server, pg_stat_bgwriter): ${checkpoints}`);
  for (const [label, process] of [['the server', server], ['npm run worker', worker]] as const) {
    if (process && hasExited(process)) {
      // Exit 0 means it shut down on SIGTERM/SIGINT: from outside the bench, on a shared machine.
      console.log(`  !! ${label} exited during the load (exit ${process.child.exitCode ?? process.child.signalCode}); these figures are not valid. Its log:\n${tail(process.logFile)}`);
      failures++;
    }
  }

  // Durability: every 303 means a committed signature and its confirmation job, nothing more, nothing less.
  const counts = await countRows(db.url);
  const ok = counts.signatures === sent303 && counts.jobs === sent303 && counts.jobSignatures === sent303;
  const durable = ok ? 'yes' : 'NO';
  console.log(
    `  durability: 303s ${f0(sent303)} (warm-up included) · signatures ${f0(counts.signatures)} · send-confirmation jobs ${f0(counts.jobs)} (for ${f0(counts.jobSignatures)} distinct signatures) → ${ok ? 'all match' : 'MISMATCH'}${clientErrors ? ` (${clientErrors} requests failed in the client; their outcome is unknown)` : ''}`,
  );
  if (!ok) failures++;

  if (mailSent) {
    // The mail side: how many confirmations went out during the run, and how fast the backlog drains.
    const before = counts.completed;
    const watchStarted = performance.now();
    await new Promise((r) => setTimeout(r, settings.mailWatchMs));
    const after = await countRows(db.url);
    const watched = (performance.now() - watchStarted) / 1000;
    const rate = (after.completed - before) / watched;
    const backlog = after.jobs - after.completed;
    const eml = fs.existsSync(path.join(dataDir, 'mail')) ? fs.readdirSync(path.join(dataDir, 'mail')).length : 0;
    console.log(
      `  mail: ${f0(before)} of ${f0(counts.jobs)} confirmation jobs completed by the end of the load; over the next ${f1(watched)} s ${f0(after.completed - before)} more (${f1(rate)} jobs/s); backlog ${f0(backlog)}${rate > 0 ? ` ≈ ${f0(backlog / rate / 60)} min to drain at that rate` : ''}; .eml files ${f0(eml)}; sent_emails ${f0(after.sentEmails)}`,
    );
  }

  for (const [label, process] of [['server', server], ['npm run worker', worker]] as const) {
    if (!process) continue;
    const stopped = await process.stop();
    const logLines = logLineCount(process.logFile, settings.serverLogLevel);
    console.log(
      `  stop ${label}: SIGTERM → exit ${stopped.code ?? stopped.signal} in ${f1(stopped.ms / 1000)} s; log lines at LOG_LEVEL=${settings.serverLogLevel} or above: ${logLines}${logLines ? ` (${process.logFile})` : ''}`,
    );
    if (logLines) console.log(tail(process.logFile, 5).replace(/^/gm, '    | '));
  }
  await db.drop();
  addRow(target, result, cpu, durable, rss);
}

async function benchHello(tmp: string): Promise<void> {
  console.log(`\n== ceiling: Express 5 hello-world (bench/hello-server.ts: body + cookie parsing, 303, no database)`);
  const logFile = path.join(tmp, 'hello.log');
  const server = await startNode('hello-world', tsxEntry('bench/hello-server.ts'), { ...process.env }, logFile);
  for (const mode of ['closed', 'open'] as const) {
    await unmeasuredLoad(loadSpec(server.baseUrl, 'closed', 'warm', { connections: 8, durationMs: settings.warmupMs }));
    const { result, cpu } = await measuredLoad(loadSpec(server.baseUrl, mode, mode), server.pid);
    console.log(` -- ${describeLoad(result.spec)}`);
    printLoad(result, cpu);
    addRow('Express hello-world', result, cpu);
  }
  await server.stop();
}

type PgbenchResult = {
  clients: number;
  tps: number;
  latencyMs: number;
  transactions: number;
  /** Average ms per statement (pgbench -r), in script order. */
  statements: { ms: number; sql: string }[];
  cpu: CpuShare;
};

/** Runs pgbench against dbName (on DATABASE_URL's server), with CPU sampled around it (pgbench counts as the client). */
async function pgbench(
  db: { name: string },
  script: string,
  clients: number,
  seconds: number,
  protocol: 'simple' | 'prepared' = 'simple',
): Promise<PgbenchResult> {
  const url = new URL(ADMIN_URL);
  const args = ['-n', '-r', '-M', protocol, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), '-f', script];
  args.push('-h', url.hostname.replace(/^\[|\]$/g, ''), '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'), db.name);
  const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
  let before: CpuSnapshot | undefined;
  let last: CpuSnapshot | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const output = await new Promise<string>((resolve, reject) => {
    const child = execFile(settings.pgbench, args, { env, timeout: (seconds + 60) * 1000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pgbench failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    const pid = child.pid ?? -1;
    // Connections are made in the first moments; sample the steady part.
    setTimeout(() => {
      before = last = cpuSnapshot({ server: -1, client: pid }, db.name);
      sampler = setInterval(() => (last = cpuSnapshot({ server: -1, client: pid }, db.name)), 250);
    }, 300);
  });
  clearInterval(sampler);
  const number = (re: RegExp) => Number(re.exec(output)?.[1] ?? NaN);
  const statements: { ms: number; sql: string }[] = [];
  const at = output.indexOf('statement latencies in milliseconds');
  if (at >= 0) {
    for (const line of output.slice(at).split('\n').slice(1)) {
      const m = /^\s+([\d.]+)\s+(?:\d+\s+)?(\S.*)$/.exec(line);
      if (m) statements.push({ ms: Number(m[1]), sql: m[2]! });
    }
  }
  const zero: CpuShare = { server: 0, worker: 0, client: 0, pgBench: 0, pgOther: 0, rest: 0, idle: 0, steal: 0, loops: [] };
  return {
    clients,
    tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
    latencyMs: number(/latency average = ([\d.]+) ms/),
    transactions: number(/number of transactions actually processed: (\d+)/),
    statements,
    cpu: before && last && last !== before ? cpuShare(before, last) : zero,
  };
}

function printPgbench(r: PgbenchResult, what: string): void {
  console.log(
    `  -c ${r.clients} -j ${Math.min(r.clients, 2)}: ${f0(r.transactions)} ${what}, tps ${f1(r.tps)}, latency average ${f1(r.latencyMs)} ms`,
  );
  console.log(
    `    cpu, % of one core: PostgreSQL backends ${f0(r.cpu.pgBench)}, other PostgreSQL ${f0(r.cpu.pgOther)}  pgbench ${f0(r.cpu.client)}  rest of machine ${f0(r.cpu.rest)}  idle ${f0(r.cpu.idle)}  steal ${f0(r.cpu.steal)}`,
  );
}

const pgbenchRows: (PgbenchResult & { label: string })[] = [];

async function benchPostgres(tmp: string): Promise<void> {
  console.log(`\n== ceiling: PostgreSQL raw insert rate (pgbench ${settings.pgbench})`);
  const db = await createDatabase('raw');
  // Shaped like signatures: identity key, a unique email, a name, a timestamp.
  await withClient(db.url, (client) =>
    client.query(`CREATE TABLE bench_raw (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      email text NOT NULL UNIQUE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`),
  );
  const script = path.join(tmp, 'insert.sql');
  fs.writeFileSync(
    script,
    "INSERT INTO bench_raw (email, name) VALUES ('raw-' || :client_id || '-' || md5(random()::text) || '@bench.example.com', 'Bench Signer');\n",
  );
  for (const [clients, seconds] of [
    [8, 10],
    [1, 5],
  ] as const) {
    const r = await pgbench(db, script, clients, seconds);
    console.log(`  one autocommitted INSERT per transaction, -T ${seconds}:`);
    printPgbench(r, 'inserts');
    pgbenchRows.push({ ...r, label: 'pgbench single INSERT' });
  }
  await db.drop();

  // The same database work as one signature in Placard, with no Node: the database's ceiling for this path.
  const signDb = await createDatabase('sql');
  await preparePlacardDatabase(signDb.url);
  const actionId = await withClient(signDb.url, async (client) =>
    Number((await client.query<{ id: string }>('SELECT id FROM actions WHERE slug = $1', [SLUG])).rows[0]!.id),
  );
  const signScript = path.join(tmp, 'sign-transaction.sql');
  fs.writeFileSync(signScript, await signTransactionScript({ databaseUrl: signDb.url, actionId, slug: SLUG }));
  console.log(
    `\n== ceiling: the SQL of one signature, with no Node (bench/sign-sql.ts: rate-limit counter, action lookup, BEGIN, INSERT signature, pg-boss INSERT job, COMMIT)`,
  );
  // -c 10: the size of Placard's pool. -c 1: each statement's own cost, with nothing to wait for.
  // -M simple parses and plans every statement every time, as node-pg does for a query without a name;
  // -M prepared plans each once per connection, as it does for a named one (Placard's, since a33c3a3):
  // the difference is planning.
  for (const [clients, seconds, protocol] of [
    [10, settings.durationMs / 1000, 'simple'],
    [1, 5, 'simple'],
    [10, settings.durationMs / 1000, 'prepared'],
    [1, 5, 'prepared'],
  ] as const) {
    const before = await countRows(signDb.url);
    const r = await pgbench(signDb, signScript, clients, seconds, protocol);
    const after = await countRows(signDb.url);
    console.log(`  -M ${protocol} -T ${seconds}:`);
    printPgbench(r, `signatures (rows added: signatures ${f0(after.signatures - before.signatures)}, jobs ${f0(after.jobs - before.jobs)})`);
    console.log(
      `    average ms per statement (pgbench -r): ${r.statements.map((st) => `${st.ms.toFixed(2)} ${st.sql.slice(0, 28).trim()}…`).join(' · ')}`,
    );
    pgbenchRows.push({ ...r, label: `pgbench sign transaction (no Node), -M ${protocol}` });
  }
  await signDb.drop();
}

function printSummary(): void {
  console.log('\n== summary (latency in ms; open-loop latency counts from the scheduled send time)');
  console.log('| target | load | requests | non-303 | 303/s | p50 | p90 | p99 | max | cpu % server/worker/client/PostgreSQL/rest/idle | max RSS MB: web processes (primary, worker) | durable |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |');
  const inMb = (bytes: number) => f0(bytes / 2 ** 20);
  for (const r of rows) {
    const cpu = `${f0(r.cpu.server)}/${f0(r.cpu.worker)}/${f0(r.cpu.client)}/${f0(r.cpu.pgBench + r.cpu.pgOther)}/${f0(r.cpu.rest)}/${f0(r.cpu.idle)}`;
    const others = [r.rss?.primary !== undefined && `primary ${inMb(r.rss.primary)}`, r.rss?.worker !== undefined && `worker ${inMb(r.rss.worker)}`].filter(Boolean);
    const rss = r.rss ? `${r.rss.web.map(inMb).join(', ')}${others.length ? ` (${others.join(', ')})` : ''}` : '–';
    console.log(
      `| ${r.target} | ${r.load} | ${f0(r.requests)} | ${f0(r.non303)} | ${f1(r.perSecond)} | ${f1(r.p50)} | ${f1(r.p90)} | ${f1(r.p99)} | ${f1(r.max)} | ${cpu} | ${rss} | ${r.durable ?? '–'} |`,
    );
  }
  for (const p of pgbenchRows) {
    const cpu = `–/–/${f0(p.cpu.client)} (pgbench)/${f0(p.cpu.pgBench + p.cpu.pgOther)}/${f0(p.cpu.rest)}/${f0(p.cpu.idle)}`;
    console.log(`| ${p.label} | ${p.clients} clients | ${f0(p.transactions)} | – | ${f1(p.tps)} | avg ${f1(p.latencyMs)} | | | | ${cpu} | – | – |`);
  }
}

async function main(): Promise<void> {
  for (const mode of settings.modes) if (!['workers', 'web', 'split'].includes(mode)) throw new Error(`BENCH_MODES: unknown mode "${mode}" (workers, web, split)`);
  const servers = settings.servers.map(serverKind);
  for (const load of settings.loads) if (load !== 'closed' && load !== 'open') throw new Error(`BENCH_LOADS: unknown load "${load}" (closed, open)`);

  console.log(`placard bench:sign — ${new Date().toISOString()}`);
  console.log(await describeMachine());
  console.log(
    `processes: orchestrator pid ${process.pid}; server = separate ${servers.map((kind) => `\`node ${serverEntry(kind).join(' ')}\``).join(' and ')} (BENCH_SERVER=${settings.servers.join(',')}); load client = a child process forked per load (bench/client.ts), node:http with keep-alive`,
  );
  console.log(
    `loads: closed loop ${settings.connections} connections × ${settings.durationMs / 1000} s; open loop ${settings.rate}/s × ${settings.durationMs / 1000} s; each after a ${settings.warmupMs / 1000} s warm-up, on a fresh database and server`,
  );

  console.log(await describeBackground());

  const tmp = scratchDir();

  if (settings.ceilings) {
    await benchPostgres(tmp);
    await benchHello(tmp);
  }
  if (servers.includes('build')) {
    // The compiled app, as production runs it (npm start uses build/ when it is current).
    const started = performance.now();
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    console.log(`\nnpm run build: ${f1((performance.now() - started) / 1000)} s`);
  }
  for (const server of servers) {
    for (const mode of settings.modes as PlacardRun['mode'][]) {
      for (const webProcesses of mode === 'workers' ? [1] : settings.webProcesses) {
        for (const load of settings.loads as ('closed' | 'open')[]) await benchPlacard({ mode, webProcesses, server }, load, tmp);
      }
    }
  }
  printSummary();
  if (failures) throw new Error(`${failures} load(s) failed: a 303 without its signature or job, or a server that stopped mid-load`);
}

runBench('bench:sign', main);
