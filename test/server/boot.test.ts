// `npm start` on the embedded PostgreSQL, as on a real machine: the real
// server (src/server.ts, no DATABASE_URL) on a data directory of its own.
// SIGHUP stops it as SIGTERM does, a real terminal hang-up included (the
// logger survives the terminal going away); a PostgreSQL left
// running by a Node process killed with -9 is found and stopped by the next
// start, but not one that another running Placard uses; and as root, a
// DATA_DIR under a directory the postgres user cannot enter stops the start
// with one sentence that says what to do.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/ports.ts';

const isRoot = os.userInfo().uid === 0;

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** `npm start` with no DATABASE_URL: src/server.ts on the embedded PostgreSQL, its output kept. */
class Placard {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;

  constructor(readonly env: { DATA_DIR: string; PORT: number; EMBEDDED_PG_PORT: number }) {
    const inherited: Record<string, string | undefined> = { ...process.env };
    delete inherited.NODE_TEST_CONTEXT;
    delete inherited.DATABASE_URL;
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...inherited, DATA_DIR: env.DATA_DIR, PORT: String(env.PORT), EMBEDDED_PG_PORT: String(env.EMBEDDED_PG_PORT), HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'test', DEMO_CONTENT: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) readline.createInterface({ input: stream }).on('line', (line) => this.lines.push(line));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  log(): string {
    return this.lines.join('\n');
  }

  /** Resolves once /healthz answers 200; fails if the process exits first. */
  async healthy(timeoutMs = 60_000): Promise<void> {
    let gone = false;
    void this.exited.then(() => (gone = true));
    for (const until = Date.now() + timeoutMs; Date.now() < until && !gone; await sleep(200)) {
      const status = await fetch(`http://127.0.0.1:${this.env.PORT}/healthz`).then((r) => r.status, () => 0);
      if (status === 200) return;
    }
    throw new Error(`no healthy Placard on port ${this.env.PORT}:\n${this.log()}`);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The pid of the process whose parent is `ppid`, once there is one. */
async function childOf(ppid: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').toString();
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) return Number(pid);
    }
    await sleep(50);
  }
  throw new Error(`no child of ${ppid}`);
}

function isRunning(pid: number): boolean {
  try {
    return !/^[ZX]$/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0));
  } catch {
    return false;
  }
}

/** The pids of processes whose command line names `dir` (the embedded PostgreSQL runs as `postgres -D DIR/postgres …`). */
function processesOn(dir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function noneLeftOn(dir: string): Promise<number[]> {
  // A postmaster's children may take a moment after it to exit.
  for (let i = 0; i < 20 && processesOn(dir).length; i++) await sleep(100);
  return processesOn(dir);
}

function tempDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (isRoot) fs.chmodSync(dir, 0o711);
  return dir;
}

