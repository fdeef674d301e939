// What the benches share: the cleanup that runs at the end, on error and on
// Ctrl+C; scratch databases (placard_bench_*) on the PostgreSQL at DATABASE_URL;
// the server under test (and `npm run worker`) as processes of their own,
// started as in production; where the machine's CPU went during a load, and how
// much memory the server's processes held. Each bench (bench/sign.ts,
// bench/pages.ts; bench/counts.ts and bench/letter-pdf.ts for their databases)
// keeps only what it measures. See bench/README.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { loadDemoContent } from '../src/demo/demo-content.ts';
import { createLogger } from '../src/log.ts';
import { runLoad, type LoadResult, type LoadSpec } from './client.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** The admin connection the benches create and drop their databases with; loopback only. */
export const ADMIN_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

export const f1 = (n: number) => n.toFixed(1);
export const f0 = (n: number) => Math.round(n).toLocaleString('en-GB');

// ---------------------------------------------------------------------------
// Cleanup: everything started or created registers how to undo it; the undo
// runs in reverse order at the end, on error, and on Ctrl+C.

const undo: { label: string; run: () => Promise<void> }[] = [];

/** Registers an undo step; the function returned runs it early (and removes it from the list). */
export function onCleanup(label: string, run: () => Promise<void>): () => Promise<void> {
  const entry = { label, run };
  undo.push(entry);
  return async () => {
    const i = undo.indexOf(entry);
    if (i >= 0) undo.splice(i, 1);
    await run();
  };
}

let interrupted = false;
/** After Ctrl+C nothing new is started: cleanup may already be running. */
export function assertRunning(): void {
  if (interrupted) throw new Error('interrupted');
}

async function cleanupAll(): Promise<void> {
  while (undo.length) {
    const entry = undo.pop()!;
    try {
      await entry.run();
    } catch (error) {
      console.error(`cleanup: ${entry.label} failed: ${(error as Error).message}`);
    }
  }
}

/**
 * Runs a bench's main: refuses a DATABASE_URL off this machine, cleans up at
 * the end, on error and on SIGINT/SIGTERM, and exits non-zero when main threw.
 */
export function runBench(name: string, main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: cleaning up`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  (async () => {
    const host = new URL(ADMIN_URL).hostname;
    if (!isLoopback(host)) throw new Error(`DATABASE_URL must point at this machine (127.0.0.1/localhost), not ${host}`);
    await main();
  })()
    .catch((error: unknown) => {
      console.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await cleanupAll();
      process.exit(process.exitCode ?? 0);
    });
}

/** A scratch directory under the system's, removed at cleanup. */
export function scratchDir(): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'placard-bench-'));
  onCleanup(`remove ${tmp}`, async () => fs.rmSync(tmp, { recursive: true, force: true }));
  return tmp;
}

/** The machine, node and PostgreSQL, for the head of a bench's output. */
export async function describeMachine(): Promise<string> {
  const version = await admin(async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version);
  return `machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? '?'}), ${f1(os.totalmem() / 2 ** 30)} GiB; node ${process.version}; PostgreSQL ${version} at ${new URL(ADMIN_URL).hostname}`;
}

// ---------------------------------------------------------------------------
// Databases

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `work` on a connection of its own to `url` (application_name placard-bench, which the app's pool states leave out). */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'placard-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` on the admin connection (DATABASE_URL). */
export const admin = <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => withClient(ADMIN_URL, work);

export type BenchDatabase = { name: string; url: string; drop: () => Promise<void> };

