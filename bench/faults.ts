// npm run bench:faults — the fault scenarios of the spine review (issue 6) at
// full signing speed: two web processes and two workers on one PostgreSQL,
// under a closed-loop load of signatures, meet kill -9, SIGTERM, PostgreSQL
// restarted (fast and immediate) and an SMTP server that goes away or answers
// 4xx. It prints what the signers and the mailbox saw, and checks the three
// promises: nothing acknowledged is lost, no mail goes out twice (but for
// sendOnce's documented window, src/mail/send-once.ts), and no process needs a
// restart to recover. It asserts no time; it exits non-zero only when one of
// those promises broke, or the set-up failed.
//
// Every part is real and the bench's own, so that its faults harm nobody else
// on a shared machine: a PostgreSQL cluster (initdb into a temporary folder, on
// a free port, removed at the end), an SMTP server in this process
// (bench/smtp-sink.ts), the web processes and workers as `npm start` and
// `npm run worker` start them (src/launch.mjs), and a load client in a child
// process of its own (this file, forked). See bench/README.md.
import { execFile, execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import { loadDemoContent } from '../src/demo/demo-content.ts';
import { createLogger } from '../src/log.ts';
import { SmtpSink } from './smtp-sink.ts';
import { heapFlags } from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SLUG = 'free-the-zhanaozen-prisoners';
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

// ---------------------------------------------------------------------------
// The load client: a child process (this file again), so that neither the
// orchestrator's SMTP server nor its bookkeeping shares the client's event loop.
// Closed loop: each connection sends its next signature when the last one
// ended, round robin over the web processes; a new email every time, so that
// every 303 names one signature and one confirmation mail to expect.

type ClientSpec = {
  ports: number[];
  connections: number;
  /** Emails are `${prefix}-${n}@bench.example.com`, n the request's number. */
  prefix: string;
  requestTimeoutMs: number;
  /** After a failed request, the connection waits this long: a dead port must not make the client spin. */
  pauseAfterFailureMs: number;
};

/** One entry per request, in parallel arrays (cheap to send back over IPC). */
type ClientRecords = {
  n: number[];
  port: number[];
  start: number[];
  end: number[];
  /** The HTTP status, or 0 when the request failed without one (see `error`). */
  status: number[];
  /** Index into `errorKinds`, or -1. */
  error: number[];
  errorKinds: string[];
};

type ClientMessage =
  | { type: 'ready' }
  | { type: 'progress'; last303: number[] }
  | { type: 'result'; records: ClientRecords }
  | { type: 'error'; message: string };

type Form = { cookie?: string; token?: string };

function request(agent: http.Agent, port: number, method: 'GET' | 'POST', urlPath: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = http.request({ agent, host: '127.0.0.1', port, path: urlPath, method, headers, timeout: timeoutMs });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => method === 'GET' && chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

/** The action page once per web process: its CSRF cookie and `_csrf` field if it has them (public pages are losing both, issue 12). */
async function getForm(agent: http.Agent, port: number, timeoutMs: number): Promise<Form> {
  const res = await request(agent, port, 'GET', `/actions/${SLUG}`, {}, undefined, timeoutMs);
  if (res.status !== 200) throw new Error(`GET /actions/${SLUG} on port ${port} answered ${res.status}`);
  const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => /^(__Host-)?placard\.csrf=/.test(c));
  const token = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1]?.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
  return { cookie, token };
}

async function runClient(spec: ClientSpec, send: (m: ClientMessage) => void): Promise<ClientRecords> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const forms = await Promise.all(spec.ports.map((port) => getForm(agent, port, spec.requestTimeoutMs)));
  let stopping = false;
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop') stopping = true;
  });
  const records: ClientRecords = { n: [], port: [], start: [], end: [], status: [], error: [], errorKinds: [] };
  const kinds = new Map<string, number>();
  const last303 = spec.ports.map(() => 0);
  const progress = setInterval(() => send({ type: 'progress', last303 }), 200);
  send({ type: 'ready' });
  let seq = 0;
  const loop = async () => {
    while (!stopping) {
      const n = seq++;
      const p = n % spec.ports.length;
      const form = forms[p]!;
      const fields: Record<string, string> = { name: 'Fault Signer', email: `${spec.prefix}-${n}@bench.example.com`, country: 'GB' };
      if (form.token) fields._csrf = form.token;
      const body = new URLSearchParams(fields).toString();
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) };
      if (form.cookie) headers.cookie = form.cookie;
      const start = Date.now();
      let status = 0;
      let error = -1;
      try {
        status = (await request(agent, spec.ports[p]!, 'POST', `/actions/${SLUG}/signatures`, headers, body, spec.requestTimeoutMs)).status;
      } catch (e) {
        const kind = e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e);
        if (!kinds.has(kind)) {
          kinds.set(kind, records.errorKinds.length);
          records.errorKinds.push(kind);
        }
        error = kinds.get(kind)!;
      }
      const end = Date.now();
      records.n.push(n);
      records.port.push(p);
      records.start.push(start);
      records.end.push(end);
      records.status.push(status);
      records.error.push(error);
      if (status === 303) last303[p] = end;
      else await new Promise((r) => setTimeout(r, spec.pauseAfterFailureMs));
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  clearInterval(progress);
  agent.destroy();
  return records;
}

// ---------------------------------------------------------------------------
// The orchestrator.