describe('npm start on the embedded PostgreSQL: a hang-up, and a PostgreSQL left running', { timeout: 180_000 }, () => {
  let dataDir: string;
  let env: Placard['env'];
  const started: Placard[] = [];
  const start = () => {
    const placard = new Placard(env);
    started.push(placard);
    return placard;
  };

  before(async () => {
    dataDir = tempDataDir('placard-boot-');
    env = { DATA_DIR: dataDir, PORT: await freePort(), EMBEDDED_PG_PORT: await freePort() };
  });

  after(async () => {
    for (const placard of started) {
      placard.kill();
      await placard.exited;
    }
    // A PostgreSQL that a failed test left behind.
    for (const pid of processesOn(dataDir)) process.kill(pid, 'SIGKILL');
    await noneLeftOn(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops on SIGHUP as on SIGTERM, leaving no PostgreSQL on DATA_DIR, and starts again', async () => {
    const first = start();
    await first.healthy();
    first.child.kill('SIGHUP');
    const exit = await first.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, first.log());
    assert.match(first.log(), /"signal":"SIGHUP".*"msg":"shutting down"/);
    assert.match(first.log(), /"msg":"stopped"/);
    assert.deepEqual(await noneLeftOn(dataDir), [], 'no postgres left on the data directory');

    const again = start();
    await again.healthy();
    again.child.kill('SIGTERM');
    assert.equal((await again.exited).code, 0, again.log());
  });

  // Placard catches the SIGHUP and stops in order, while its log lines meet a terminal that is
  // gone: the logger (src/log.ts) stops writing on EIO as on EPIPE, instead of throwing into the
  // shutdown and retrying the write for ever at exit.
  const logsPastHangUp = { timeout: 120_000 };
  it('stops when its terminal closes (the terminal hangs up): exits, leaving no PostgreSQL on DATA_DIR and the port free', logsPastHangUp, async () => {
    // script(1) gives Placard a terminal of its own, as a shell in a terminal window would;
    // killing script closes the terminal's other end, and the kernel sends SIGHUP to Placard.
    const inherited: Record<string, string | undefined> = { ...process.env };
    delete inherited.NODE_TEST_CONTEXT;
    delete inherited.DATABASE_URL;
    const terminal = spawn('script', ['-qfec', `exec ${process.execPath} --import tsx src/server.ts`, '/dev/null'], {
      env: { ...inherited, DATA_DIR: dataDir, PORT: String(env.PORT), EMBEDDED_PG_PORT: String(env.EMBEDDED_PG_PORT), HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'test', DEMO_CONTENT: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    terminal.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const node = await childOf(terminal.pid!);
    try {
      let status = 0;
      for (let i = 0; i < 300 && status !== 200 && isRunning(node); i++, await sleep(200)) {
        status = await fetch(`http://127.0.0.1:${env.PORT}/healthz`).then((r) => r.status, () => 0);
      }
      assert.equal(status, 200, output.join(''));
      terminal.kill('SIGKILL');
      for (let i = 0; i < 120 && isRunning(node); i++) await sleep(100);
      assert.ok(!isRunning(node), 'Placard exited within 12 s of the hang-up');
      assert.deepEqual(await noneLeftOn(dataDir), [], 'no postgres left on the data directory');
      const probe = net.createServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(env.PORT, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    } finally {
      if (isRunning(node)) process.kill(node, 'SIGKILL');
      terminal.kill('SIGKILL');
    }
  });

  it('after Node is killed with -9, the next start stops the PostgreSQL it left running, says so, comes up and stops cleanly', async () => {
    const killed = start();
    await killed.healthy();
    killed.child.kill('SIGKILL');
    await killed.exited;
    const orphans = processesOn(dataDir);
    assert.ok(orphans.length > 0, 'the embedded PostgreSQL outlived the Node process, as it does');

    const next = start();
    await next.healthy();
    assert.match(next.log(), /found the embedded PostgreSQL still running on DATA_DIR.*stopping it/);
    assert.match(next.log(), /"msg":"stopped the PostgreSQL that was left running"/);
    for (const pid of orphans) assert.ok(!processesOn(dataDir).includes(pid), `the orphan ${pid} is gone`);
    next.child.kill('SIGTERM');
    assert.deepEqual(await next.exited, { code: 0, signal: null }, next.log());
    assert.deepEqual(await noneLeftOn(dataDir), [], 'no postgres left on the data directory');
  });

  it('leaves alone the PostgreSQL of another Placard running on the same DATA_DIR, and says why it does not start', async () => {
    const running = start();
    await running.healthy();
    const second = new Placard({ ...env, PORT: await freePort() });
    started.push(second);
    const exit = await Promise.race([second.exited, sleep(60_000, undefined, { ref: false }).then(() => assert.fail(`the second Placard did not stop:\n${second.log()}`))]);
    assert.equal(exit.code, 1, second.log());
    assert.match(second.log(), /Placard could not start: the embedded PostgreSQL in .* is in use by another running process .*another Placard on the same DATA_DIR/);
    assert.equal((await fetch(`http://127.0.0.1:${env.PORT}/healthz`)).status, 200, 'the first one still serves');
    running.child.kill('SIGTERM');
    assert.equal((await running.exited).code, 0, running.log());
    assert.deepEqual(await noneLeftOn(dataDir), []);
  });
});

describe('npm start as root with DATA_DIR under a directory that only root may enter', { skip: isRoot ? false : 'runs as root only', timeout: 120_000 }, () => {
  let parent: string;
  let placard: Placard | undefined;

  before(() => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'placard-private-'));
    fs.chmodSync(parent, 0o700);
  });

  after(async () => {
    placard?.kill();
    await placard?.exited;
    for (const pid of processesOn(parent)) process.kill(pid, 'SIGKILL');
    await noneLeftOn(parent);
    fs.rmSync(parent, { recursive: true, force: true });
  });

  it('stops before making anything, with one sentence naming the directory and what to run; once that is done, it starts', async () => {
    const dataDir = path.join(parent, 'placard', 'data');
    const env = { DATA_DIR: dataDir, PORT: await freePort(), EMBEDDED_PG_PORT: await freePort() };
    placard = new Placard(env);
    const exit = await placard.exited;
    assert.equal(exit.code, 1, placard.log());
    const said = placard.lines.filter((line) => line.includes('could not start'));
    assert.equal(said.length, 1, placard.log());
    assert.equal(
      said[0],
      `Placard could not start: as root, Placard runs the embedded PostgreSQL as the postgres user, who cannot enter ${parent} (mode 700) to reach DATA_DIR (${dataDir}): ` +
        `let it in with "chmod o+x ${parent}" (or only it, with "setfacl -m u:postgres:x ${parent}"), or set DATA_DIR to a directory it can reach, such as /var/lib/placard`,
    );
    assert.ok(!fs.existsSync(dataDir), 'nothing was made');

    // The advice works.
    fs.chmodSync(parent, 0o701);
    placard = new Placard(env);
    await placard.healthy();
    placard.child.kill('SIGTERM');
    assert.equal((await placard.exited).code, 0, placard.log());
  });
});