/** A new, empty database; dropped (WITH FORCE) at cleanup. */
export async function createDatabase(kind: string): Promise<BenchDatabase> {
  assertRunning();
  const name = `placard_bench_${kind}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const drop = onCleanup(`drop database ${name}`, async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
  return { name, url: withDatabase(ADMIN_URL, name), drop };
}

/** The demo content's open petition, which the benches sign and read. */
export const DEMO_ACTION_SLUG = 'free-the-zhanaozen-prisoners';

/** Migrates the database and loads the demo content; checks that its petition is open. */
export async function preparePlacardDatabase(url: string): Promise<void> {
  const pool = createPool(url, { max: 2, log: createLogger('warn') });
  try {
    await migrate(pool);
    await loadDemoContent(pool, createLogger('warn'));
    const { rows } = await pool.query<{ status: string }>('SELECT status FROM actions WHERE slug = $1', [DEMO_ACTION_SLUG]);
    if (rows[0]?.status !== 'open') throw new Error(`the demo content has no open action "${DEMO_ACTION_SLUG}"`);
  } finally {
    await pool.end();
  }
}

// ---------------------------------------------------------------------------
// Processes

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type StopResult = { code: number | null; signal: string | null; ms: number };
export type Spawned = { child: ChildProcess; pid: number; logFile: string; stop: () => Promise<StopResult> };
export type Started = Spawned & { baseUrl: string };

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export function hasExited(process: { child: ChildProcess }): boolean {
  return process.child.exitCode !== null || process.child.signalCode !== null;
}

/** The node arguments that run a TypeScript file as `npm start` does without a build: through tsx's loader. */
export const tsxEntry = (script: string): string[] => ['--import', 'tsx', script];

/**
 * How a Placard entry (the server, `npm run worker`) is run: `build` is the
 * compiled build/*.js (production, after `npm run build`), `tsx` the
 * TypeScript through tsx's loader.
 */
export type ServerKind = 'build' | 'tsx';

/** A BENCH_SERVER value, checked. */
export function serverKind(value: string): ServerKind {
  if (value === 'build' || value === 'tsx') return value;
  throw new Error(`BENCH_SERVER: unknown "${value}" (build, tsx)`);
}

/**
 * The server kind BENCH_SERVER asks for, or by default what `npm start`
 * (src/launch.mjs) would choose: the build when it is newer than every source
 * file, else tsx.
 */
export function chooseServer(requested: string | undefined): { kind: ServerKind; why: string } {
  const built = path.join(ROOT, 'build', 'server.js');
  if (requested) {
    const kind = serverKind(requested);
    if (kind === 'build' && !fs.existsSync(built)) throw new Error('BENCH_SERVER=build but there is no build/server.js: run `npm run build` first');
    return { kind, why: `BENCH_SERVER=${kind}` };
  }
  if (!fs.existsSync(built)) return { kind: 'tsx', why: 'no build/ (npm run build makes one)' };
  const builtAt = fs.statSync(built).mtimeMs;
  const src = path.join(ROOT, 'src');
  const newer = fs
    .readdirSync(src, { recursive: true, encoding: 'utf8' })
    .find((file) => file.endsWith('.ts') && fs.statSync(path.join(src, file)).mtimeMs > builtAt);
  return newer ? { kind: 'tsx', why: `build/ is older than src/${newer}` } : { kind: 'build', why: 'build/ is newer than every source file' };
}

/**
 * npm start's heap caps (package.json: `--max-old-space-size=${HEAP_MB:-heapMb}
 * --max-semi-space-size=semiSpaceMb`), so that a bench measures the process as
 * it runs in production: `heapMb` if given, else HEAP_MB if set (0: V8's own
 * limit for the old space), else package.json's.
 */
export function heapFlags(heapMb = process.env.HEAP_MB): string[] {
  const { config } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { config: { heapMb: string; semiSpaceMb: string } };
  const mb = heapMb || config.heapMb;
  if (!/^\d+$/.test(mb)) throw new Error(`HEAP_MB: "${mb}" is not a number of MB`);
  return [`--max-old-space-size=${mb}`, `--max-semi-space-size=${config.semiSpaceMb}`];
}

/** How npm start (server) or npm run worker runs, as node's arguments: the heap caps, then the entry. */
export function serverEntry(kind: ServerKind, entry: 'server' | 'worker' = 'server', heapMb?: string): string[] {
  return [...heapFlags(heapMb), ...(kind === 'build' ? [`build/${entry}.js`] : tsxEntry(`src/${entry}.ts`))];
}

/**
 * The environment of a Placard server (or worker) under test. Nothing of the
 * caller's Placard settings leaks in, except the pool size, which the benches
 * print. NODE_ENV stays unset (development): production requires SMTP_URL, and
 * mail goes to .eml files under dataDir.
 */
export function placardEnv(databaseUrl: string, dataDir: string, settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['NODE_ENV', 'SMTP_URL', 'BASE_URL', 'APP_SECRET', 'TRUST_PROXY', 'EMBEDDED_PG_PORT', 'MAIL_FROM', 'COUNT_INTERVAL_MS', 'WEB_PROCESSES']) delete env[key];
  return Object.assign(env, { DATABASE_URL: databaseUrl, HOST: '127.0.0.1', DATA_DIR: dataDir }, settings);
}

/** Spawns `node <args>` with env, its output to a log file; stopped (SIGTERM, then SIGKILL) at cleanup. */
export function spawnNode(label: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Spawned {
  assertRunning();
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const stopResult: { value?: Promise<StopResult> } = {};
  const stop = (): Promise<StopResult> =>
    (stopResult.value ??= (async () => {
      const started = performance.now();
      if (!hasExited({ child })) {
        child.kill('SIGTERM');
        // Placard finishes requests in flight, then stops its queue (up to 15 s), then exits.
        if (!(await waitForExit(child, 30_000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 5_000);
        }
      }
      return { code: child.exitCode, signal: child.signalCode, ms: performance.now() - started };
    })());
  const unregister = onCleanup(`stop ${label} (pid ${child.pid})`, async () => {
    await stop();
  });
  return {
    child,
    pid: child.pid!,
    logFile,
    stop: async () => {
      await unregister();
      return stop();
    },
  };
}

/** Polls `ready` every 200 ms until it is true; fails if the process exits first, or after 60 s. */
export async function waitUntil(label: string, spawned: Spawned, what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (hasExited(spawned)) throw new Error(`${label} exited (${spawned.child.exitCode ?? spawned.child.signalCode}) before ${what}; its log:\n${tail(spawned.logFile)}`);
    if (await ready().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`${label}: not ready within 60 s (waiting until ${what}); its log:\n${tail(spawned.logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts a web server, `node <nodeArgs> <entry>` on a free PORT; resolves once /healthz answers 200. */
export async function startNode(label: string, entry: string[], env: NodeJS.ProcessEnv, logFile: string, nodeArgs: string[] = []): Promise<Started> {
  assertRunning();
  const port = await freePort();
  const spawned = spawnNode(label, [...nodeArgs, ...entry], { ...env, PORT: String(port) }, logFile);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntil(label, spawned, 'it answers /healthz', async () => (await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok);
  return { ...spawned, baseUrl };
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** pino's levels by name, as LOG_LEVEL takes them. */
export const LOG_LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * Lines of a log file at `level` or above, and those that are not pino's (a
 * crash's stack): a quiet server writes none at warn.
 */
export function logLineCount(file: string, level: string): number {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => {
        try {
          return (JSON.parse(l) as { level: number }).level >= (LOG_LEVELS[level] ?? 0);
        } catch {
          return true;
        }
      }).length;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------
// CPU: where the cores went during a load, from /proc. Memory: the RSS of the
// server's processes.

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

type Group = 'server' | 'worker' | 'client' | 'pgBench' | 'pgOther';
/** The processes of a load: the server (with WEB_PROCESSES above 1, the cluster primary), `npm run worker` if any, the load client. */
export type LoadPids = { server: number; worker?: number; client: number };
export type CpuSnapshot = {
  at: number;
  busy: number;
  idle: number;
  steal: number;
  procs: Map<number, { ticks: number; group: Group }>;
  /** Each web process's main thread (its event loop): ns on a CPU, ns runnable but waiting for one (/proc/PID/schedstat). */
  webSched: Map<number, { run: number; wait: number }>;
};

function schedstat(pid: number): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return run === undefined || wait === undefined ? undefined : { run, wait };
  } catch {
    return undefined;
  }
}

const cmdlines = new Map<number, string>();
function cmdline(pid: number): string {
  let c = cmdlines.get(pid);
  if (c === undefined) {
    try {
      c = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      c = '';
    }
    cmdlines.set(pid, c);
  }
  return c;
}

/**
 * Ticks of the server (and the web processes it forked), the worker, the client, and every
 * PostgreSQL process (split: backends of `dbName`, and the rest).
 */
export function cpuSnapshot(pids: LoadPids | undefined, dbName: string | undefined): CpuSnapshot {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const procs = new Map<number, { ticks: number; group: Group }>();
  const forked: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let group: Group | undefined;
    if (pid === pids?.server) group = 'server';
    else if (comm === 'node' && Number(fields[1]) === pids?.server) {
      group = 'server'; // a web process of the cluster
      forked.push(pid);
    } else if (pid === pids?.worker) group = 'worker';
    else if (pid === pids?.client) group = 'client';
    else if (comm === 'postgres') group = dbName && cmdline(pid).includes(` ${dbName} `) ? 'pgBench' : 'pgOther';
    if (!group) continue;
    procs.set(pid, { ticks: Number(fields[11]) + Number(fields[12]), group }); // utime + stime
  }
  // The web processes: those the server forked, or the server itself.
  const webSched = new Map<number, { run: number; wait: number }>();
  for (const pid of forked.length ? forked : pids ? [pids.server] : []) {
    const sched = schedstat(pid);
    if (sched) webSched.set(pid, sched);
  }
  return { at: performance.now(), busy: user! + nice! + system! + irq! + softirq!, idle: idle! + iowait!, steal: steal!, procs, webSched };
}

/** Percent of one core, so the machine's total is nproc × 100. */
export type CpuShare = {
  server: number;
  worker: number;
  client: number;
  pgBench: number;
  pgOther: number;
  rest: number;
  idle: number;
  steal: number;
  /** Each web process's event-loop thread, % of wall time: running, and ready to run but waiting for a CPU. */
  loops: { pid: number; run: number; wait: number }[];
};

export function cpuShare(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const seconds = (after.at - before.at) / 1000;
  const pct = (ticks: number) => (ticks / CLK_TCK / seconds) * 100;
  const groups: Record<Group, number> = { server: 0, worker: 0, client: 0, pgBench: 0, pgOther: 0 };
  for (const [pid, { ticks, group }] of after.procs) groups[group] += ticks - (before.procs.get(pid)?.ticks ?? 0);
  const share = { server: pct(groups.server), worker: pct(groups.worker), client: pct(groups.client), pgBench: pct(groups.pgBench), pgOther: pct(groups.pgOther) };
  const busy = pct(after.busy - before.busy);
  const ours = share.server + share.worker + share.client + share.pgBench + share.pgOther;
  const loops = [...after.webSched].flatMap(([pid, end]) => {
    const start = before.webSched.get(pid);
    return start ? [{ pid, run: ((end.run - start.run) / 1e9 / seconds) * 100, wait: ((end.wait - start.wait) / 1e9 / seconds) * 100 }] : [];
  });
  return { ...share, rest: Math.max(0, busy - ours), idle: pct(after.idle - before.idle), steal: pct(after.steal - before.steal), loops };
}

/** What the machine is doing while the bench does nothing (other people's work on a shared machine). */
export async function backgroundLoad(ms: number): Promise<CpuShare> {
  const before = cpuSnapshot(undefined, undefined);
  await new Promise((r) => setTimeout(r, ms));
  return cpuShare(before, cpuSnapshot(undefined, undefined));
}

/** The line a bench prints before it starts anything: the background load, measured over `ms`. */
export async function describeBackground(ms = 2_000): Promise<string> {
  const background = await backgroundLoad(ms);
  return `background, before the bench starts anything (${ms / 1000} s), % of one core: PostgreSQL ${f0(background.pgOther)}  everything else ${f0(background.rest)}  idle ${f0(background.idle)}  steal ${f0(background.steal)}`;
}

export function formatCpu(cpu: CpuShare): string {
  return `server ${f0(cpu.server)}${cpu.worker ? `  npm run worker ${f0(cpu.worker)}` : ''}  client ${f0(cpu.client)}  PostgreSQL: bench db backends ${f0(cpu.pgBench)}, other ${f0(cpu.pgOther)}  rest of machine ${f0(cpu.rest)}  idle ${f0(cpu.idle)}  steal ${f0(cpu.steal)}`;
}

/** The lines printed under each load: the CPU shares and the event-loop thread of each web process. */
export function printCpu(cpu: CpuShare): void {
  console.log(`  cpu, % of one core (machine = ${os.availableParallelism()} × 100): ${formatCpu(cpu)}`);
  if (cpu.loops.length === 1) {
    const [loop] = cpu.loops as [CpuShare['loops'][number]];
    console.log(`  server event-loop thread, % of wall time: on a CPU ${f0(loop.run)}, ready but waiting for a CPU ${f0(loop.wait)} (/proc/PID/schedstat)`);
  } else if (cpu.loops.length > 1) {
    const each = cpu.loops.map((l) => `pid ${l.pid} ${f0(l.run)}/${f0(l.wait)}`).join(', ');
    console.log(`  web processes' event-loop threads, % of wall time on a CPU / ready but waiting for one (/proc/PID/schedstat): ${each}`);
  }
}

/** The largest resident set (VmRSS, /proc/PID/status) seen of each process sampled, in bytes. */
export class RssPeaks {
  readonly peaks = new Map<number, number>();

  sample(pids: Iterable<number>): void {
    for (const pid of pids) {
      try {
        const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
        if (kb) this.peaks.set(pid, Math.max(this.peaks.get(pid) ?? 0, kb * 1024));
      } catch {
        // gone
      }
    }
  }
}

/** Peak RSS in bytes: of each web process, of the cluster primary (WEB_PROCESSES above 1), of `npm run worker`. */
export type Rss = { web: number[]; primary?: number; worker?: number };
export type Sampled = { cpu: CpuShare; rss: Rss };

/**
 * Samples the CPU and the RSS of the server's processes every 250 ms from now
 * until stop(). The CPU share runs to the newest sample taken while the client
 * was still alive: it exits right after reporting, and a sample after that
 * would not count its time.
 */
export function sampleDuring(pids: LoadPids, dbName: string | undefined): { stop: () => Sampled } {
  const rss = new RssPeaks();
  const snapshot = () => {
    const taken = cpuSnapshot(pids, dbName);
    rss.sample([pids.server, ...taken.webSched.keys(), ...(pids.worker ? [pids.worker] : [])]);
    return taken;
  };
  const before = snapshot();
  let last = before;
  const sampler = setInterval(() => (last = snapshot()), 250);
  return {
    stop: () => {
      clearInterval(sampler);
      const webPids = [...last.webSched.keys()];
      return {
        cpu: cpuShare(before, last),
        rss: {
          web: webPids.map((pid) => rss.peaks.get(pid) ?? 0),
          primary: webPids.includes(pids.server) ? undefined : rss.peaks.get(pids.server),
          worker: pids.worker ? rss.peaks.get(pids.worker) : undefined,
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------
// Loads (bench/client.ts runs each in a child process of its own)

/** A load whose figures are not kept (warm-up); its client is killed at cleanup if still running. */
export async function unmeasuredLoad(spec: LoadSpec): Promise<LoadResult> {
  assertRunning();
  const handle = runLoad(spec);
  const cancel = onCleanup(`kill load client ${handle.pid}`, async () => handle.kill());
  try {
    return await handle.result;
  } finally {
    await cancel();
  }
}

/** Something a bench watches over a measured load besides CPU and RSS: started once the load proper starts, stopped when it ends (again, unused, on error). */
export type Alongside<T> = () => Promise<{ stop: () => Promise<T> }>;

/**
 * Runs one load in a child while sampling CPU and the RSS of the server's
 * processes (`server`, the web processes it forked, `worker`) just around it:
 * the child first loads its code (and, signing, GETs the form), so the load
 * proper starts some 300-500 ms after the fork.
 */
export async function measuredLoad<T = undefined>(
  spec: LoadSpec,
  server: number,
  options: { worker?: number; dbName?: string; alongside?: Alongside<T> } = {},
): Promise<{ result: LoadResult; alongside?: T } & Sampled> {
  assertRunning();
  const handle = runLoad(spec);
  const cancel = onCleanup(`kill load client ${handle.pid}`, async () => handle.kill());
  await new Promise((r) => setTimeout(r, 400));
  const watched = await options.alongside?.();
  let watchedResult: Promise<T> | undefined;
  const stopWatching = () => (watched ? (watchedResult ??= watched.stop()) : undefined);
  const sampler = sampleDuring({ server, worker: options.worker, client: handle.pid }, options.dbName);
  try {
    const result = await handle.result;
    const sampled = sampler.stop();
    return { result, ...sampled, alongside: await stopWatching() };
  } finally {
    sampler.stop();
    await stopWatching()?.catch(() => undefined);
    await cancel().catch(() => undefined);
  }
}