async function orchestrate(): Promise<void> {
  const settings = {
    connections: envNumber('BENCH_CONNECTIONS', 32),
    /** Load before each fault, and at least this long after it ended. */
    beforeMs: envNumber('BENCH_BEFORE_S', 5) * 1000,
    afterMs: envNumber('BENCH_AFTER_S', 6) * 1000,
    /** How long the SMTP server stays away (or answers 4xx). */
    outageMs: envNumber('BENCH_OUTAGE_S', 5) * 1000,
    /** After a fault ended, how long each web process and worker has to work again before it counts as needing a restart. */
    recoveryTimeoutMs: envNumber('BENCH_RECOVERY_TIMEOUT_S', 30) * 1000,
    /** How long to wait for the mail queue to drain after the last scenario (a worker killed mid-send leaves claims for their 5-minute lease). */
    drainTimeoutMs: envNumber('BENCH_DRAIN_TIMEOUT_S', 900) * 1000,
    scenarios: (process.env.BENCH_SCENARIOS ?? SCENARIOS.map((s) => s.name).join(',')).split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
    requestTimeoutMs: 15_000,
    pauseAfterFailureMs: 25,
  };

  // Everything started registers how to undo it; undone in reverse at the end, on error and on Ctrl+C.
  const undo: { label: string; run: () => Promise<void> }[] = [];
  const onCleanup = (label: string, run: () => Promise<void>) => undo.push({ label, run });
  let interrupted = false;
  const cleanup = async () => {
    for (let entry = undo.pop(); entry; entry = undo.pop()) {
      try {
        await entry.run();
      } catch (error) {
        console.error(`cleanup: ${entry.label} failed: ${(error as Error).message}`);
      }
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const broken: string[] = [];
  try {
    const unknown = settings.scenarios.filter((name) => !SCENARIOS.some((s) => s.name === name));
    if (unknown.length) throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'placard-faults-'));
    onCleanup(`remove ${tmp}`, async () => fs.rmSync(tmp, { recursive: true, force: true }));
    fs.chmodSync(tmp, 0o755); // PostgreSQL's own user must reach its folder inside

    printHeader(settings);
    const setupStarted = Date.now();
    const cluster = await Cluster.create(path.join(tmp, 'pg'));
    onCleanup('stop the bench PostgreSQL', () => cluster.stop());
    await cluster.start();
    const dbUrl = await prepareDatabase(cluster);

    const sink = new SmtpSink();
    await sink.start(0);
    onCleanup('stop the SMTP sink', () => sink.stop());

    const common: NodeJS.ProcessEnv = { ...process.env };
    // None of the caller's Placard settings leak in. NODE_ENV stays unset (development, as bench:sign).
    for (const key of ['NODE_ENV', 'BASE_URL', 'TRUST_PROXY', 'EMBEDDED_PG_PORT', 'MAIL_FROM', 'COUNT_INTERVAL_MS', 'DATABASE_POOL_SIZE', 'NODE_OPTIONS']) delete common[key];
    Object.assign(common, {
      DATABASE_URL: dbUrl,
      HOST: '127.0.0.1',
      DEMO_CONTENT: 'false',
      // One secret for all, as a deployment behind one address has.
      APP_SECRET: randomBytes(24).toString('hex'),
      RATE_LIMIT_SIGN_PER_MINUTE: '100000000',
      RATE_LIMIT_CONFIRM_PER_MINUTE: '100000000',
      DATA_DIR: path.join(tmp, 'data'),
    });
    const webs = ['A', 'B'].map(
      (name) => new AppProcess(`web ${name}`, 'server', { ...common, RUN_WORKERS: 'false', LOG_LEVEL: settings.logLevel, SMTP_URL: sink.url }, path.join(tmp, `web-${name}.log`)),
    );
    // Each worker says who it is in its EHLO (nodemailer's `name`), so the sink can tell whose mail it got.
    const workers = ['a', 'b'].map(
      (name) =>
        new AppProcess(`worker ${name}`, 'worker', { ...common, LOG_LEVEL: settings.logLevel === 'warn' ? 'info' : settings.logLevel, SMTP_URL: `${sink.url}/?name=worker-${name}` }, path.join(tmp, `worker-${name}.log`), `worker-${name}`),
    );
    const apps = [...webs, ...workers];
    onCleanup('stop the app processes', async () => {
      await Promise.all(apps.map((app) => app.kill('SIGKILL')));
    });
    for (const web of webs) web.port = await freePort();
    // All four at once, as a deployment starts them. One that fails to start needed a restart: reported, and started again.
    const starts = await Promise.allSettled(apps.map((app) => app.start()));
    for (const [i, start] of starts.entries()) {
      if (start.status === 'fulfilled') continue;
      const app = apps[i]!;
      const why = /could not start: (.*)/.exec(tail(app.logFile, 5))?.[1] ?? (start.reason as Error).message.split('\n')[0];
      broken.push(`set-up: ${app.label} failed to start beside the others (${why}) and was started again`);
      console.log(`!! set-up: ${app.label} failed to start beside the others (${why}); starting it again`);
      await app.start();
    }
    console.log(
      `set-up ${s1(Date.now() - setupStarted)} s: PostgreSQL ${cluster.version} on port ${cluster.port} (${cluster.dataDir}); SMTP sink on ${sink.port}; ` +
        `web A :${webs[0]!.port} pid ${webs[0]!.pid}, web B :${webs[1]!.port} pid ${webs[1]!.pid} (RUN_WORKERS=false); workers pid ${workers.map((w) => w.pid).join(', ')}; ` +
        `src/launch.mjs runs ${launchRuns()}`,
    );

    const ctx: Context = { cluster, sink, webs, workers, dbUrl, settings, notes: [] };
    const runs: ScenarioRun[] = [];
    const warm = await runScenario(ctx, WARM_UP, 2_000, 0);
    runs.push(warm);
    for (const name of settings.scenarios) {
      if (interrupted) break;
      const run = await runScenario(ctx, SCENARIOS.find((s) => s.name === name)!, settings.beforeMs, settings.afterMs);
      printScenario(run);
      broken.push(...run.broken);
      runs.push(run);
    }
    const loadEnded = Date.now();

    console.log(`\n== after the load: the mail queue drains (up to ${s0(settings.drainTimeoutMs)} s)`);
    const drain = await waitForDrain(dbUrl, settings.drainTimeoutMs);
    console.log(
      drain.drained
        ? `  drained ${s1(drain.at - loadEnded)} s after the load ended; the last mail arrived ${s1(Math.max(0, lastMailAt(sink) - loadEnded))} s after it`
        : `  NOT drained after ${s0(settings.drainTimeoutMs)} s: ${describeStates(drain.states)}`,
    );
    if (!drain.drained) broken.push(`the mail queue did not drain within ${s0(settings.drainTimeoutMs)} s`);
    for (const app of apps) if (!app.alive) broken.push(`${app.label} was not running at the end`);
    printLogSummary(apps);
    if (process.env.BENCH_LOGS_DIR) {
      // Kept for reading after the bench: the temporary folder goes at cleanup.
      fs.mkdirSync(process.env.BENCH_LOGS_DIR, { recursive: true });
      for (const file of [...apps.map((app) => app.logFile), cluster.logFile]) fs.copyFileSync(file, path.join(process.env.BENCH_LOGS_DIR, path.basename(file)));
      console.log(`  logs copied to ${process.env.BENCH_LOGS_DIR}`);
    }
    broken.push(...(await printOutcome(ctx, runs, drain)));

    console.log('\n== stopping: SIGTERM to every process');
    for (const app of apps) {
      const stopped = await app.kill('SIGTERM');
      console.log(`  ${app.label}: exit ${stopped.code ?? stopped.signal} after ${s1(stopped.ms)} s`);
    }
    if (broken.length) {
      console.log(`\nBROKEN (${broken.length}):\n${broken.map((b) => `  - ${b}`).join('\n')}`);
      process.exitCode = 1;
    } else {
      console.log('\nheld: nothing acknowledged lost, no mail twice outside the documented window, no process needed a restart');
    }
  } catch (error) {
    console.error(`bench:faults failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
    process.exit(process.exitCode ?? 0);
  }
}

type Settings = {
  connections: number;
  beforeMs: number;
  afterMs: number;
  outageMs: number;
  recoveryTimeoutMs: number;
  drainTimeoutMs: number;
  scenarios: string[];
  logLevel: string;
  requestTimeoutMs: number;
  pauseAfterFailureMs: number;
};

type Context = { cluster: Cluster; sink: SmtpSink; webs: AppProcess[]; workers: AppProcess[]; dbUrl: string; settings: Settings; notes: string[] };

function printHeader(settings: Settings): void {
  let commit = '?';
  try {
    commit = gitHead();
  } catch {
    // not a checkout
  }
  console.log(
    `bench:faults — ${new Date().toISOString()} · commit ${commit} · Node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'} · load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log(
    `load: closed loop, ${settings.connections} connections round robin over two web processes; each scenario ${s0(settings.beforeMs)} s before its fault and at least ${s0(settings.afterMs)} s after it ended; SMTP faults last ${s0(settings.outageMs)} s`,
  );
}

function gitHead(): string {
  const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--untracked-files=no') ? ', with uncommitted changes' : '';
  return `${git('rev-parse', '--short', 'HEAD')} (${git('rev-parse', '--abbrev-ref', 'HEAD')}${dirty})`;
}

// ---------------------------------------------------------------------------
// The bench's own PostgreSQL: restarting it harms nobody else.

class Cluster {
  port = 0;
  version = '';
  private constructor(
    readonly dir: string,
    /** When this process is root, PostgreSQL runs as its own user (initdb refuses root). */
    private readonly ids: { uid: number; gid: number } | undefined,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  static async create(dir: string): Promise<Cluster> {
    fs.mkdirSync(dir);
    let ids: { uid: number; gid: number } | undefined;
    if (os.userInfo().uid === 0) {
      ids = { uid: Number((await run('id', ['-u', 'postgres'])).trim()), gid: Number((await run('id', ['-g', 'postgres'])).trim()) };
      fs.chownSync(dir, ids.uid, ids.gid);
    }
    const cluster = new Cluster(dir, ids);
    await cluster.pg('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], 120_000);
    cluster.version = fs.readFileSync(path.join(cluster.dataDir, 'PG_VERSION'), 'utf8').trim();
    return cluster;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', '-t', '60', 'start'], 90_000);
  }

  /** `pg_ctl restart -m fast|immediate`: resolves once it accepts connections again. */
  async restart(mode: 'fast' | 'immediate'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-m', mode, '-w', '-t', '120', 'restart'], 180_000);
  }

  async stop(): Promise<void> {
    if (!fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))) return;
    await this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '20', 'stop'], 30_000).catch(() =>
      this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop'], 30_000),
    );
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get logFile(): string {
    return path.join(this.dir, 'postgres.log');
  }

  private pg(bin: string, args: string[], timeoutMs: number): Promise<string> {
    return run(path.join(PG_BIN, bin), args, { cwd: this.dir, timeoutMs, ...this.ids });
  }
}

