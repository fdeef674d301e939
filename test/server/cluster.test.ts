// `npm start` with WEB_PROCESSES=2 on a real PostgreSQL: a cluster primary and
// two web processes on one port. Which process answered a request is read from
// its log line (LOG_LEVEL=debug logs each request, and every line of a cluster
// names its pid): nothing new is exposed over HTTP for it. Then the primary's
// restarts alone, with a stand-in web process that dies as soon as it listens.
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startWebProcesses } from '../../src/cluster.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { Spawned } from '../helpers/spawned.ts';

// A bound with slack for a shared machine: the processes aim at 8 s at most.
const EXIT_BOUND_MS = 9_000;

type LogLine = { pid?: number; msg?: string; webProcessPid?: number; url?: string; status?: number };

function parsed(line: string): LogLine {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return {};
  }
}

/** The pids of the web processes that have said they listen, in order. */
function listeningPids(placard: Spawned): number[] {
  return placard.lines.map(parsed).flatMap((l) => (l.msg === 'web process listening' && l.webProcessPid ? [l.webProcessPid] : []));
}

/** GET /healthz on a connection of its own (so that the cluster may hand it to either process); its status. */
function healthz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

/** Sends `count` requests one after another; the pids that logged them (from log line `from` on). */
async function answeredBy(placard: Spawned, port: number, count: number, from: number): Promise<{ statuses: number[]; pids: Set<number> }> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push(await healthz(port));
  const requestLines = () => placard.lines.slice(from).map(parsed).filter((l) => l.msg === 'request' && l.url === '/healthz');
  // The lines come through a pipe, a moment after the answers.
  for (let i = 0; i < 50 && requestLines().length < count; i++) await sleep(50);
  return { statuses, pids: new Set(requestLines().map((l) => l.pid!)) };
}

function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function isRunning(pid: number): boolean {
  try {
    return !/^[ZX]$/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0));
  } catch {
    return false;
  }
}

async function goneWithin(pids: number[], ms: number): Promise<number[]> {
  for (const until = performance.now() + ms; performance.now() < until && pids.some(isRunning); ) await sleep(100);
  return pids.filter(isRunning);
}

describe('npm start with WEB_PROCESSES=2: a cluster primary and two web processes on one port', { timeout: 240_000 }, () => {
  let db: TestDatabase;
  const started: Spawned[] = [];
  const start = (env: Record<string, string>) => {
    const placard = new Spawned('src/server.ts', {
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      WEB_PROCESSES: '2',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'test',
      DEMO_CONTENT: 'false',
      ...env,
    });
    started.push(placard);
    return placard;
  };

  before(async () => {
    db = await createTestDatabase();
  });

  after(async () => {
    for (const placard of started) {
      const pids = listeningPids(placard);
      placard.kill();
      await placard.exited;
      for (const pid of pids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
    await db.drop();
  });

  it('answers from both web processes, brings back one killed with -9 while the other answers, and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const placard = start({ PORT: String(port) });
    await placard.waitForLine('Placard is running at', 120_000);
    const primary = placard.child.pid!;
    const [first, second] = listeningPids(placard);
    assert.ok(first && second && first !== second, placard.log());
    assert.equal(parentOf(first), primary, 'a web process is a child of the primary');
    assert.equal(parentOf(second), primary, 'a web process is a child of the primary');

    const both = await answeredBy(placard, port, 12, 0);
    assert.deepEqual(new Set(both.statuses), new Set([200]));
    assert.deepEqual(both.pids, new Set([first, second]), 'each web process answered; the primary answered none');

    process.kill(first, 'SIGKILL');
    await placard.waitForLine((line) => parsed(line).msg === 'web process exited; starting another' && parsed(line).webProcessPid === first);
    const afterKill = placard.lines.length;
    const alone = await answeredBy(placard, port, 6, afterKill);
    assert.deepEqual(new Set(alone.statuses), new Set([200]), 'the other web process answers meanwhile');
    assert.deepEqual(alone.pids, new Set([second]));

    const newcomer = parsed(await placard.waitForLine((line) => parsed(line).msg === 'web process listening' && ![first, second].includes(parsed(line).webProcessPid!), 120_000)).webProcessPid!;
    assert.equal(parentOf(newcomer), primary);
    const again = await answeredBy(placard, port, 12, placard.lines.length);
    assert.deepEqual(again.pids, new Set([second, newcomer]), 'the new web process takes its share');

    const signalledAt = performance.now();
    placard.child.kill('SIGTERM');
    const exit = await placard.exited;
    const exitMs = exit.at - signalledAt;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, placard.log());
    assert.ok(exitMs < EXIT_BOUND_MS, `exited ${Math.round(exitMs)} ms after SIGTERM`);
    assert.deepEqual(await goneWithin([second, newcomer], 1_000), [], 'no web process outlives the primary');
    const stopped = placard.lines.map(parsed).filter((l) => l.msg === 'stopped').map((l) => l.pid);
    assert.deepEqual(new Set(stopped), new Set([primary, second, newcomer]), 'each stopped in order, the primary last');
    assert.equal(placard.lines.map(parsed).filter((l) => l.msg === 'stopped').at(-1)!.pid, primary);
    assert.doesNotMatch(placard.log(), /still running at the deadline|still open at the deadline/);
  });

  it('stops, with exit 1 and without retrying, when the web processes cannot start (the port is taken)', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const placard = start({ PORT: String((taken.address() as net.AddressInfo).port) });
      const exit = await placard.exited;
      assert.equal(exit.code, 1, placard.log());
      assert.match(placard.log(), /Placard could not start: web process \d \(pid \d+\) exited with code 1 before it listened/);
      assert.match(placard.log(), /EADDRINUSE/, 'the web process said why');
      assert.doesNotMatch(placard.log(), /starting another/);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('stops its web processes when the primary is killed with -9', async () => {
    const placard = start({ PORT: String(await freePort()) });
    await placard.waitForLine('Placard is running at', 120_000);
    const pids = listeningPids(placard);
    placard.kill();
    await placard.exited;
    assert.deepEqual(await goneWithin(pids, EXIT_BOUND_MS), [], 'the web processes stopped by themselves');
  });
});

describe('the cluster primary, with web processes that keep dying (src/cluster.ts)', () => {
  it('restarts one that dies after 0.5 s, doubling the wait, and gives up after 5 deaths in a row', { timeout: 60_000 }, async () => {
    cluster.setupPrimary({ exec: path.join(import.meta.dirname, 'fixtures', 'short-lived-web-process.mjs'), execArgv: [], silent: true });
    const lines: { msg: string; restartInMs?: number; failures?: number }[] = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    let gaveUp!: (reason: Record<string, unknown>) => void;
    const givenUp = new Promise<Record<string, unknown>>((resolve) => (gaveUp = resolve));
    const webProcesses = startWebProcesses({ count: 1, env: {}, log, isStopping: () => false, giveUp: gaveUp });
    await webProcesses.ready;
    const reason = await givenUp;
    await webProcesses.stop(Date.now() + 1_000);
    assert.deepEqual(reason, { reason: 'a web process keeps dying', webProcess: 1 });
    const restarts = lines.filter((l) => l.msg === 'web process exited; starting another').map((l) => l.restartInMs);
    assert.deepEqual(restarts, [500, 1_000, 2_000, 4_000, 8_000]);
    assert.equal(lines.filter((l) => l.msg === 'web process listening').length, 6, 'the first and five more');
    assert.match(lines.at(-1)!.msg, /web process 1 died 6 times in a row; stopping Placard/);
  });
});
