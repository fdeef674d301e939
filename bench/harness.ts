// What the benches that drive a real server share: the cleanup that runs at the
// end, on error and on Ctrl+C; scratch databases (placard_bench_*) on the
// PostgreSQL at DATABASE_URL; the server under test as a process of its own,
// started as in production; where the machine's CPU went during a load, and how
// much memory the server held. Each bench (bench/pages.ts, ...) keeps only what it
// measures. See bench/README.md.
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

export async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, application_name: 'placard-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

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

/** Migrates the database and loads the demo content, whose open petition the benches use. */
export async function preparePlacardDatabase(url: string): Promise<void> {
  const pool = createPool(url, { max: 2, log: createLogger('warn') });
  try {
    await migrate(pool);
    await loadDemoContent(pool, createLogger('warn'));
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
export type Started = { child: ChildProcess; pid: number; baseUrl: string; logFile: string; stop: () => Promise<StopResult> };

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

/** The node arguments that run a TypeScript file as `npm start` does without a build: through tsx's loader. */
export const tsxEntry = (script: string): string[] => ['--import', 'tsx', script];

/**
 * How the Placard server is run: `build` is the compiled build/server.js
 * (production, after `npm run build`), `tsx` the TypeScript through tsx's
 * loader. The default is what `npm start` (src/launch.mjs) would choose: the
 * build when it is newer than every source file, else tsx.
 */
export type ServerKind = 'build' | 'tsx';

export function chooseServer(requested: string | undefined): { kind: ServerKind; why: string } {
  const built = path.join(ROOT, 'build', 'server.js');
  if (requested === 'build') {
    if (!fs.existsSync(built)) throw new Error('BENCH_SERVER=build but there is no build/server.js: run `npm run build` first');
    return { kind: 'build', why: 'BENCH_SERVER=build' };
  }
  if (requested === 'tsx') return { kind: 'tsx', why: 'BENCH_SERVER=tsx' };
  if (requested) throw new Error(`BENCH_SERVER: unknown "${requested}" (build, tsx)`);
  if (!fs.existsSync(built)) return { kind: 'tsx', why: 'no build/ (npm run build makes one)' };
  const builtAt = fs.statSync(built).mtimeMs;
  const src = path.join(ROOT, 'src');
  const newer = fs
    .readdirSync(src, { recursive: true, encoding: 'utf8' })
    .find((file) => file.endsWith('.ts') && fs.statSync(path.join(src, file)).mtimeMs > builtAt);
  return newer ? { kind: 'tsx', why: `build/ is older than src/${newer}` } : { kind: 'build', why: 'build/ is newer than every source file' };
}

export function serverEntry(kind: ServerKind): string[] {
  return kind === 'build' ? ['build/server.js'] : tsxEntry('src/server.ts');
}

/** Starts `node <nodeArgs> <entry>` with env, its output to a log file; resolves once /healthz answers 200. */
export async function startNode(label: string, entry: string[], env: NodeJS.ProcessEnv, logFile: string, nodeArgs: string[] = []): Promise<Started> {
  assertRunning();
  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const stopResult: { value?: Promise<StopResult> } = {};
  const stop = (): Promise<StopResult> =>
    (stopResult.value ??= (async () => {
      const started = performance.now();
      if (child.exitCode === null && child.signalCode === null) {
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
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${label} exited (${child.exitCode ?? child.signalCode}) before it answered; its log:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${label} did not answer /healthz within 60 s; its log:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    pid: child.pid!,
    baseUrl,
    logFile,
    stop: async () => {
      await unregister();
      return stop();
    },
  };
}

export function hasExited(started: Started): boolean {
  return started.child.exitCode !== null || started.child.signalCode !== null;
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function logLineCount(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------
// CPU: where the cores went during a load, from /proc. Memory: the server's RSS.

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

type Group = 'server' | 'client' | 'pgBench' | 'pgOther';
export type CpuSnapshot = {
  at: number;
  busy: number;
  idle: number;
  steal: number;
  procs: Map<number, { ticks: number; group: Group }>;
  /** The server's main thread (its event loop): ns on a CPU, ns runnable but waiting for one (/proc/PID/schedstat). */
  serverSched?: { run: number; wait: number };
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

/** Ticks of the server, the client, and every PostgreSQL process (split: backends of `dbName`, and the rest). */
export function cpuSnapshot(serverPid: number, clientPid: number, dbName: string | undefined): CpuSnapshot {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const procs = new Map<number, { ticks: number; group: Group }>();
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
    let group: Group | undefined;
    if (pid === serverPid) group = 'server';
    else if (pid === clientPid) group = 'client';
    else if (comm === 'postgres') group = dbName && cmdline(pid).includes(` ${dbName} `) ? 'pgBench' : 'pgOther';
    if (!group) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    procs.set(pid, { ticks: Number(fields[11]) + Number(fields[12]), group }); // utime + stime
  }
  return {
    at: performance.now(),
    busy: user! + nice! + system! + irq! + softirq!,
    idle: idle! + iowait!,
    steal: steal!,
    procs,
    serverSched: serverPid > 0 ? schedstat(serverPid) : undefined,
  };
}

/** Percent of one core, so the machine's total is nproc × 100. */
export type CpuShare = {
  server: number;
  client: number;
  pgBench: number;
  pgOther: number;
  rest: number;
  idle: number;
  steal: number;
  /** The server's event-loop thread, % of wall time: running, and ready to run but waiting for a CPU. */
  loopRun?: number;
  loopWait?: number;
};

export function cpuShare(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const seconds = (after.at - before.at) / 1000;
  const pct = (ticks: number) => (ticks / CLK_TCK / seconds) * 100;
  const groups: Record<Group, number> = { server: 0, client: 0, pgBench: 0, pgOther: 0 };
  for (const [pid, { ticks, group }] of after.procs) groups[group] += ticks - (before.procs.get(pid)?.ticks ?? 0);
  const share = { server: pct(groups.server), client: pct(groups.client), pgBench: pct(groups.pgBench), pgOther: pct(groups.pgOther) };
  const busy = pct(after.busy - before.busy);
  const ours = share.server + share.client + share.pgBench + share.pgOther;
  const sched =
    before.serverSched && after.serverSched
      ? {
          loopRun: ((after.serverSched.run - before.serverSched.run) / 1e9 / seconds) * 100,
          loopWait: ((after.serverSched.wait - before.serverSched.wait) / 1e9 / seconds) * 100,
        }
      : {};
  return { ...share, rest: Math.max(0, busy - ours), idle: pct(after.idle - before.idle), steal: pct(after.steal - before.steal), ...sched };
}

/** What the machine is doing while the bench does nothing (other people's work on a shared machine). */
export async function backgroundLoad(ms: number): Promise<CpuShare> {
  const before = cpuSnapshot(-1, -1, undefined);
  await new Promise((r) => setTimeout(r, ms));
  return cpuShare(before, cpuSnapshot(-1, -1, undefined));
}

export function formatCpu(cpu: CpuShare): string {
  return `server ${f0(cpu.server)}  client ${f0(cpu.client)}  PostgreSQL: bench db backends ${f0(cpu.pgBench)}, other ${f0(cpu.pgOther)}  rest of machine ${f0(cpu.rest)}  idle ${f0(cpu.idle)}  steal ${f0(cpu.steal)}`;
}

/** The lines bench:sign prints under each load: the CPU shares and the server's event-loop thread. */
export function printCpu(cpu: CpuShare): void {
  console.log(`  cpu, % of one core (machine = ${os.availableParallelism()} × 100): ${formatCpu(cpu)}`);
  if (cpu.loopRun !== undefined && cpu.loopWait !== undefined) {
    console.log(`  server event-loop thread, % of wall time: on a CPU ${f0(cpu.loopRun)}, ready but waiting for a CPU ${f0(cpu.loopWait)} (/proc/PID/schedstat)`);
  }
}

/** The resident memory of a process in KiB (VmRSS of /proc/PID/status); undefined once it is gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export type Sampled = { cpu: CpuShare; serverRssMaxKb?: number };

/**
 * Samples the CPU (and the server's RSS) every 250 ms from now until stop().
 * The CPU share runs to the newest sample taken while the client was still
 * alive: it exits right after reporting, and a sample after that would not
 * count its time.
 */
export function sampleDuring(serverPid: number, clientPid: number, dbName: string | undefined): { stop: () => Sampled } {
  const before = cpuSnapshot(serverPid, clientPid, dbName);
  let last = before;
  let rssMax = rssKb(serverPid);
  const sampler = setInterval(() => {
    last = cpuSnapshot(serverPid, clientPid, dbName);
    const rss = rssKb(serverPid);
    if (rss !== undefined) rssMax = Math.max(rssMax ?? 0, rss);
  }, 250);
  return {
    stop: () => {
      clearInterval(sampler);
      return { cpu: cpuShare(before, last), serverRssMaxKb: rssMax };
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

/**
 * Runs one load in a child while sampling CPU and the server's RSS just around
 * it: the child first loads its code (and, signing, GETs the form), so the
 * load proper starts some 300-500 ms after the fork.
 */
export async function measuredLoad(spec: LoadSpec, serverPid: number, dbName?: string): Promise<{ result: LoadResult } & Sampled> {
  assertRunning();
  const handle = runLoad(spec);
  const cancel = onCleanup(`kill load client ${handle.pid}`, async () => handle.kill());
  await new Promise((r) => setTimeout(r, 400));
  const sampler = sampleDuring(serverPid, handle.pid, dbName);
  try {
    const result = await handle.result;
    return { result, ...sampler.stop() };
  } finally {
    sampler.stop();
    await cancel().catch(() => undefined);
  }
}