function run(file: string, args: string[], options: { cwd?: string; timeoutMs?: number; uid?: number; gid?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, timeout: options.timeoutMs ?? 30_000, uid: options.uid, gid: options.gid, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The app's database on the bench cluster: migrated, with the demo content (and so the open petition the load signs). */
async function prepareDatabase(cluster: Cluster): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE placard');
  await admin.end();
  const url = cluster.url('placard');
  const pool = createPool(url, { max: 2, log: createLogger('warn') });
  try {
    await migrate(pool);
    await loadDemoContent(pool, createLogger('warn'));
    const { rows } = await pool.query<{ status: string }>('SELECT status FROM actions WHERE slug = $1', [SLUG]);
    if (rows[0]?.status !== 'open') throw new Error(`the demo content has no open action "${SLUG}"`);
  } finally {
    await pool.end();
  }
  return url;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, application_name: 'placard-bench' });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------
// The app's processes, started as `npm start` and `npm run worker` start them.

type Exit = { code: number | null; signal: string | null; ms: number };

class AppProcess {
  port: number | undefined;
  private child: ChildProcess | undefined;
  /** Exits the bench did not cause: a process that died by itself needed a restart. */
  readonly unexpectedExits: string[] = [];

  constructor(
    readonly label: string,
    private readonly entry: 'server' | 'worker',
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
    /** A worker's EHLO name. */
    readonly sender?: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it; resolves once a web process answers /healthz, or a worker logs that it runs. */
  async start(): Promise<void> {
    const logOffset = fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
    const out = fs.openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [...heapFlags(), 'src/launch.mjs', this.entry], {
      cwd: ROOT,
      env: this.port ? { ...this.env, PORT: String(this.port) } : this.env,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.child = child;
    let expected = false;
    child.once('exit', (code, signal) => {
      if (!expected && this.child === child) this.unexpectedExits.push(`${this.label} (pid ${child.pid}) exited by itself: ${code ?? signal}`);
    });
    this.expect = () => (expected = true);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!this.alive) throw new Error(`${this.label} exited before it was ready; its log:\n${tail(this.logFile)}`);
      if (await this.ready(logOffset)) return;
      if (Date.now() > deadline) throw new Error(`${this.label} was not ready within 60 s; its log:\n${tail(this.logFile)}`);
      await sleep(100);
    }
  }

  private expect: () => void = () => undefined;

  private async ready(logOffset: number): Promise<boolean> {
    if (this.entry === 'worker') {
      const fd = fs.openSync(this.logFile, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const buffer = Buffer.alloc(Math.max(0, size - logOffset));
        fs.readSync(fd, buffer, 0, buffer.length, logOffset);
        return buffer.toString('utf8').includes('Placard worker running');
      } finally {
        fs.closeSync(fd);
      }
    }
    try {
      return (await fetch(`http://127.0.0.1:${this.port}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false;
    }
  }

  /** Sends `signal` and waits for the exit (SIGTERM: up to 15 s, then SIGKILL). */
  async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<Exit> {
    const child = this.child;
    const started = Date.now();
    if (!child || !this.alive) return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null, ms: 0 };
    this.expect();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    if (signal === 'SIGTERM' && !(await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]))) child.kill('SIGKILL');
    await exited;
    return { code: child.exitCode, signal: child.signalCode, ms: Date.now() - started };
  }
}

/** What src/launch.mjs runs, by its rule: build/ when it is newer than every source file, else the TypeScript. */
function launchRuns(): string {
  const built = path.join(ROOT, 'build', 'server.js');
  if (!fs.existsSync(built)) return 'the TypeScript through tsx (no build/: npm run build)';
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((max, item) => {
      const file = path.join(dir, item.name);
      return Math.max(max, item.isDirectory() ? newest(file) : item.name.endsWith('.ts') ? fs.statSync(file).mtimeMs : 0);
    }, 0);
  return newest(path.join(ROOT, 'src')) <= fs.statSync(built).mtimeMs ? 'the compiled build/' : 'the TypeScript through tsx (build/ is older than src/)';
}

/** What each process logged at warn and above over the whole run (pino levels 40+), the most frequent messages first. */
function printLogSummary(apps: AppProcess[]): void {
  console.log('\n== what the processes logged at warn and above, over every start');
  for (const app of apps) {
    const messages = new Map<string, number>();
    let other = 0;
    for (const line of fs.readFileSync(app.logFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let entry: { level?: number; msg?: string; err?: { message?: string }; error?: string } | undefined;
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        other++; // not a log line: a warning of Node's or of a library
        continue;
      }
      if ((entry?.level ?? 0) < 40) continue;
      const text = `${entry!.level! >= 50 ? 'ERROR ' : ''}${entry!.msg ?? ''}${entry!.err?.message ? `: ${entry!.err.message}` : entry!.error ? `: ${entry!.error}` : ''}`.slice(0, 160);
      messages.set(text, (messages.get(text) ?? 0) + 1);
    }
    const top = [...messages].sort((a, b) => b[1] - a[1]).slice(0, 6);
    const list = top.map(([text, n]) => `${f0(n)} × ${text}`).join('\n      ');
    console.log(`  ${app.label}: ${top.length ? `\n      ${list}` : 'nothing'}${other ? `\n      (and ${f0(other)} line(s) that are not JSON)` : ''}`);
  }
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------
// The load, from the orchestrator's side.

type Load = {
  /** Resolves once the client has the form pages and sends. */
  ready: Promise<void>;
  /** Per web process, Date.now() of the last 303 the client reported (every 200 ms). */
  readonly last303: number[];
  /** Stops sending; resolves with every request's record once those in flight ended. */
  stop: () => Promise<ClientRecords>;
};

function startLoad(spec: ClientSpec): Load {
  const child = fork(new URL(import.meta.url).pathname, [JSON.stringify(spec)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PLACARD_FAULTS_CLIENT: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let last303 = spec.ports.map(() => 0);
  let ready!: { resolve: () => void; reject: (error: Error) => void };
  let result!: { resolve: (records: ClientRecords) => void; reject: (error: Error) => void };
  const readyPromise = new Promise<void>((resolve, reject) => (ready = { resolve, reject }));
  const resultPromise = new Promise<ClientRecords>((resolve, reject) => (result = { resolve, reject }));
  const fail = (error: Error) => {
    ready.reject(error);
    result.reject(error);
  };
  child.on('message', (m: ClientMessage) => {
    if (m.type === 'ready') ready.resolve();
    else if (m.type === 'progress') last303 = m.last303;
    else if (m.type === 'result') result.resolve(m.records);
    else fail(new Error(`load client: ${m.message}`));
  });
  child.on('exit', (code) => fail(new Error(`the load client exited (${code}) without a result`)));
  // Settling one after the other is not an error: only the first settlement of each counts.
  readyPromise.catch(() => undefined);
  resultPromise.catch(() => undefined);
  return {
    ready: readyPromise,
    get last303() {
      return last303;
    },
    stop: () => {
      child.send({ type: 'stop' });
      return resultPromise;
    },
  };
}

// ---------------------------------------------------------------------------
// Scenarios: each applies its fault to the running app and returns once the
// fault is over (the process started again, PostgreSQL accepting, SMTP back).

type Fault = {
  name: string;
  title: string;
  /** Which web processes (indices) and workers stop answering because of it: their recovery is timed. */
  affects?: { webs?: number[]; workers?: number[] };
  apply: (ctx: Context) => Promise<void>;
};

async function restart(ctx: Context, app: AppProcess, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  const stopped = await app.kill(signal);
  ctx.notes.push(`${app.label}: ${signal} → exit ${stopped.code ?? stopped.signal} after ${s1(stopped.ms)} s`);
  if (signal === 'SIGTERM') {
    const handedBack = (fs.readFileSync(app.logFile, 'utf8').match(/handed back to the queue/g) ?? []).length;
    if (handedBack) ctx.notes.push(`${app.label}'s log: jobs handed back to the queue ${handedBack} time(s) so far`);
  }
  const started = Date.now();
  await app.start();
  ctx.notes.push(`${app.label} started again: ready ${s1(Date.now() - started)} s later (pid ${app.pid})`);
}

const WARM_UP: Fault = { name: 'warm-up', title: 'warm-up, no fault', apply: async () => undefined };

const SCENARIOS: Fault[] = [
  {
    // First, so that the claims it leaves run out their 5-minute lease while the other scenarios run.
    name: 'worker-kill9',
    title: 'kill -9 of worker a mid-send, then started again',
    affects: { workers: [0] },
    async apply(ctx) {
      const worker = ctx.workers[0]!;
      // Mid-send: it delivered a message within the last 100 ms.
      for (let i = 0; i < 200 && ctx.sink.deliveredSince(worker.sender!, Date.now() - 100) === 0; i++) await sleep(10);
      const before = ctx.sink.received;
      const killedAt = Date.now();
      const stopped = await worker.kill('SIGKILL');
      ctx.notes.push(`${worker.label}: SIGKILL → exit ${stopped.signal} (${before} mails received so far)`);
      const started = Date.now();
      await worker.start();
      ctx.notes.push(`${worker.label} started again: ready ${s1(Date.now() - started)} s later (pid ${worker.pid})`);
      // Counted once the kill has settled: statements the dead worker had sent may still have landed after it.
      // A claim made before the kill and still held is the dead worker's (the other finishes its sends in milliseconds).
      const [claims] = await query<{ n: string }>(
        ctx.dbUrl,
        "SELECT count(*) AS n FROM sent_emails WHERE status = 'sending' AND claimed_until > now() AND claimed_until - make_interval(secs => 300) <= to_timestamp($1 / 1000.0 + 1)",
        [killedAt],
      );
      ctx.notes.push(`email claims the dead worker left, each waiting for its 5-minute lease: ${claims!.n}`);
    },
  },
  { name: 'web-kill9', title: 'kill -9 of web A, then started again', affects: { webs: [0] }, apply: (ctx) => restart(ctx, ctx.webs[0]!, 'SIGKILL') },
  {
    name: 'pg-restart-fast',
    title: 'PostgreSQL restarted: pg_ctl restart -m fast',
    affects: { webs: [0, 1], workers: [0, 1] },
    apply: (ctx) => timed(ctx, 'pg_ctl restart -m fast', () => ctx.cluster.restart('fast')),
  },
  {
    name: 'pg-restart-immediate',
    title: 'PostgreSQL restarted: pg_ctl restart -m immediate (a crash: recovery from the WAL)',
    affects: { webs: [0, 1], workers: [0, 1] },
    apply: (ctx) => timed(ctx, 'pg_ctl restart -m immediate', () => ctx.cluster.restart('immediate')),
  },
  {
    name: 'smtp-outage',
    title: 'SMTP server down (connections refused), then back',
    affects: { workers: [0, 1] },
    async apply(ctx) {
      await ctx.sink.stop();
      await sleep(ctx.settings.outageMs);
      await ctx.sink.start();
    },
  },
  {
    name: 'smtp-4xx',
    title: 'SMTP server answers 421 to new connections and 451 to messages, then accepts again',
    affects: { workers: [0, 1] },
    async apply(ctx) {
      const before = ctx.sink.refused;
      ctx.sink.setMode('refusing');
      await sleep(ctx.settings.outageMs);
      ctx.sink.setMode('up');
      ctx.notes.push(`refusals answered: ${ctx.sink.refused - before}`);
    },
  },
  { name: 'web-sigterm', title: 'SIGTERM of web A (graceful), then started again', affects: { webs: [0] }, apply: (ctx) => restart(ctx, ctx.webs[0]!, 'SIGTERM') },
  {
    name: 'worker-sigterm',
    title: 'SIGTERM of worker a (graceful: jobs in hand finish or are handed back), then started again',
    affects: { workers: [0] },
    apply: (ctx) => restart(ctx, ctx.workers[0]!, 'SIGTERM'),
  },
];

async function timed(ctx: Context, label: string, work: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await work();
  ctx.notes.push(`${label}: accepting connections again ${s1(Date.now() - started)} s after it began`);
}

type ScenarioRun = {
  fault: Fault;
  prefix: string;
  loadStart: number;
  faultAt: number;
  faultEnd: number;
  loadEnd: number;
  records: ClientRecords;
  mailsDuring: number;
  /** How each process the fault touched came back, as printed. */
  recovered: string[];
  notes: string[];
  broken: string[];
};

const RUN_ID = randomBytes(2).toString('hex');

async function runScenario(ctx: Context, fault: Fault, beforeMs: number, afterMs: number): Promise<ScenarioRun> {
  const prefix = `f${RUN_ID}-${fault.name}`;
  ctx.notes = [];
  const broken: string[] = [];
  const exitsBefore = [...ctx.webs, ...ctx.workers].map((app) => app.unexpectedExits.length);
  const mailsBefore = ctx.sink.received;
  const load = startLoad({
    ports: ctx.webs.map((w) => w.port!),
    connections: ctx.settings.connections,
    prefix,
    requestTimeoutMs: ctx.settings.requestTimeoutMs,
    pauseAfterFailureMs: ctx.settings.pauseAfterFailureMs,
  });
  await load.ready;
  const loadStart = Date.now();
  await sleep(beforeMs);
  const faultAt = Date.now();
  await fault.apply(ctx);
  const faultEnd = Date.now();
  await sleep(afterMs);

  // Each process the fault touched must work again by itself: a web process answers 303s, a worker delivers mail.
  const affectedWebs = fault.affects?.webs ?? [];
  const affectedWorkers = fault.affects?.workers ?? [];
  const webBack = (i: number) => load.last303[i]! >= faultEnd;
  const workerBack = (i: number) => ctx.sink.deliveredSince(ctx.workers[i]!.sender!, faultEnd) > 0;
  const deadline = faultEnd + ctx.settings.recoveryTimeoutMs;
  while (Date.now() < deadline && !(affectedWebs.every(webBack) && affectedWorkers.every(workerBack))) await sleep(200);
  const loadEnd = Date.now();
  const records = await load.stop();

  const recovered: string[] = [];
  for (const i of affectedWebs) {
    const web = ctx.webs[i]!;
    recovered.push(`${web.label}: ${describeOutage(records, i, faultAt)}`);
    if (!webBack(i)) {
      broken.push(`${fault.name}: ${web.label} gave no 303 within ${s0(ctx.settings.recoveryTimeoutMs)} s after the fault ended: it needed a restart`);
      await restartStuck(web);
    }
  }
  for (const i of affectedWorkers) {
    const worker = ctx.workers[i]!;
    const first = ctx.sink.firstSince(faultEnd, worker.sender);
    recovered.push(`${worker.label}: ${first === undefined ? 'NO mail' : `first mail ${s1(first - faultEnd)} s after the fault ended`}`);
    if (!workerBack(i)) {
      broken.push(`${fault.name}: ${worker.label} delivered no mail within ${s0(ctx.settings.recoveryTimeoutMs)} s after the fault ended: it needed a restart`);
      await restartStuck(worker);
    }
  }
  [...ctx.webs, ...ctx.workers].forEach((app, i) => {
    const exits = app.unexpectedExits.slice(exitsBefore[i]);
    if (!exits.length) return;
    broken.push(...exits.map((e) => `${fault.name}: ${e}`));
    const excerpt = crashExcerpt(app.logFile);
    if (excerpt) ctx.notes.push(`${app.label}'s log where it died:\n      ${excerpt.split('\n').join('\n      ')}`);
  });
  for (const app of [...ctx.webs, ...ctx.workers]) if (!app.alive) await restartStuck(app);
  return { fault, prefix, loadStart, faultAt, faultEnd, loadEnd, records, mailsDuring: ctx.sink.received - mailsBefore, recovered, notes: ctx.notes, broken };
}

/** A process that did not recover by itself is restarted, so that the scenarios after it still mean something. */
async function restartStuck(app: AppProcess): Promise<void> {
  await app.kill('SIGKILL');
  await app.start();
}

/**
 * How long a web process stopped acknowledging: from the first request to it
 * that failed after the fault began, to the first request sent after that one
 * which got a 303 (a request already in flight at the fault may still end in
 * a 303: graceful stops finish them).
 */
function describeOutage(records: ClientRecords, port: number, since: number): string {
  let failedAt: number | undefined;
  for (let i = 0; i < records.n.length; i++) {
    if (records.port[i] === port && records.status[i] !== 303 && records.end[i]! >= since) failedAt = Math.min(failedAt ?? Infinity, records.end[i]!);
  }
  if (failedAt === undefined) return 'no request failed';
  let back: number | undefined;
  for (let i = 0; i < records.n.length; i++) {
    if (records.port[i] === port && records.status[i] === 303 && records.start[i]! >= failedAt) back = Math.min(back ?? Infinity, records.end[i]!);
  }
  const from = `failing from ${s1(failedAt - since)} s`;
  return back === undefined ? `${from}, NO 303 after that` : `${from}, 303s again at ${s1(back - since)} s after the fault began`;
}

/** The lines of a log where a process died of an uncaught error, if it did. */
function crashExcerpt(file: string): string | undefined {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let at = -1;
  lines.forEach((line, i) => {
    if (/Unhandled|^\S*Error\b|^error:|could not start/.test(line)) at = i;
  });
  return at < 0 ? undefined : lines.slice(Math.max(0, at - 3), at + 6).join('\n');
}

// ---------------------------------------------------------------------------
// Figures.

type Phase = { name: string; from: number; to: number };

function phaseFigures(records: ClientRecords, phase: Phase): { rate: number; ok: number; failed: number; p99: number | undefined } {
  let ok = 0;
  let failed = 0;
  const latencies: number[] = [];
  for (let i = 0; i < records.n.length; i++) {
    const end = records.end[i]!;
    if (end < phase.from || end >= phase.to) continue;
    if (records.status[i] === 303) {
      ok++;
      latencies.push(end - records.start[i]!);
    } else failed++;
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)] : undefined;
  return { rate: ok / Math.max(0.001, (phase.to - phase.from) / 1000), ok, failed, p99 };
}

function printScenario(run: ScenarioRun): void {
  const { records } = run;
  console.log(`\n== ${run.fault.name}: ${run.fault.title}`);
  console.log(`  fault ${s1(run.faultAt - run.loadStart)} s into the load; over ${s1(run.faultEnd - run.faultAt)} s later; load stopped ${s1(run.loadEnd - run.faultEnd)} s after that`);
  for (const note of run.notes) console.log(`  ${note}`);
  const phases: Phase[] = [
    { name: 'before', from: run.loadStart, to: run.faultAt },
    { name: 'during', from: run.faultAt, to: run.faultEnd },
    { name: 'after', from: run.faultEnd, to: run.loadEnd + 1 },
  ];
  const figures = phases.map((p) => ({ p, f: phaseFigures(records, p) }));
  console.log(
    `  signatures/s (303s, both web processes): ${figures.map(({ p, f }) => `${p.name} ${f0(f.rate)}${f.p99 === undefined ? '' : ` (p99 ${f0(f.p99)} ms)`}`).join(' · ')}`,
  );
  const byKind = new Map<string, number[]>();
  for (let i = 0; i < records.n.length; i++) {
    if (records.status[i] === 303) continue;
    const kind = records.status[i] ? `HTTP ${records.status[i]}` : records.errorKinds[records.error[i]!]!;
    const counts = byKind.get(kind) ?? [0, 0, 0];
    const end = records.end[i]!;
    counts[end < run.faultAt ? 0 : end < run.faultEnd ? 1 : 2]!++;
    byKind.set(kind, counts);
  }
  const errors = [...byKind].map(([kind, [b, d, a]]) => `${kind} ${b! + d! + a!} (${b}/${d}/${a})`);
  console.log(`  client errors, not acknowledged (before/during/after): ${errors.length ? errors.join(' · ') : 'none'}`);
  let lastError: number | undefined;
  for (let i = 0; i < records.n.length; i++) if (records.status[i] !== 303 && records.end[i]! >= run.faultAt) lastError = Math.max(lastError ?? 0, records.end[i]!);
  console.log(`  recovery: ${run.recovered.length ? run.recovered.join(' · ') : 'nothing to recover'}`);
  if (lastError !== undefined) console.log(`  last client error ${s1(lastError - run.faultAt)} s after the fault began`);
  console.log(`  mail received during the scenario: ${f0(run.mailsDuring)}`);
  for (const b of run.broken) console.log(`  !! ${b}`);
}

type Drain = { drained: boolean; at: number; states: Record<string, number> };

/** Until no confirmation job is waiting, retrying or active. */
async function waitForDrain(dbUrl: string, timeoutMs: number): Promise<Drain> {
  const deadline = Date.now() + timeoutMs;
  let lastReport = Date.now();
  for (;;) {
    const states = await jobStates(dbUrl).catch(() => ({ unreachable: 1 }) as Record<string, number>);
    const pending = (states.created ?? 0) + (states.retry ?? 0) + (states.active ?? 0) + (states.unreachable ?? 0);
    if (pending === 0) return { drained: true, at: Date.now(), states };
    if (Date.now() > deadline) return { drained: false, at: Date.now(), states };
    if (Date.now() - lastReport >= 30_000) {
      lastReport = Date.now();
      const leases = await query<{ n: string; until: string | null }>(
        dbUrl,
        "SELECT count(*) AS n, to_char(max(claimed_until) AT TIME ZONE 'UTC', 'HH24:MI:SS') AS until FROM sent_emails WHERE status = 'sending' AND claimed_until > now()",
      ).catch(() => []);
      const held = Number(leases[0]?.n ?? 0);
      console.log(`  … ${describeStates(states)}${held ? `; ${held} email claim(s) held until their lease ends (the last at ${leases[0]!.until} UTC)` : ''}`);
    }
    await sleep(500);
  }
}

async function jobStates(dbUrl: string): Promise<Record<string, number>> {
  const rows = await query<{ state: string; n: string }>(
    dbUrl,
    `SELECT state, count(*) AS n FROM (
       SELECT state FROM pgboss.job WHERE name = 'send-confirmation'
       UNION ALL SELECT state FROM pgboss.archive WHERE name = 'send-confirmation') jobs
     GROUP BY state`,
  );
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

function describeStates(states: Record<string, number>): string {
  return `send-confirmation jobs: ${Object.entries(states).map(([s, n]) => `${s} ${f0(n)}`).join(', ') || 'none'}`;
}

function lastMailAt(sink: SmtpSink): number {
  let last = 0;
  for (const times of sink.bySender.values()) for (const at of times) last = Math.max(last, at);
  return last;
}

/**
 * After the drain: for each scenario, every acknowledged email against the
 * signature rows and the mail received. Returns what broke.
 */
async function printOutcome(ctx: Context, runs: ScenarioRun[], drain: Drain): Promise<string[]> {
  const broken: string[] = [];
  const rows = await query<{ email: string }>(ctx.dbUrl, "SELECT email FROM signatures WHERE email LIKE 'f' || $1 || '-%'", [RUN_ID]);
  const stored = new Set(rows.map((r) => r.email));
  const [mailRecords] = await query<{ sending: string; sent: string; failed: string }>(
    ctx.dbUrl,
    "SELECT count(*) FILTER (WHERE status = 'sending') AS sending, count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'failed') AS failed FROM sent_emails",
  );
  console.log(`\n== outcome, per scenario (after the drain)`);
  const header = ['scenario', 'acked', 'rows', 'lost', 'unacked rows', 'mail ×1', 'mail ×0', 'again, same id', 'twice, new id', 'no link'];
  const table: string[][] = [];
  const totals = new Array<number>(header.length - 1).fill(0);
  for (const run of runs) {
    const acked = new Set<string>();
    for (let i = 0; i < run.records.n.length; i++) if (run.records.status[i] === 303) acked.add(`${run.prefix}-${run.records.n[i]}@bench.example.com`);
    let lost = 0;
    let once = 0;
    let none = 0;
    let sameId = 0;
    let newId = 0;
    let noLink = 0;
    for (const email of acked) {
      if (!stored.has(email)) lost++;
      const mails = ctx.sink.byRecipient.get(email) ?? [];
      if (mails.length === 0) none++;
      else if (mails.length === 1) once++;
      else if (new Set(mails.map((m) => m.messageId)).size === 1) sameId++;
      else newId++;
      if (mails.some((m) => !m.confirmLink)) noLink++;
    }
    const rowsForAcked = acked.size - lost;
    const unackedRows = [...stored].filter((e) => e.startsWith(`${run.prefix}-`)).length - rowsForAcked;
    const figures = [acked.size, rowsForAcked, lost, unackedRows, once, none, sameId, newId, noLink];
    figures.forEach((v, i) => (totals[i] = totals[i]! + v));
    table.push([run.fault.name, ...figures.map(f0)]);
    if (lost) broken.push(`${run.fault.name}: ${lost} acknowledged signature(s) not in the database`);
    if (newId) broken.push(`${run.fault.name}: ${newId} confirmation(s) sent twice under different Message-IDs (outside sendOnce's window)`);
    if (none && drain.drained) broken.push(`${run.fault.name}: ${none} acknowledged signature(s) got no confirmation mail although the queue drained`);
  }
  table.push(['all', ...totals.map(f0)]);
  printTable(header, table);
  console.log(
    '  acked: 303s seen by the client · rows: signatures stored for them (lost: acked without one) · unacked rows: stored although the client saw no 303 (allowed)\n' +
      '  mail ×1/×0: acknowledged signatures that got one / no confirmation · again, same id: received more than once, always under one Message-ID\n' +
      "  (sendOnce's documented window: a worker killed between the SMTP server's acceptance and the record) · twice, new id: outside it",
  );
  const states = await jobStates(ctx.dbUrl);
  console.log(
    `  queue: ${describeStates(states)}; jobs left failed: ${f0(states.failed ?? 0)} · sent_emails: sent ${f0(Number(mailRecords!.sent))}, failed ${f0(Number(mailRecords!.failed))}, still sending ${f0(Number(mailRecords!.sending))} · messages received ${f0(ctx.sink.received)}, refusals answered ${f0(ctx.sink.refused)}`,
  );
  const perWorker = [...ctx.sink.bySender].map(([name, times]) => `${name} ${f0(times.length)}`).join(', ');
  console.log(`  mail by worker (EHLO name): ${perWorker}`);
  return broken;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

function f0(n: number): string {
  return Math.round(n).toLocaleString('en-GB');
}

function s0(ms: number): string {
  return (ms / 1000).toFixed(0);
}

function s1(ms: number): string {
  return (ms / 1000).toFixed(1);
}

// Last, once every declaration above is initialised: this file is both the orchestrator and, forked, the load client.
if (process.env.PLACARD_FAULTS_CLIENT === '1' && process.send) {
  const send = (m: ClientMessage, then: () => void = () => undefined) => process.send!(m, undefined, {}, then);
  // The orchestrator gone (Ctrl+C, a crash): nobody wants the load any more.
  process.on('disconnect', () => process.exit(0));
  runClient(JSON.parse(process.argv[2]!) as ClientSpec, send).then(
    (records) => send({ type: 'result', records }, () => process.exit(0)),
    (error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }, () => process.exit(1)),
  );
} else {
  void orchestrate();
}
